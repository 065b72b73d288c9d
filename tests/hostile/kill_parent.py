# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import os
import signal

for pid in (os.getppid(), 1, int(os.environ["SENTINEL_PID"])):
    try:
        os.kill(pid, signal.SIGKILL)
        print("ESCAPED: killed", pid)
    except OSError as exc:
        print("refused", pid, exc.strerror)
try:
    os.kill(-1, signal.SIGKILL)  # everything this uid may signal: only itself
except OSError as exc:
    print("refused -1", exc.strerror)
