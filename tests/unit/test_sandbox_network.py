"""Registry-only networking: the allowlist, the host proxy, and a network session end to end.

Nothing here leaves the machine: the "registry" is a loopback HTTP server named literally on the
allowlist, and a second loopback listener stands in for PostgreSQL.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from webnova.adapters.sandbox import make_sandbox, sandbox_limits
from webnova.adapters.sandbox.local import LocalSandbox
from webnova.adapters.sandbox.netproxy import (
    INSIDE_NET_DIR,
    Allowlist,
    RegistryProxy,
    mirrors_from,
    proxy_env,
    split_host_port,
)
from webnova.adapters.sandbox.port import SandboxLimits
from webnova.adapters.sandbox.probe import probe_isolation
from webnova.settings import SettingsError, load_settings

REPORT = probe_isolation()
needs_registry_network = pytest.mark.skipif(
    REPORT.network != "registry", reason=f"registry networking unavailable: {REPORT.warnings}")


# -- the allowlist -------------------------------------------------------------------------


class Resolver:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("no such name")
        return self.answers[host]


def test_a_registry_name_allows_https_and_http_only() -> None:
    allow = Allowlist.parse(["PyPI.org.", "127.0.0.1:8080", "[::1]:3141", " "])
    assert allow.permits("pypi.org", 443)
    assert allow.permits("pypi.org", 80)
    assert not allow.permits("pypi.org", 22)
    assert allow.permits("127.0.0.1", 8080)
    assert not allow.permits("127.0.0.1", 443)
    assert allow.permits("::1", 3141)
    assert not allow.permits("evil.pypi.org", 443)


def test_a_host_off_the_list_is_refused_without_a_lookup() -> None:
    resolver = Resolver({"example.com": ["93.184.216.34"]})
    addresses, reason = Allowlist.parse(["pypi.org"]).addresses("example.com", 443, resolver)
    assert addresses == []
    assert reason is not None
    assert "example.com:443" in reason
    assert resolver.asked == []


@pytest.mark.parametrize("answer", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1",
                                    "::1", "::ffff:127.0.0.1", "fe80::1", "fd00::1", "0.0.0.0",
                                    "64:ff9b::7f00:1", "100.64.0.1"])
def test_a_registry_name_that_resolves_to_a_local_address_is_refused(answer: str) -> None:
    resolver = Resolver({"pypi.org": [answer]})
    addresses, reason = Allowlist.parse(["pypi.org"]).addresses("pypi.org", 443, resolver)
    assert addresses == []
    assert reason is not None
    assert "local or private" in reason


def test_public_answers_are_kept_and_local_ones_dropped() -> None:
    resolver = Resolver({"pypi.org": ["127.0.0.1", "151.101.0.223", "203.0.113.80"]})
    addresses, reason = Allowlist.parse(["pypi.org"]).addresses("pypi.org", 443, resolver)
    assert reason is None
    assert addresses == ["151.101.0.223", "203.0.113.80"]


def test_an_unresolvable_registry_is_a_reason_not_a_crash() -> None:
    addresses, reason = Allowlist.parse(["pypi.org"]).addresses("pypi.org", 443, Resolver({}))
    assert addresses == []
    assert reason is not None
    assert "could not be resolved" in reason


def test_a_literal_address_on_the_list_is_used_as_named() -> None:
    resolver = Resolver({})
    addresses, reason = Allowlist.parse(["127.0.0.1:8080"]).addresses("127.0.0.1", 8080,
                                                                      resolver)
    assert (addresses, reason) == (["127.0.0.1"], None)
    assert resolver.asked == []


@pytest.mark.parametrize(("target", "expected"), [
    ("pypi.org:443", ("pypi.org", 443)), ("[::1]:80", ("::1", 80)), ("pypi.org", None),
    ("pypi.org:0", None), ("pypi.org:99999", None), (":443", None), ("::1:80", None),
    ("pypi.org:4x3", None)])
def test_connect_targets_are_parsed_strictly(target: str,
                                             expected: tuple[str, int] | None) -> None:
    assert split_host_port(target) == expected


# -- pip mirrors -----------------------------------------------------------------------------


def test_local_pip_indexes_are_bound_and_http_mirrors_allowed(tmp_path: Path) -> None:
    index = tmp_path / "pypi" / "simple"
    index.mkdir(parents=True)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    mirrors = mirrors_from({
        "extra-index-url": f"file://{index} https://mirror.example.org:8443/simple "
                           f"file://{tmp_path}/missing/simple",
        "find-links": str(wheels),
        "index-url": "http://pypi.lan/simple"})
    # A PEP 503 tree links to files beside simple/, so the tree's root is bound.
    assert mirrors.binds == (str(index.parent.resolve()), str(wheels.resolve()))
    assert set(mirrors.hosts) == {"mirror.example.org:8443", "pypi.lan"}
    assert mirrors.env["PIP_EXTRA_INDEX_URL"] == (
        f"file://{index} https://mirror.example.org:8443/simple")
    assert mirrors.env["PIP_FIND_LINKS"] == str(wheels.resolve())
    assert mirrors.env["PIP_INDEX_URL"] == "http://pypi.lan/simple"


def test_every_client_is_pointed_at_the_forwarder() -> None:
    env = proxy_env(3128)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "npm_config_proxy",
                 "npm_config_https_proxy", "PIP_PROXY"):
        assert env[name] == "http://127.0.0.1:3128"
    assert env["NO_PROXY"] == ""


# -- the host proxy on its own ---------------------------------------------------------------


@dataclass
class Registry:
    """A loopback HTTP server standing in for a package registry."""

    port: int
    paths: list[str] = field(default_factory=list)


class _RegistryHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        body = b'{"name": "left-pad", "version": "1.3.0"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def registry() -> Iterator[Registry]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RegistryHandler)
    found = Registry(port=server.server_address[1])
    server.seen = found.paths  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@dataclass
class Database:
    """A TCP listener standing in for PostgreSQL; counts every connection that reaches it."""

    port: int
    connections: list[object] = field(default_factory=list)


@pytest.fixture
def database() -> Iterator[Database]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    found = Database(port=listener.getsockname()[1])

    def accept() -> None:
        while True:
            try:
                conn, peer = listener.accept()
            except OSError:
                return
            found.connections.append(peer)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield found
    listener.close()


@pytest.fixture
def proxy(tmp_path: Path, registry: Registry) -> Iterator[RegistryProxy]:
    started = RegistryProxy(tmp_path / "net", Allowlist.parse([f"127.0.0.1:{registry.port}"]),
                            label="test", resolver=Resolver({}))
    started.start()
    yield started
    started.close()


def _ask(proxy: RegistryProxy, payload: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(5)
        conn.connect(str(proxy.socket_path))
        conn.sendall(payload)
        data = b""
        with contextlib.suppress(TimeoutError):
            while chunk := conn.recv(4096):
                data += chunk
        return data


def test_the_proxy_tunnels_to_an_allowed_registry(proxy: RegistryProxy,
                                                  registry: Registry) -> None:
    target = f"127.0.0.1:{registry.port}"
    reply = _ask(proxy, f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"
                        f"GET /left-pad HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n"
                 .encode())
    assert reply.startswith(b"HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.0 200")
    assert reply.endswith(b'"1.3.0"}')
    assert registry.paths == ["/left-pad"]
    assert proxy.take_denials() == []


def test_the_proxy_forwards_plain_http_to_an_allowed_registry_in_origin_form(
        proxy: RegistryProxy, registry: Registry) -> None:
    reply = _ask(proxy, f"GET http://127.0.0.1:{registry.port}/simple/six/?q=1 HTTP/1.1\r\n"
                        "Host: elsewhere\r\nProxy-Authorization: x\r\n\r\n".encode())
    assert reply.startswith(b"HTTP/1.0 200")
    assert registry.paths == ["/simple/six/?q=1"]


@pytest.mark.parametrize("request_line", [
    "CONNECT 127.0.0.1:{db} HTTP/1.1", "CONNECT localhost:{reg} HTTP/1.1",
    "GET http://127.0.0.1:{db}/ HTTP/1.1", "CONNECT example.com:443 HTTP/1.1",
    "GET https://127.0.0.1:{reg}/ HTTP/1.1", "GET /relative HTTP/1.1", "NONSENSE"])
def test_the_proxy_refuses_everything_else_with_a_logged_reason(
        proxy: RegistryProxy, registry: Registry, database: Database, request_line: str,
        caplog: pytest.LogCaptureFixture) -> None:
    line = request_line.format(db=database.port, reg=registry.port)
    reply = _ask(proxy, f"{line}\r\nHost: x\r\n\r\n".encode())
    assert reply.startswith(b"HTTP/1.1 403 Forbidden")
    denials = proxy.take_denials()
    assert len(denials) == 1
    assert denials[0].encode() in reply
    assert any(denials[0] in record.getMessage() for record in caplog.records)
    assert database.connections == []
    assert registry.paths == []


# -- a network session end to end ------------------------------------------------------------


_INSIDE = """
import os, socket, urllib.request
reg, db = {reg}, {db}
proxy = os.environ["HTTPS_PROXY"]
print("proxy", proxy)
with urllib.request.urlopen(f"http://127.0.0.1:{{reg}}/left-pad", timeout=5) as response:
    print("registry via proxy", response.status, response.read().decode())
s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
s.sendall(f"CONNECT 127.0.0.1:{{reg}} HTTP/1.1\\r\\n\\r\\n".encode())
s.sendall(b"GET /tunnel HTTP/1.0\\r\\n\\r\\n")
data = b""
while chunk := s.recv(4096):  # HTTP/1.0: the registry closes after its answer
    data += chunk
print("tunnel", b"1.3.0" in data)
for target in (f"127.0.0.1:{{db}}", "pypi.org:443"):
    s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
    s.sendall(f"CONNECT {{target}} HTTP/1.1\\r\\n\\r\\n".encode())
    print("proxy to", target, s.recv(200).split(b"\\r\\n")[0].decode())
for host, port in (("127.0.0.1", db), ("192.0.2.1", 443)):
    try:
        socket.create_connection((host, port), timeout=3)
        print("direct", host, "CONNECTED")
    except OSError as exc:
        print("direct", host, "refused", exc.errno)
try:
    print("dns", socket.getaddrinfo("pypi.org", 443))
except OSError as exc:
    print("dns refused")
"""


@needs_registry_network
def test_a_network_session_reaches_only_the_allowed_registry(registry: Registry,
                                                             database: Database) -> None:
    limits = SandboxLimits(prescan_block=False, registry_hosts=(f"127.0.0.1:{registry.port}",),
                           registry_mirrors=False)
    with LocalSandbox(limits, report=REPORT).create(network=True) as session:
        assert session.network == "registry"
        result = session.run_code(_INSIDE.format(reg=registry.port, db=database.port), "python")
    out = result.stdout
    assert result.ok, result.stderr
    assert result.network == "registry"
    assert "proxy http://127.0.0.1:3128" in out
    assert 'registry via proxy 200 {"name": "left-pad", "version": "1.3.0"}' in out  # (a)
    assert "tunnel True" in out
    assert registry.paths == ["/left-pad", "/tunnel"]
    assert f"proxy to 127.0.0.1:{database.port} HTTP/1.1 403 Forbidden" in out  # (b)
    assert f"direct 127.0.0.1 refused {111}" in out
    assert database.connections == []
    assert "proxy to pypi.org:443 HTTP/1.1 403 Forbidden" in out  # (c)
    assert "direct 192.0.2.1 refused 101" in out
    assert "dns refused" in out
    assert any(f"127.0.0.1:{database.port}" in reason for reason in result.network_denied)
    assert any("pypi.org:443" in reason for reason in result.network_denied)
    assert "pypi.org:443" in result.detail


@needs_registry_network
def test_without_network_there_is_no_proxy_and_no_route() -> None:
    limits = SandboxLimits(prescan_block=False)
    with LocalSandbox(limits, report=REPORT).create(network=False) as session:
        result = session.run_command(
            f"test -e {INSIDE_NET_DIR} && echo mounted; echo ${{HTTPS_PROXY:-none}}; "
            "exec 3<>/dev/tcp/127.0.0.1/3128 && echo CONNECTED", timeout=5)
    assert result.network == "off"
    assert result.stdout == "none\n"
    assert "Connection refused" in result.stderr


def test_without_bubblewrap_a_network_session_gets_no_network_and_says_so(
        database: Database) -> None:
    limits = SandboxLimits(prescan_block=False)
    sandbox = LocalSandbox(limits, report=REPORT, force_level="rlimits-only")
    assert sandbox.isolation_report().network == "off"
    with sandbox.create(network=True) as session:
        assert session.network == "off"
        result = session.run_code(
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {database.port}), 2)\n"
            "    print('connected')\nexcept OSError as exc:\n    print('refused', exc.errno)",
            "python")
    assert result.network == "off"
    assert result.stdout.startswith("refused")
    assert database.connections == []


def test_host_network_mode_is_explicit_and_reported(database: Database) -> None:
    limits = SandboxLimits(prescan_block=False, network_mode="host")
    sandbox = LocalSandbox(limits, report=REPORT)
    assert sandbox.isolation_report().network == "host"
    with sandbox.create(network=True) as session:
        result = session.run_code(
            f"import socket\nsocket.create_connection(('127.0.0.1', {database.port}), 2)\n"
            "print('connected')", "python")
    assert result.network == "host"
    assert result.stdout == "connected\n"


@needs_registry_network
def test_closing_the_session_stops_its_proxy() -> None:
    with LocalSandbox(SandboxLimits(prescan_block=False), report=REPORT).create(
            network=True) as session:
        session.run_command(["/bin/true"], timeout=5)
        proxy = session._res.proxy
        assert proxy is not None
        assert proxy.socket_path.exists()
    assert not proxy.directory.exists()


def test_connections_past_the_cap_are_refused(tmp_path: Path, registry: Registry) -> None:
    capped = RegistryProxy(tmp_path / "net", Allowlist.parse([f"127.0.0.1:{registry.port}"]),
                           label="test", resolver=Resolver({}), max_connections=1)
    capped.start()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as held:
            held.settimeout(5)
            held.connect(str(capped.socket_path))
            held.sendall(f"CONNECT 127.0.0.1:{registry.port} HTTP/1.1\r\n\r\n".encode())
            assert held.recv(100).startswith(b"HTTP/1.1 200")  # the one slot is in use
            reply = _ask(capped, f"CONNECT 127.0.0.1:{registry.port} HTTP/1.1\r\n\r\n".encode())
            assert reply.startswith(b"HTTP/1.1 503")
        assert capped.take_denials() == ["Too many connections through the package proxy."]
    finally:
        capped.close()


def test_node_fetch_is_pointed_at_the_proxy_too() -> None:
    assert proxy_env(3128)["NODE_USE_ENV_PROXY"] == "1"


def _wheel(directory: Path, name: str, version: str) -> Path:
    """A minimal valid wheel (metadata only), enough for pip to resolve and download."""
    import zipfile

    dist = f"{name}-{version}.dist-info"
    path = directory / f"{name}-{version}-py3-none-any.whl"
    files = {f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n",
             f"{name}.py": "VALUE = 1\n"}
    record = "".join(f"{f},,\n" for f in files) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in {**files, f"{dist}/RECORD": record}.items():
            archive.writestr(member, text)
    return path


@needs_registry_network
def test_a_local_pip_index_of_the_host_is_bound_read_only_and_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from webnova.adapters.sandbox import local

    index = tmp_path / "pypi"
    (index / "simple" / "demo-pkg").mkdir(parents=True)
    (index / "files").mkdir()
    wheel = _wheel(index / "files", "demo_pkg", "1.2.3")
    (index / "simple" / "demo-pkg" / "index.html").write_text(
        f'<a href="../../files/{wheel.name}">{wheel.name}</a>', encoding="utf-8")
    tmp_path.chmod(0o755)
    monkeypatch.setattr(local, "host_pip_mirrors",
                        lambda: mirrors_from({"index-url": f"file://{index}/simple"}))
    limits = SandboxLimits(prescan_block=False, memory_mb=1024, registry_hosts=())
    with LocalSandbox(limits, report=REPORT).create(network=True) as session:
        result = session.run_command(
            ["pip3", "download", "--no-deps", "--no-cache-dir", "-d", "/tmp/dl", "demo-pkg",
             "--disable-pip-version-check"], timeout=60)
        planted = session.run_command(["touch", f"{index}/planted"], timeout=10)
    assert result.ok, result.stdout + result.stderr
    assert "Saved /tmp/dl/demo_pkg-1.2.3-py3-none-any.whl" in result.stdout
    assert not planted.ok  # the index is bound read-only
    assert not (index / "planted").exists()


# -- the operator's settings -------------------------------------------------------------------


_FETCH = """
import urllib.error, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:{reg}/left-pad", timeout=5) as response:
        print("status", response.status)
except urllib.error.HTTPError as exc:
    print("status", exc.code)
"""


@needs_registry_network
def test_a_registry_added_in_the_settings_is_reachable_and_only_then(
        registry: Registry, tmp_path: Path) -> None:
    code = _FETCH.format(reg=registry.port)
    outcomes = []
    for extra in ([], [f"127.0.0.1:{registry.port}"]):
        settings = load_settings(home=tmp_path, sandbox_registry_hosts=extra)
        with make_sandbox(settings).create(network=True) as session:
            outcomes.append(session.run_code(code, "python").stdout.strip())
    assert outcomes == ["status 403", "status 200"]
    assert registry.paths == ["/left-pad"]  # the refused request never reached it


def test_the_sandbox_settings_become_the_limits_of_a_run(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("WEBNOVA_SANDBOX_REGISTRY_HOSTS", "mirror.corp:3141, npm.corp ,")
    monkeypatch.setenv("WEBNOVA_SANDBOX_NETWORK", "host")
    monkeypatch.setenv("WEBNOVA_SANDBOX_TIMEOUT_SECONDS", "2.5")
    limits = sandbox_limits(load_settings(home=tmp_path))
    assert limits.network_mode == "host" and limits.wall_timeout_s == 2.5
    assert limits.registry_hosts[-2:] == ("mirror.corp:3141", "npm.corp")
    assert "registry.npmjs.org" in limits.registry_hosts  # extras never replace the registries
    monkeypatch.setenv("WEBNOVA_SANDBOX_NETWORK", "anywhere")
    with pytest.raises(SettingsError, match="sandbox_network"):
        load_settings(home=tmp_path)
