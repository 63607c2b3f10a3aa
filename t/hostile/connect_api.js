// Tries to reach the API: nginx's HTTP and HTTPS ports on every host address,
// ports 80/443, and the FastCGI socket of the responders.
// language: javascript
// family: escape
// status: completed
// stdout-contains: BLOCKED 127.0.0.1:@@API_PORT@@
// stdout-contains: BLOCKED @@API_SOCKET@@
// stdout-not-contains: ESCAPED
// stdout-contains: DONE
const net = require("net");
const targets = [];
for (const host of "@@HOST_ADDRS@@".split(",").concat(["172.17.0.1"]))
  for (const port of [@@API_PORT@@, @@HTTPS_PORT@@, 80, 443])
    targets.push({ host, port, name: `${host}:${port}` });
targets.push({ path: "@@API_SOCKET@@", name: "@@API_SOCKET@@" });

function probe(t) {
  return new Promise((resolve) => {
    const s = net.connect(t.path ? { path: t.path } : { host: t.host, port: t.port });
    const timer = setTimeout(() => { s.destroy(); resolve(`BLOCKED ${t.name}: no answer`); }, 1000);
    s.on("connect", () => { clearTimeout(timer); s.destroy(); resolve(`ESCAPED ${t.name} connected`); });
    s.on("error", (e) => { clearTimeout(timer); resolve(`BLOCKED ${t.name}: ${e.code}`); });
  });
}

(async () => {
  for (const line of await Promise.all(targets.map(probe))) console.log(line);
  console.log("DONE");
})();
