"""Registry-only networking: an allowlisting HTTP proxy the sandbox reaches through a Unix socket.

A network session under bubblewrap still gets its own network namespace with nothing but
loopback, so nothing on the host (PostgreSQL on 127.0.0.1:5432, a metadata service, the LAN) is
reachable. The only way out is this proxy: it listens on a Unix socket in a directory that is
bind-mounted read-only into the sandbox, where `forwarder.py` exposes it as 127.0.0.1:PORT and
HTTPS_PROXY/HTTP_PROXY (and npm's and pip's own proxy settings) point at it. The proxy accepts
`CONNECT host:port` and absolute-form plain HTTP requests, and only for hosts on the allowlist;
a name that resolves to a loopback, private or link-local address is refused too, unless the
allowlist names that address literally (a mirror on this machine or the LAN). Every refusal is
logged and kept, translated, for the run's result.
"""

from __future__ import annotations

import configparser
import contextlib
import ipaddress
import logging
import selectors
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from webnova.i18n import _

INSIDE_NET_DIR = "/run/webnova-net"
INSIDE_PROXY_PORT = 3128
SOCKET_NAME = "proxy.sock"
FORWARDER_NAME = "forwarder.py"
_DEFAULT_PORTS = (443, 80)
_MAX_HEAD = 16 << 10
PING = b"OPTIONS * HTTP/1.1"
_MAX_DENIALS = 50
_HOP_HEADERS = frozenset({"proxy-connection", "proxy-authorization", "connection", "keep-alive",
                          "te", "trailer", "upgrade", "host"})
_log = logging.getLogger(__name__)
Resolver = Callable[[str, int], list[str]]


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


# What a registry name must never lead to: this host, its link-local neighbours (cloud metadata
# at 169.254.169.254), the LAN and carrier-grade NAT, multicast and the unspecified address.
# (Documentation ranges stay usable: some egress gateways answer with them.)
_LOCAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7",
    "fe80::/10", "ff00::/8"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return not any(address in network for network in _LOCAL_NETWORKS
                   if network.version == address.version)


def split_host_port(target: str, default_port: int | None = None) -> tuple[str, int] | None:
    """`host:port` (IPv6 in brackets) -> (host, port); None when malformed."""
    host, sep, port = target.rpartition(":")
    if not sep or (host.count(":") and not host.startswith("[")):
        if default_port is None:
            return None
        host, port = target, str(default_port)
    if not port.isdigit() or not 0 < int(port) < 65536 or not host:
        return None
    return _normal_host(host), int(port)


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses for a name (the proxy resolves; the sandbox has no DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Allowlist:
    """Hosts (any of ports 443 and 80) or host:port pairs the sandbox may reach."""

    entries: frozenset[tuple[str, int | None]]

    @classmethod
    def parse(cls, items: Iterable[str]) -> Allowlist:
        """Entries such as `pypi.org`, `127.0.0.1:8080` or `[::1]:3141`; blanks are skipped."""
        entries: set[tuple[str, int | None]] = set()
        for raw in items:
            item = raw.strip()
            if not item:
                continue
            parsed = split_host_port(item)
            entries.add(parsed if parsed is not None else (_normal_host(item), None))
        return cls(frozenset(entries))

    def permits(self, host: str, port: int) -> bool:
        """Whether the name and port are on the list (before any address check)."""
        return (host, port) in self.entries or (
            (host, None) in self.entries and port in _DEFAULT_PORTS)

    def addresses(self, host: str, port: int, resolver: Resolver) -> tuple[list[str], str | None]:
        """The addresses to connect to, or a translated reason to refuse."""
        if not self.permits(host, port):
            return [], _("{host}:{port} is not an allowed package registry.").format(
                host=host, port=port)
        literal = _literal(host)
        if literal is not None:
            return [str(literal)], None  # named literally by the operator: a local mirror
        try:
            found = resolver(host, port)
        except OSError:
            return [], _("The name {host} could not be resolved.").format(host=host)
        usable = [a for a in found if (ip := _literal(a)) is not None and _public(ip)]
        if not usable:
            return [], _("{host} resolves only to local or private addresses.").format(host=host)
        return usable, None


@dataclass(frozen=True)
class Mirrors:
    """The host's pip index configuration, made usable inside the sandbox."""

    env: Mapping[str, str] = field(default_factory=dict)
    binds: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()


def _pip_config_files() -> list[Path]:
    home = Path.home()
    return [Path("/etc/xdg/pip/pip.conf"), Path("/etc/pip.conf"), home / ".pip" / "pip.conf",
            home / ".config" / "pip" / "pip.conf"]


@cache
def host_pip_mirrors() -> Mirrors:
    """Index URLs and find-links of the host's pip configuration files (later files win).

    Local `file://` indexes and wheel directories are bound read-only into the sandbox; the
    hosts of http(s) mirrors join the allowlist. Read once per process. PIP_* environment
    variables are not read here (settings are the only reader of the environment).
    """
    values: dict[str, str] = {}
    parser = configparser.RawConfigParser()
    with contextlib.suppress(configparser.Error, OSError, UnicodeDecodeError):
        parser.read([str(p) for p in _pip_config_files()], encoding="utf-8")
    for section in ("global", "install"):
        if parser.has_section(section):
            for key in ("index-url", "extra-index-url", "find-links"):
                if parser.has_option(section, key):
                    values[key] = parser.get(section, key)
    return mirrors_from(values)


def mirrors_from(values: Mapping[str, str]) -> Mirrors:
    """Sandbox environment, read-only binds and allowlist hosts for pip's index settings."""
    env: dict[str, str] = {}
    binds: list[str] = []
    hosts: list[str] = []
    for key, raw in values.items():
        kept: list[str] = []
        for item in raw.split():
            parts = urlsplit(item)
            if parts.scheme in ("http", "https") and parts.hostname:
                port = parts.port or (443 if parts.scheme == "https" else 80)
                hosts.append(f"{parts.hostname}:{port}" if parts.port else parts.hostname)
                kept.append(item)
            elif parts.scheme in ("file", ""):
                path = Path(unquote(parts.path) if parts.scheme else item)
                if path.is_absolute() and path.exists():
                    real = path.resolve()
                    # A PEP 503 tree's pages link to files beside "simple/" (../../files/...).
                    binds.append(str(real.parent if real.name == "simple" else real))
                    kept.append(item if parts.scheme else str(path.resolve()))
        if kept:
            env["PIP_" + key.upper().replace("-", "_")] = " ".join(kept)
    return Mirrors(env=env, binds=tuple(dict.fromkeys(binds)), hosts=tuple(hosts))


def proxy_env(port: int = INSIDE_PROXY_PORT) -> dict[str, str]:
    """The variables that send npm, yarn, pnpm, pip and generic clients through the proxy."""
    url = f"http://127.0.0.1:{port}"
    return {"HTTPS_PROXY": url, "HTTP_PROXY": url, "https_proxy": url, "http_proxy": url,
            "ALL_PROXY": url, "all_proxy": url, "NO_PROXY": "", "no_proxy": "",
            "npm_config_proxy": url, "npm_config_https_proxy": url, "PIP_PROXY": url,
            "YARN_HTTP_PROXY": url, "YARN_HTTPS_PROXY": url,
            "NODE_USE_ENV_PROXY": "1"}  # Node's built-in fetch honours the variables (Node 24+)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False
    proxy: RegistryProxy


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.proxy.serve(self.request)


class RegistryProxy:
    """The host side: an allowlisting CONNECT/HTTP proxy on a Unix socket, one per session."""

    def __init__(self, directory: Path, allowlist: Allowlist, *, label: str,
                 resolver: Resolver = system_resolver, connect_timeout_s: float = 10.0,
                 idle_timeout_s: float = 120.0, max_connections: int = 64) -> None:
        self.directory = directory
        self.allowlist = allowlist
        self._label = label
        self._resolver = resolver
        self._connect_timeout = connect_timeout_s
        self._idle_timeout = idle_timeout_s
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._denials: list[str] = []
        self._refused = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def socket_path(self) -> Path:
        """Where the proxy listens on the host."""
        return self.directory / SOCKET_NAME

    def start(self) -> None:
        """Listen (idempotent); the socket is world-connectable inside a private directory."""
        if self._server is not None:
            return
        self.directory.mkdir(mode=0o711, parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        server = _Server(str(self.socket_path), _Handler)
        server.proxy = self
        self.socket_path.chmod(0o666)  # the session uid connects; the directory hides it
        forwarder = Path(__file__).with_name(FORWARDER_NAME).read_bytes()
        target = self.directory / FORWARDER_NAME
        target.write_bytes(forwarder)
        target.chmod(0o644)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-proxy-{self._label}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop listening; open tunnels end when their sandboxed ends are killed."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    def take_denials(self) -> list[str]:
        """The refusals since the last call (translated sentences), oldest first."""
        with self._lock:
            taken, self._denials = self._denials, []
        return taken

    # -- one client ----------------------------------------------------------------------

    def serve(self, conn: socket.socket) -> None:
        """Read one request head, decide, then tunnel or refuse (beyond the cap: 503)."""
        if not self._slots.acquire(blocking=False):
            conn.settimeout(2.0)
            _read_head(conn)  # answered after its request, or the client sees a reset instead
            self._deny(conn, "-", 0, _("Too many connections through the package proxy."),
                       status=b"503 Service Unavailable")
            return
        try:
            self._serve(conn)
        finally:
            self._slots.release()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(self._idle_timeout)
        head, rest = _read_head(conn)
        if head is None:
            return
        if head.startswith(PING):
            conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            return  # the probe's check that the path from the sandbox works
        request = _parse(head)
        if request is None:
            self._deny(conn, "?", 0, _("The request to the package proxy is malformed."))
            return
        method, host, port, forward = request
        addresses, reason = self.allowlist.addresses(host, port, self._resolver)
        if reason is not None:
            self._deny(conn, host, port, reason)
            return
        upstream = self._connect(addresses, port)
        if upstream is None:
            self._deny(conn, host, port, _("{host}:{port} did not accept the connection.").format(
                host=host, port=port), status=b"502 Bad Gateway")
            return
        with upstream:
            if method == "CONNECT":
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
            else:
                upstream.sendall(forward + rest)
            _splice(conn, upstream, self._idle_timeout)

    def _connect(self, addresses: list[str], port: int) -> socket.socket | None:
        for address in addresses:
            try:
                return socket.create_connection((address, port), timeout=self._connect_timeout)
            except OSError:
                continue
        return None

    def _deny(self, conn: socket.socket, host: str, port: int, reason: str, *,
              status: bytes = b"403 Forbidden") -> None:
        with self._lock:
            self._refused += 1
            refused = self._refused
            if len(self._denials) < _MAX_DENIALS:
                self._denials.append(reason)
        if refused <= _MAX_DENIALS:  # a program looping on refusals must not flood the log
            _log.warning("sandbox %s: network refused %s:%s: %s", self._label, host, port, reason)
        elif refused == _MAX_DENIALS + 1:
            _log.warning("sandbox %s: further network refusals are not logged", self._label)
        body = reason.encode("utf-8") + b"\n"
        with contextlib.suppress(OSError):
            conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain; charset=utf-8"
                         b"\r\nConnection: close\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)


def _read_head(conn: socket.socket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > _MAX_HEAD:
            return None, b""
        try:
            chunk = conn.recv(4096)
        except OSError:
            return None, b""
        if not chunk:
            return None, b""
        data += chunk
    head, _sep, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _parse(head: bytes) -> tuple[str, str, int, bytes] | None:
    """(method, host, port, the head to send upstream) for CONNECT or absolute-form HTTP."""
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None
    if method == "CONNECT":
        parsed = split_host_port(target)
        return None if parsed is None else (method, parsed[0], parsed[1], b"")
    url = urlsplit(target)
    if url.scheme != "http" or not url.hostname:
        return None
    try:
        port = url.port or 80
    except ValueError:
        return None
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    host = _normal_host(url.hostname)
    netloc = url.netloc.rpartition("@")[2]
    kept = [line for line in lines[1:]
            if line and line.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
    out = [f"{method} {path} {version}", f"Host: {netloc}", *kept, "Connection: close", "", ""]
    return method, host, port, "\r\n".join(out).encode("latin-1")


def _splice(a: socket.socket, b: socket.socket, idle_timeout: float) -> None:
    """Copy both ways until both sides are done or nothing moves for `idle_timeout`."""
    a.setblocking(False)
    b.setblocking(False)
    peer = {a: b, b: a}
    open_ = {a, b}
    with selectors.DefaultSelector() as sel:
        sel.register(a, selectors.EVENT_READ)
        sel.register(b, selectors.EVENT_READ)
        while open_:
            ready = sel.select(timeout=idle_timeout)
            if not ready:
                return
            for key, _mask in ready:
                src: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = src.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    return
                if not data:
                    sel.unregister(src)
                    open_.discard(src)
                    with contextlib.suppress(OSError):
                        peer[src].shutdown(socket.SHUT_WR)
                    continue
                try:
                    peer[src].setblocking(True)
                    peer[src].settimeout(idle_timeout)
                    peer[src].sendall(data)
                    peer[src].setblocking(False)
                except OSError:
                    return
