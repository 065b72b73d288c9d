# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: cpu_limit, timeout, exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
import hashlib
import socket
import time

POOL = "stratum+tcp://pool.supportxmr.com:3333"
try:
    socket.create_connection(("192.0.2.1", 3333), timeout=2)
    print("ESCAPED: reached the pool")
except OSError as exc:
    print("pool refused", exc)
nonce, deadline = 0, time.monotonic() + 60
while time.monotonic() < deadline:
    hashlib.sha256(str(nonce).encode()).digest()
    nonce += 1
