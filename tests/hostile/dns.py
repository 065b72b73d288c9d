# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: miss
import socket

try:
    print("ESCAPED: resolved", socket.getaddrinfo("example.com", 80)[:1])
except OSError as exc:
    print("refused", exc)
