// hostile-expect: process_limit, timeout, exited, memory_limit, cpu_limit
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: block
const { spawn } = require("child_process");
const deadline = Date.now() + 30000;
let started = 0;
function bomb() {
  while (Date.now() < deadline && started < 100000) {
    try {
      const child = spawn("/bin/sleep", ["60"], { stdio: "ignore" });
      child.on("error", () => {});
      started++;
    } catch (err) {
      break;
    }
  }
}
bomb();
