# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: cpu_limit, timeout
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import time

deadline = time.monotonic() + 60
n = 0
while time.monotonic() < deadline:
    n += 1
print("ESCAPED: spun for a minute")
