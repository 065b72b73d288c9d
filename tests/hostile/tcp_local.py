# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import os
import socket

for port in (int(os.environ["HOST_PORT"]), 5432):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        print("ESCAPED: connected to 127.0.0.1:", port)
    except OSError as exc:
        print("refused", port, exc)
