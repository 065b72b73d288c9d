// hostile-expect: exited
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: block
// hostile-network: registry
// A network session: DNS of its own, a direct UDP query and a CONNECT to the database port.
const dns = require("dns");
const dgram = require("dgram");
const http = require("http");
dns.lookup("example.com", (err, address) => {
  console.log(err ? `refused lookup ${err.code}` : `ESCAPED: resolved ${address}`);
});
const udp = dgram.createSocket("udp4");
udp.on("error", (err) => { console.log("refused udp", err.code); udp.close(); });
udp.on("message", () => { console.log("ESCAPED: a DNS answer"); udp.close(); });
udp.send(Buffer.from("0001010000010000000000000765786d706c6503636f6d0000010001", "hex"), 53, "8.8.8.8",
  (err) => { if (err) console.log("refused send", err.code); setTimeout(() => { try { udp.close(); } catch (e) {} }, 1500); });
const req = http.request({ host: "127.0.0.1", port: 3128, method: "CONNECT", path: "127.0.0.1:5432", timeout: 3000 });
req.on("connect", (res, socket) => {
  console.log(res.statusCode === 200 ? "ESCAPED: tunnel to 5432" : `refused tunnel ${res.statusCode}`);
  socket.destroy();
});
req.on("error", (err) => console.log("refused proxy", err.code));
req.on("timeout", () => { console.log("timeout"); req.destroy(); });
req.end();
