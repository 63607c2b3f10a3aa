// 100 MB to stderr: capped and killed like stdout; stdout is kept as it was.
// language: javascript
// family: resources
// status: output_limit_exceeded
// exit-signal: 9
// stderr-max-bytes: 65536
// stdout-contains: flooding stderr
// max-seconds: 10
console.log("flooding stderr");
const mb = "e".repeat(1 << 20);
for (let i = 0; i < 100; i++) process.stderr.write(mb);
