// Memory hog outside V8's heap: Buffers filled with data (no heap limit of
// node's own gets in the way, only the container's memory limit).
// language: javascript
// family: resources
// status: memory_limit_exceeded
// exit-signal: 9
const hog = [];
for (;;) hog.push(Buffer.alloc(16 << 20, 1));
