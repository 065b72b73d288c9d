// hostile-expect: cpu_limit, timeout
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: miss
const deadline = Date.now() + 60000;
let n = 0;
while (Date.now() < deadline) n++;
console.log("ESCAPED: spun for a minute", n);
