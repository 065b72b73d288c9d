"""In-sandbox TCP -> Unix socket forwarder; the sandboxed command's only way out.

Usage: python3 -I -S forwarder.py PORT SOCKET COMMAND [ARG...]

The sandbox has its own network namespace with nothing but loopback. This binds
127.0.0.1:PORT there, forks a child that relays every connection to SOCKET (the host's
allowlisting proxy, bind-mounted read-only), and the parent then becomes COMMAND, so the
command keeps its pid, its pipes and its exit status. The child dies with the PID namespace
when the command ends. Single-threaded on purpose: threads count against RLIMIT_NPROC.
"""

from __future__ import annotations

import os
import selectors
import socket
import sys

_CHUNK = 65536
_HIGH_WATER = 1 << 20


class _Pipe:
    """One direction of a relayed connection: bytes read from `src`, waiting for `dst`."""

    def __init__(self, src: socket.socket, dst: socket.socket) -> None:
        self.src, self.dst = src, dst
        self.buf = bytearray()
        self.eof = False


Pipes = tuple[_Pipe, _Pipe]


def _interest(sel: selectors.BaseSelector, sock: socket.socket, pipes: Pipes) -> None:
    events = 0
    for pipe in pipes:
        if pipe.src is sock and not pipe.eof and len(pipe.buf) < _HIGH_WATER:
            events |= selectors.EVENT_READ
        if pipe.dst is sock and pipe.buf:
            events |= selectors.EVENT_WRITE
    known = sock.fileno() >= 0 and sock in sel.get_map()
    if events and known:
        sel.modify(sock, events, pipes)
    elif events:
        sel.register(sock, events, pipes)
    elif known:
        sel.unregister(sock)


def _close(sel: selectors.BaseSelector, pipes: Pipes) -> None:
    for sock in {pipes[0].src, pipes[0].dst}:
        if sock in sel.get_map():
            sel.unregister(sock)
        sock.close()


def _step(sel: selectors.BaseSelector, sock: socket.socket, mask: int, pipes: Pipes) -> bool:
    """Move bytes for one ready socket; False once both directions are finished."""
    if sock.fileno() < 0:
        return True  # its pair was closed earlier in this round of events
    for pipe in pipes:
        if pipe.src is sock and mask & selectors.EVENT_READ:
            data: bytes | None
            try:
                data = sock.recv(_CHUNK)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data == b"":
                pipe.eof = True
            elif data:
                pipe.buf += data
        if pipe.dst is sock and mask & selectors.EVENT_WRITE and pipe.buf:
            try:
                sent = sock.send(pipe.buf)
                del pipe.buf[:sent]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                return False
    for pipe in pipes:
        if pipe.eof and not pipe.buf:
            try:
                pipe.dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
    if all(pipe.eof and not pipe.buf for pipe in pipes):
        return False
    for s in (pipes[0].src, pipes[0].dst):
        _interest(sel, s, pipes)
    return True


def serve(listener: socket.socket, path: str) -> None:
    """Relay connections to `path` until killed."""
    sel = selectors.DefaultSelector()
    listener.setblocking(False)
    sel.register(listener, selectors.EVENT_READ, None)
    while True:
        for key, mask in sel.select():
            if key.data is None:
                try:
                    client, _addr = listener.accept()
                except OSError:
                    continue
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    upstream.connect(path)
                except OSError:
                    client.close()
                    upstream.close()
                    continue
                client.setblocking(False)
                upstream.setblocking(False)
                pipes = (_Pipe(client, upstream), _Pipe(upstream, client))
                _interest(sel, client, pipes)
                _interest(sel, upstream, pipes)
            elif not _step(sel, key.fileobj, mask, key.data):  # type: ignore[arg-type]
                _close(sel, key.data)


def main() -> None:
    """Bind, fork the relay, become the command."""
    port, path, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    if os.fork() == 0:
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        try:
            serve(listener, path)
        finally:
            os._exit(0)
    listener.close()
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        sys.stderr.write(f"{argv[0]}: {exc.strerror}\n")
        os._exit(127)


if __name__ == "__main__":
    main()
