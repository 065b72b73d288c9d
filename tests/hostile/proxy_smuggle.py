# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
# hostile-network: registry
# Smuggling through an allowed registry: a pipelined second request naming the host's port, a
# Host header pointing elsewhere, a CONNECT inside the tunnel. Each must still only ever reach
# the registry (which answers REGISTRY-OK), never HOST_PORT.
import os
import socket

port = os.environ["HOST_PORT"]
registry = os.environ.get("REGISTRY", "127.0.0.1:9")


def ask(payload: bytes) -> bytes:
    s = socket.create_connection(("127.0.0.1", 3128), timeout=3)
    s.sendall(payload)
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
    except OSError:
        pass
    return data


cases = [
    f"GET http://{registry}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    f"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
    f"CONNECT {registry} HTTP/1.1\r\n\r\nCONNECT 127.0.0.1:{port} HTTP/1.1\r\n\r\n",
    f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: {registry}\r\n\r\n",
    f"GET http://127.0.0.1:{port}@{registry}/ HTTP/1.1\r\n\r\n",
    f"GET http://{registry}@127.0.0.1:{port}/ HTTP/1.1\r\n\r\n",
    f"CONNECT {registry}\r\n127.0.0.1:{port} HTTP/1.1\r\n\r\n",
]
for payload in cases:
    try:
        print(repr(payload[:60]), ask(payload.encode())[:120])
    except OSError as exc:
        print("refused", exc)
