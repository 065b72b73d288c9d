# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: timeout, process_limit, cpu_limit
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import os
import time

deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.fork()
    except OSError:
        pass
