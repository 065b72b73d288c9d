# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import os
import sys
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            os.close(fd)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with open("heartbeat.txt", "a") as handle:
                handle.write("alive\n")
            time.sleep(0.2)
    os._exit(0)
print("parent leaves a daemon behind")
sys.exit(0)
