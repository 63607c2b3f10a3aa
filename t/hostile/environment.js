// The environment as node sees it, and the runner's through /proc/1/environ.
// language: javascript
// family: escape
// status: completed
// stdout-contains: ENV PATH=
// stdout-contains: BLOCKED /proc/1/environ
// output-not-contains: CODERANK
// output-not-contains: JWT
// output-not-contains: PGHOST
// output-not-contains: DATABASE
const fs = require("fs");
for (const k of Object.keys(process.env).sort()) console.log(`ENV ${k}=${process.env[k]}`);
try {
  const e = fs.readFileSync("/proc/1/environ");
  console.log(`ESCAPED /proc/1/environ: ${e.length} bytes`);
} catch (err) {
  console.log(`BLOCKED /proc/1/environ: ${err.code}`);
}
