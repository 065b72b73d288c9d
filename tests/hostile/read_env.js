// hostile-expect: exited
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: block
const fs = require("fs");
console.log(JSON.stringify(process.env));
for (const path of ["/proc/1/environ", `/proc/${process.ppid}/environ`, "/etc/shadow"]) {
  try {
    console.log("ESCAPED:", path, fs.readFileSync(path, "utf8").slice(0, 80));
  } catch (err) {
    console.log("refused", path, err.code);
  }
}
