// hostile-expect: exited
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: block
const net = require("net");
for (const [host, port] of [["127.0.0.1", Number(process.env.HOST_PORT)], ["192.0.2.1", 80], ["127.0.0.1", 5432]]) {
  const socket = net.connect({ host, port, timeout: 2000 });
  socket.on("connect", () => { console.log("ESCAPED: connected", host, port); socket.destroy(); });
  socket.on("error", (err) => console.log("refused", host, port, err.code));
  socket.on("timeout", () => { console.log("timeout", host, port); socket.destroy(); });
}
