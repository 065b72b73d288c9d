# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import socket

# 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed, so nothing real is ever contacted.
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2).close()
    print("ESCAPED: reached 192.0.2.1")
except OSError as exc:
    print("refused", exc)
