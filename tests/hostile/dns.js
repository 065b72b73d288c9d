// hostile-expect: exited
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: miss
const dns = require("dns");
dns.lookup("example.com", (err, address) => {
  if (err) console.log("refused", err.code);
  else console.log("ESCAPED: resolved", address);
});
