"""The hostile corpus (tests/hostile/) against LocalSandbox at each isolation level.

For every program: the host is unaffected (canaries intact, no stray process of the session's
uid, the sentinel process alive, no connection reached the host listener, the host's secrets
absent from the output), the run ends within its limits, and the result says why it stopped.
The pre-scan is switched off here so the isolation is tested on its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from webnova.adapters.sandbox.local import LocalSandbox, litter, processes_of
from webnova.adapters.sandbox.port import SandboxLimits, ToolchainMissing
from webnova.adapters.sandbox.probe import probe_isolation

CORPUS = Path(__file__).resolve().parent.parent / "hostile"
LANGUAGE = {".py": "python", ".sh": "bash", ".js": "node", ".ts": "typescript", ".rs": "rust"}
LIMITS = SandboxLimits(wall_timeout_s=3.0, cpu_seconds=1, memory_mb=256, max_processes=32,
                       max_file_mb=16, max_disk_mb=64, max_output_bytes=64 * 1024,
                       prescan_block=False)
# Compiling rust takes part of the budget; the wall limit still bounds every run.
SLACK_S = 3.0
# The full corpus at the degraded level repeats the containment checks of the default run;
# these cover each kind of attack once there.
DEGRADED_SMOKE = {"fork_bomb.py", "memory_bomb.py", "cpu_spin.py", "disk_fill.py",
                  "write_outside.py", "read_shadow.py", "host_env.py", "tcp_local.py",
                  "tcp_outside.py", "kill_parent.py", "daemon.sh", "output_flood.sh",
                  "symlink_escape.py", "proc_escape.py", "prescan_evasion.py", "tcp.js",
                  "tmp_litter.py", "proxy_local.py"}

needs_root = pytest.mark.skipif(os.geteuid() != 0,
                                reason="per-session uids (and so this corpus) need root")


@dataclass(frozen=True)
class Program:
    path: Path
    language: str
    expect: frozenset[str]
    levels: frozenset[str]
    prescan: str
    network: bool = False  # `hostile-network: registry`: a network session behind the proxy

    @property
    def code(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _header(text: str, key: str) -> list[str]:
    match = re.search(rf"hostile-{key}:\s*(.+)", text)
    assert match, f"missing hostile-{key}"
    return [part.strip() for part in match.group(1).split(",")]


def load_corpus() -> list[Program]:
    programs = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix not in LANGUAGE:
            continue
        text = path.read_text(encoding="utf-8")
        programs.append(Program(path=path, language=LANGUAGE[path.suffix],
                                expect=frozenset(_header(text, "expect")),
                                levels=frozenset(_header(text, "levels")),
                                prescan=_header(text, "prescan")[0],
                                network="hostile-network: registry" in text))
    return programs


def _cases() -> list[object]:
    cases: list[object] = []
    for program in load_corpus():
        for level in ("bubblewrap", "rlimits-only"):
            if level not in program.levels:
                continue
            marks = []
            if level == "rlimits-only" and program.path.name not in DEGRADED_SMOKE:
                marks.append(pytest.mark.slow)
            cases.append(pytest.param(program, level, id=f"{program.path.name}-{level}",
                                      marks=marks))
    return cases


@dataclass
class Host:
    """What the corpus attacks: canaries, a sentinel process, a listener, secrets."""

    open_dir: Path
    private_dir: Path
    sentinel: subprocess.Popen[bytes]
    port: int
    registry_port: int
    secrets: tuple[str, ...]
    connections: list[str] = field(default_factory=list)
    canary_text: str = field(default_factory=lambda: f"CANARY-{secrets.token_hex(8)}")

    @property
    def envs(self) -> dict[str, str]:
        return {"CANARY_OPEN": str(self.open_dir), "CANARY_PRIVATE": str(self.private_dir),
                "HOST_PORT": str(self.port), "SENTINEL_PID": str(self.sentinel.pid),
                "REGISTRY": f"127.0.0.1:{self.registry_port}"}

    def snapshot(self) -> dict[str, str]:
        return {str(p): p.read_text(encoding="utf-8")
                for d in (self.open_dir, self.private_dir) for p in sorted(d.iterdir())}


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    base = Path(tempfile.mkdtemp(prefix="webnova-canary-"))
    base.chmod(0o755)
    open_dir, private_dir = base / "open", base / "private"
    open_dir.mkdir()
    open_dir.chmod(0o777)  # only the mount namespace keeps a sandbox out of this one
    private_dir.mkdir(mode=0o700)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    sentinel = subprocess.Popen(["/bin/sleep", "600"])
    registry = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    registry.bind(("127.0.0.1", 0))
    registry.listen(16)
    host = Host(open_dir=open_dir, private_dir=private_dir, sentinel=sentinel,
                port=listener.getsockname()[1], registry_port=registry.getsockname()[1],
                secrets=(f"SECRET-{secrets.token_hex(8)}", f"AKIA{secrets.token_hex(8)}"))
    for directory, mode in ((open_dir, 0o666), (private_dir, 0o600)):
        canary = directory / "canary.txt"
        canary.write_text(host.canary_text, encoding="utf-8")
        canary.chmod(mode)

    def accept() -> None:
        while True:
            try:
                conn, peer = listener.accept()
            except OSError:
                return
            host.connections.append(str(peer))
            conn.close()

    def answer() -> None:  # the allowlisted "registry": whatever it is asked, the same reply
        while True:
            try:
                conn, _peer = registry.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(0.5)
                with contextlib.suppress(OSError):
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"
                                 b"Connection: close\r\n\r\nREGISTRY-OK")

    threading.Thread(target=accept, daemon=True).start()
    threading.Thread(target=answer, daemon=True).start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WEBNOVA_TEST_CANARY_SECRET", host.secrets[0])
        env.setenv("AWS_SECRET_ACCESS_KEY", host.secrets[1])
        yield host
    listener.close()
    registry.close()
    sentinel.kill()
    sentinel.wait()
    shutil.rmtree(base)


@needs_root
@pytest.mark.parametrize(("program", "level"), _cases())
def test_hostile_program_is_contained(program: Program, level: str, host: Host) -> None:
    report = probe_isolation()
    if level == "bubblewrap" and report.level != "bubblewrap":
        pytest.skip(f"bubblewrap is not usable here: {report.warnings}")
    before = host.snapshot()
    connections = len(host.connections)
    limits = LIMITS
    if program.network:  # the only registry is the fake one; nothing may resolve or leave
        limits = replace(LIMITS, registry_hosts=(f"127.0.0.1:{host.registry_port}",),
                         registry_mirrors=False)
    sandbox = LocalSandbox(limits, report=report, force_level=level)  # type: ignore[arg-type]
    with sandbox.create(envs=host.envs, network=program.network) as session:
        uid = session.uid
        assert uid is not None
        start = time.monotonic()
        try:
            result = session.run_code(program.code, program.language)
        except ToolchainMissing as missing:
            pytest.skip(str(missing))
        elapsed = time.monotonic() - start
        assert processes_of(uid) == [], "a process of the run outlived it"
    output = result.stdout + result.stderr
    assert litter(uid) == [], "files of the run were left in a shared temporary directory"

    assert "ESCAPED" not in output, output[-2000:]
    assert result.stop_reason in program.expect, (result.stop_reason, result.detail,
                                                  output[-1500:])
    assert result.detail
    assert result.isolation == level
    if program.network:
        assert result.network == ("registry" if level == "bubblewrap" else "off")
    assert elapsed <= LIMITS.wall_timeout_s + SLACK_S
    assert host.snapshot() == before, "a canary was changed"
    assert len(host.connections) == connections, "a connection reached the host"
    assert host.sentinel.poll() is None, "the sentinel process was killed"
    assert not any(secret in output for secret in host.secrets), "a host secret leaked"
    for path in ("/etc/webnova-pwned", "/usr/webnova-pwned", "/usr/bin/webnova-pwned"):
        assert not Path(path).exists()


def test_the_corpus_has_at_least_thirty_programs_across_languages() -> None:
    programs = load_corpus()
    assert len(programs) >= 30
    assert {p.language for p in programs} >= {"python", "bash", "node", "typescript"}
    assert all(p.expect and p.levels and p.prescan in ("block", "miss") for p in programs)
