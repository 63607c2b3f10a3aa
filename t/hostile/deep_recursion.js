// Unbounded recursion in node: V8's stack guard throws RangeError.
// language: javascript
// family: resources
// status: failed
// exit-code: 1
// stderr-contains: Maximum call stack size exceeded
function down(n) { return down(n + 1) + 1; }
down(0);
