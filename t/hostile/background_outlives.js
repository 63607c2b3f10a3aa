// A detached, unref'd child holding the program's stdout open: the run still
// ends when the main process does, and the child's late output never arrives.
// language: javascript
// family: escape
// status: completed
// max-execution-ms: 5000
// stdout-contains: main done
// stdout-not-contains: ESCAPED
const { spawn } = require("child_process");
const child = spawn("sh", ["-c", "trap '' TERM HUP; sleep 5; echo ESCAPED late; sleep 600"],
  { detached: true, stdio: "inherit" });
child.unref();
console.log("main done");
