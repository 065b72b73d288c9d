"""LocalSandbox at each isolation level: runs, limits, files, bad input, pre-scan, lifecycle."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from webnova.adapters.sandbox import languages
from webnova.adapters.sandbox.local import (
    LocalSandbox,
    LocalSession,
    _Outcome,
    classify,
    processes_of,
)
from webnova.adapters.sandbox.port import (
    FileMissing,
    InvalidInput,
    IsolationReport,
    PathOutsideWorkspace,
    PrescanOverride,
    SandboxClosed,
    SandboxError,
    SandboxLimits,
    ToolchainMissing,
    UnsupportedLanguage,
)
from webnova.adapters.sandbox.probe import probe_isolation

REPORT = probe_isolation()
ROOT = os.geteuid() == 0
LIMITS = SandboxLimits(wall_timeout_s=5.0, cpu_seconds=3, max_output_bytes=64 * 1024)


class Audit:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, dict[str, Any]]] = []

    def record(self, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self.entries.append((actor, action, target, detail))


@pytest.fixture(params=["bubblewrap", "rlimits-only"])
def level(request: pytest.FixtureRequest) -> str:
    if request.param == "bubblewrap" and REPORT.level != "bubblewrap":
        pytest.skip(f"bubblewrap is not usable here: {REPORT.warnings}")
    return str(request.param)


@pytest.fixture
def audit() -> Audit:
    return Audit()


@pytest.fixture
def session(level: str, audit: Audit) -> Iterator[LocalSession]:
    sandbox = LocalSandbox(LIMITS, report=REPORT, audit=audit,
                           force_level=level)  # type: ignore[arg-type]
    with sandbox.create(envs={"GREETING": "marhaba"}) as opened:
        yield opened


# -- running ---------------------------------------------------------------------------------


def test_a_python_program_runs_and_the_result_names_the_isolation_level(
        session: LocalSession, level: str) -> None:
    result = session.run_code("print('hello', 6 * 7)", "python")
    assert result.ok
    assert result.stdout == "hello 42\n"
    assert result.stop_reason == "exited"
    assert result.exit_code == 0
    assert result.isolation == level
    assert result.language == "python"
    assert result.duration_s > 0
    assert result.detail


def test_a_failing_program_reports_its_exit_status(session: LocalSession) -> None:
    result = session.run_code("import sys\nprint('bad', file=sys.stderr)\nsys.exit(3)", "py")
    assert not result.ok
    assert result.exit_code == 3
    assert result.stop_reason == "exited"
    assert result.stderr == "bad\n"


@pytest.mark.parametrize(("language", "code", "expected"), [
    ("node", "console.log([1, 2, 3].map((x) => x * 2).join(','))", "2,4,6\n"),
    ("javascript", "console.log(process.argv.length > 1)", "true\n"),
    ("typescript", "const n: number = 41;\nconsole.log(n + 1);", "42\n"),
    ("bash", "echo \"$GREETING from $(basename \"$PWD\")\"", None),
    ("rust", "fn main() { println!(\"{}\", 6 * 7); }", "42\n"),
])
def test_each_installed_language_runs(session: LocalSession, language: str, code: str,
                                      expected: str | None) -> None:
    try:
        result = session.run_code(code, language, timeout=30)
    except ToolchainMissing as missing:
        pytest.skip(str(missing))
    assert result.ok, result.stderr
    if expected is not None:
        assert result.stdout == expected
    else:
        assert result.stdout.startswith("marhaba from ")


def test_the_program_runs_as_an_unprivileged_uid_without_host_secrets(
        session: LocalSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNOVA_ANTHROPIC_API_KEY", "sk-host-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-host-secret")
    result = session.run_code("import os\nprint(os.getuid())\nprint(sorted(os.environ.items()))",
                              "python")
    uid_line, env_line = result.stdout.splitlines()
    assert "host-secret" not in result.stdout
    assert "WEBNOVA" not in env_line
    assert "('GREETING', 'marhaba')" in env_line
    if ROOT:
        assert int(uid_line) == session.uid
        assert int(uid_line) != 0


def test_the_wall_clock_limit_kills_the_whole_process_tree(session: LocalSession) -> None:
    start = time.monotonic()
    result = session.run_command("sleep 30 & sleep 30 & wait", timeout=1)
    assert time.monotonic() - start < 4
    assert result.timed_out
    assert result.stop_reason == "timeout"
    if session.uid is not None:
        assert processes_of(session.uid) == []


def test_output_past_the_cap_is_cut_and_the_run_stopped(level: str) -> None:
    limits = SandboxLimits(max_output_bytes=4096)
    sandbox = LocalSandbox(limits, report=REPORT, force_level=level)  # type: ignore[arg-type]
    with sandbox.create() as session:
        result = session.run_code("while True:\n    print('x' * 100)", "python")
    assert result.stop_reason == "output_limit"
    assert result.stdout_truncated
    assert len(result.stdout) <= 4096


def test_a_timeout_above_the_maximum_or_not_positive_is_refused(session: LocalSession) -> None:
    for bad in (0, -1, LIMITS.max_wall_timeout_s + 1):
        with pytest.raises(InvalidInput):
            session.run_code("print(1)", "python", timeout=bad)


@pytest.mark.parametrize(("status", "stderr", "level", "reason"), [
    (signal.SIGXCPU, b"", "rlimits-only", "cpu_limit"),
    (signal.SIGXFSZ, b"", "rlimits-only", "file_size_limit"),
    ((128 + signal.SIGXCPU) << 8, b"", "bubblewrap", "cpu_limit"),
    (1 << 8, b"Traceback...\nMemoryError\n", "bubblewrap", "memory_limit"),
    (1 << 8, b"BlockingIOError: [Errno 11] Resource temporarily unavailable", "rlimits-only",
     "process_limit"),
    (signal.SIGSEGV, b"", "rlimits-only", "killed"),
    (0, b"", "bubblewrap", "exited"),
])
def test_the_stop_reason_is_derived_from_how_the_process_ended(
        status: int, stderr: bytes, level: str, reason: str) -> None:
    outcome = _Outcome(stderr=bytearray(stderr), status=status)
    got, _code, _sig, detail = classify(outcome, level, LIMITS, 3, 512)  # type: ignore[arg-type]
    assert got == reason
    assert detail


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "language", "error"), [
    ("print(1)", "cobol", UnsupportedLanguage),
    ("", "python", InvalidInput),
    ("  \n\t", "python", InvalidInput),
    ("x = 1\n" * 50_000, "python", InvalidInput),
    ("print('a\x00b')", "python", InvalidInput),
    (b"\xff\xfe\x00binary", "python", InvalidInput),
])
def test_bad_programs_are_refused_and_nothing_runs(session: LocalSession, code: object,
                                                   language: str, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        session.run_code(code, language)  # type: ignore[arg-type]
    assert str(raised.value)
    assert not (session.workspace / ".webnova").exists()


def test_a_missing_toolchain_is_a_clear_error_naming_it(session: LocalSession,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(languages, "find_binary", lambda name: None)
    with pytest.raises(ToolchainMissing, match="php"):
        session.run_code("<?php echo 1;", "php")
    with pytest.raises(ToolchainMissing, match="node"):
        session.run_code("console.log(1)", "node")


def test_a_toolchain_the_sandbox_user_cannot_reach_is_reported_as_such(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private = tmp_path / "private"
    (private / "bin").mkdir(parents=True)
    tool = private / "bin" / "php"
    tool.write_text("#!/bin/sh\n", encoding="utf-8")
    tool.chmod(0o700)
    monkeypatch.setattr(languages, "find_binary", lambda name: tool)
    with pytest.raises(ToolchainMissing, match="not reachable by the sandbox user"):
        languages.resolve("php", limits=LIMITS, uid=1_800_000_001, gid=1_800_000_001,
                          can_bind=False)


# -- files -----------------------------------------------------------------------------------


def test_files_written_by_the_host_and_the_program_round_trip(session: LocalSession) -> None:
    session.write_file("data/in.txt", "سلام\n")
    session.write_file("blob.bin", b"\x00\x01\xff")
    result = session.run_code(
        "text = open('data/in.txt', encoding='utf-8').read()\n"
        "open('data/out.txt', 'w', encoding='utf-8').write(text.upper() + 'done')", "python")
    assert result.ok, result.stderr
    assert session.read_file("data/out.txt").decode("utf-8") == "سلام\ndone"
    assert session.read_file("blob.bin") == b"\x00\x01\xff"
    names = {entry.name: entry for entry in session.list_files("data")}
    assert set(names) == {"in.txt", "out.txt"}
    assert names["in.txt"].path == "data/in.txt"
    assert not names["in.txt"].is_dir
    assert any(e.name == "data" and e.is_dir for e in session.list_files())


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "/workspace/../etc/passwd",
                                  "data/../../x", ""])
def test_paths_outside_the_workspace_are_refused(session: LocalSession, path: str) -> None:
    with pytest.raises(PathOutsideWorkspace):
        session.write_file(path, "x")
    with pytest.raises(PathOutsideWorkspace):
        session.read_file(path)


def test_a_symlink_planted_by_the_program_is_not_followed_by_the_host(
        session: LocalSession) -> None:
    result = session.run_code("import os\nos.symlink('/etc/hostname', 'link')\n"
                              "os.makedirs('d', exist_ok=True)\nos.symlink('/etc', 'd/etc')",
                              "python")
    assert result.ok, result.stderr
    with pytest.raises(PathOutsideWorkspace):
        session.read_file("link")
    with pytest.raises(PathOutsideWorkspace):
        session.write_file("link", "overwrite the host")
    with pytest.raises(PathOutsideWorkspace):
        session.write_file("d/etc/hostname", "x")
    assert Path("/etc/hostname").read_text(encoding="utf-8") != "overwrite the host"
    entry = next(e for e in session.list_files() if e.name == "link")
    assert entry.is_symlink


def test_missing_files_and_directories_are_clear_errors(session: LocalSession) -> None:
    with pytest.raises(FileMissing):
        session.read_file("nope.txt")
    with pytest.raises(FileMissing):
        session.list_files("nope")
    with pytest.raises(FileMissing):
        session.run_command("ls", cwd="nope")


def test_a_command_runs_in_a_workspace_directory(session: LocalSession) -> None:
    session.write_file("sub/a.txt", "1")
    result = session.run_command(["ls"], cwd="sub")
    assert result.ok
    assert result.stdout == "a.txt\n"
    assert session.run_command("pwd && echo $GREETING", cwd="sub").stdout.endswith(
        "/sub\nmarhaba\n")
    with pytest.raises(PathOutsideWorkspace):
        session.run_command("ls", cwd="../..")


# -- pre-scan --------------------------------------------------------------------------------


def test_hostile_code_is_blocked_before_it_runs_and_the_block_is_audited(
        session: LocalSession, audit: Audit) -> None:
    result = session.run_code("import os\nos.kill(os.getppid(), 9)", "python")
    assert result.stop_reason == "blocked"
    assert result.exit_code is None
    assert result.prescan is not None
    assert result.prescan.blocked
    assert result.prescan.reasons
    assert not (session.workspace / ".webnova").exists()
    assert audit.entries[-1][1] == "sandbox.prescan.blocked"


def test_an_owner_override_runs_blocked_code_and_is_audited(session: LocalSession,
                                                            audit: Audit) -> None:
    override = PrescanOverride(actor="owner-1", role="OWNER", reason="demo of the guard")
    result = session.run_code("import os\ntry:\n    os.kill(os.getppid(), 0)\nexcept OSError:\n"
                              "    pass\nprint('ran')", "python", override=override)
    assert result.stdout == "ran\n"
    assert result.prescan is not None
    assert result.prescan.overridden
    assert audit.entries[-1][:2] == ("owner-1", "sandbox.prescan.override")


def test_an_override_without_an_audit_log_is_refused() -> None:
    sandbox = LocalSandbox(LIMITS, report=REPORT, force_level="rlimits-only")
    with sandbox.create() as session, pytest.raises(SandboxError):
        session.run_code("kill -9 -1", "bash",
                         override=PrescanOverride(actor="o", role="OWNER", reason="r"))


# -- lifecycle -------------------------------------------------------------------------------


def test_closing_a_session_removes_its_workspace_and_its_processes(level: str) -> None:
    sandbox = LocalSandbox(LIMITS, report=REPORT, force_level=level)  # type: ignore[arg-type]
    session = sandbox.create()
    session.write_file("x.txt", "x")
    workspace, uid = session.workspace, session.uid
    session.close()
    assert not workspace.exists()
    if uid is not None:
        assert processes_of(uid) == []
    with pytest.raises(SandboxClosed):
        session.run_code("print(1)", "python")


def test_a_session_past_its_lifetime_is_closed() -> None:
    sandbox = LocalSandbox(LIMITS, report=REPORT, force_level="rlimits-only")
    session = sandbox.create(timeout=0.3)
    time.sleep(0.4)
    with pytest.raises(SandboxClosed):
        session.run_code("print(1)", "python")


def test_forcing_bubblewrap_where_it_is_unavailable_is_an_error() -> None:
    report = IsolationReport(level="rlimits-only", latency_ms=None, bwrap=None,
                             uid_separation=ROOT)
    with pytest.raises(SandboxError):
        LocalSandbox(LIMITS, report=report, force_level="bubblewrap")


@pytest.mark.skipif(not ROOT, reason="project workspaces use the sandbox group (root only)")
def test_a_project_workspace_is_writable_but_its_git_directory_is_not(
        tmp_path: Path, level: str) -> None:
    project = Path("/tmp") / f"webnova-test-project-{os.getpid()}-{level}"
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / "app.txt").write_text("v1", encoding="utf-8")
    try:
        sandbox = LocalSandbox(LIMITS, report=REPORT, force_level=level)  # type: ignore[arg-type]
        with sandbox.create(workspace=project) as session:
            result = session.run_command(
                "echo v2 > app.txt && echo new > new.txt && "
                "(echo evil > .git/hooks/pre-commit && echo HOOKED || echo refused)")
        assert result.ok, result.stderr
        assert "HOOKED" not in result.stdout
        assert (project / "app.txt").read_text(encoding="utf-8") == "v2\n"
        assert (project / "new.txt").exists()
        assert not (project / ".git" / "hooks" / "pre-commit").exists()
        assert (project / "app.txt").stat().st_uid == 0  # ownership unchanged for git
        assert project.exists()  # a project is never deleted with the session
    finally:
        subprocess.run(["rm", "-rf", str(project)], check=True)


def test_the_network_is_off_unless_the_session_allows_it(level: str) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    code = ("import socket, sys\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {listener.getsockname()[1]}), 2)\n"
            "    print('connected')\nexcept OSError as exc:\n    print('refused', exc)")
    limits = SandboxLimits(prescan_block=False)
    sandbox = LocalSandbox(limits, report=REPORT, force_level=level)  # type: ignore[arg-type]
    host = LocalSandbox(replace(limits, network_mode="host"), report=REPORT,
                        force_level=level)  # type: ignore[arg-type]
    try:
        with sandbox.create(network=False) as closed:
            assert closed.run_code(code, "python").stdout.startswith("refused")
        # By default a network session gets only the registry proxy, never the host's loopback.
        with sandbox.create(network=True) as registry_only:
            assert registry_only.run_code(code, "python").stdout.startswith("refused")
        with host.create(network=True) as open_:
            assert open_.run_code(code, "python").stdout == "connected\n"
    finally:
        listener.close()
