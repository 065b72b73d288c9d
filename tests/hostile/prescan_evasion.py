# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import importlib
import os

# Built at run time so no pattern of the pre-scan matches: the isolation must hold alone.
target = "/".join(["", "et" + "c", "sha" + "dow"])
try:
    print("ESCAPED:", open(target).read()[:40])
except OSError as exc:
    print("refused", exc.strerror)
net = importlib.import_module("so" + "cket")
try:
    getattr(net, "create_" + "connection")(("127.0.0.1", int(os.environ["HOST_PORT"])), 2)
    print("ESCAPED: connected")
except OSError as exc:
    print("refused", exc)
sig = importlib.import_module("sig" + "nal")
try:
    getattr(os, "ki" + "ll")(int(os.environ["SENTINEL_PID"]), sig.SIGKILL)
    print("ESCAPED: killed the sentinel")
except OSError as exc:
    print("refused", exc.strerror)
