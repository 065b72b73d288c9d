// hostile-expect: exited
// hostile-levels: bubblewrap, rlimits-only
// hostile-prescan: block
import * as fs from "fs";

const targets: string[] = ["/etc/shadow", `${process.env.CANARY_PRIVATE}/canary.txt`];
for (const path of targets) {
  try {
    console.log("ESCAPED:", path, fs.readFileSync(path, "utf8").slice(0, 80));
  } catch (err) {
    console.log("refused", path, (err as NodeJS.ErrnoException).code);
  }
}
