# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
# hostile-network: registry
# Asks the registry proxy for the host's own services under every spelling of "this host".
import os
import socket

port = os.environ["HOST_PORT"]
proxy = os.environ.get("HTTPS_PROXY", "http://127.0.0.1:3128").rsplit(":", 1)
targets = [f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"0.0.0.0:{port}",
           f"2130706433:{port}", f"0x7f000001:{port}", f"127.1:{port}", f"LOCALHOST.:{port}",
           "127.0.0.1:5432", f"[::ffff:127.0.0.1]:{port}", f"sandbox:{port}"]
for target in targets:
    try:
        s = socket.create_connection((proxy[0].split("//")[1], int(proxy[1])), timeout=3)
        s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        status = s.recv(200).split(b"\r\n")[0]
        print(target, status)
        if b" 200 " in status:
            print("ESCAPED: tunnel to", target)
        s.close()
    except OSError as exc:
        print("refused", target, exc)
for url in (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", "http://127.0.0.1:5432/"):
    try:
        s = socket.create_connection((proxy[0].split("//")[1], int(proxy[1])), timeout=3)
        s.sendall(f"GET {url} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status = s.recv(200).split(b"\r\n")[0]
        print(url, status)
        if b" 403 " not in status:
            print("ESCAPED: forwarded", url)
    except OSError as exc:
        print("refused", url, exc)
