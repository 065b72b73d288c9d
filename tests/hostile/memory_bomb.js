// hostile-expect: memory_limit, cpu_limit, timeout
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: miss
const hoard = [];
for (let i = 0; i < 100000; i++) {
  hoard.push(new Array(1e6).fill(i));
}
console.log("ESCAPED: allocated", hoard.length);
