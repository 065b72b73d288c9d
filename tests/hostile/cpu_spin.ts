// hostile-expect: cpu_limit, timeout
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: miss
const deadline: number = Date.now() + 60000;
let spins: number = 0;
while (Date.now() < deadline) spins++;
console.log("ESCAPED: spun for a minute", spins);
