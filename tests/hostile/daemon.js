// hostile-expect: exited
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: miss
const { spawn } = require("child_process");
const child = spawn("/bin/sleep", ["120"], { detached: true, stdio: "ignore" });
child.unref();
console.log("detached", child.pid);
