# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: output_limit
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import sys

line = "x" * 1023 + "\n"
for _ in range(1_000_000):  # 1 GB
    sys.stdout.write(line)
