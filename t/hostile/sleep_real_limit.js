// A timer an hour away, under the real javascript limit (10 s): the run ends at
// the configured limit, not at the timer.
// language: javascript
// family: resources
// status: timeout
// exit-signal: 9
// stdout-contains: armed
// stdout-not-contains: ESCAPED
setTimeout(() => console.log("ESCAPED: the timer fired"), 3600 * 1000);
console.log("armed");
