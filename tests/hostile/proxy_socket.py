# ruff: noqa  (sandbox test data: hostile on purpose and run only inside the sandbox)
# hostile-expect: exited
# hostile-levels: bubblewrap, rlimits-only
# hostile-prescan: block
# hostile-network: registry
# Goes around the forwarder: the proxy's Unix socket directly, replacing it, planting a file
# beside it, and killing the forwarder to take its port.
import os
import signal
import socket

port = os.environ["HOST_PORT"]
path = "/run/webnova-net/proxy.sock"
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(path)
    s.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\n\r\n".encode())
    status = s.recv(200).split(b"\r\n")[0]
    print("unix socket:", status)
    if b" 200 " in status:
        print("ESCAPED: unix socket tunnel")
except OSError as exc:
    print("refused unix socket", exc)
for victim in (path, "/run/webnova-net/forwarder.py"):
    try:
        os.unlink(victim)
        print("ESCAPED: removed", victim)
    except OSError as exc:
        print("refused unlink", victim, exc)
try:
    with open("/run/webnova-net/planted", "w") as handle:
        handle.write("x")
    print("ESCAPED: wrote into the proxy directory")
except OSError as exc:
    print("refused write", exc)
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if b"forwarder" in handle.read():
                    os.kill(int(pid), signal.SIGKILL)
                    print("killed forwarder", pid)
        except OSError:
            pass
try:
    socket.create_connection(("127.0.0.1", int(port)), timeout=3).close()
    print("ESCAPED: direct to the host port")
except OSError as exc:
    print("refused direct", exc)
