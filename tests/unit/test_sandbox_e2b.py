"""E2BSandbox against a fake of the SDK at the adapter seam, with the SDK's own types."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from e2b.exceptions import (
    AuthenticationException,
    NotFoundException,
    RateLimitException,
    SandboxNotFoundException,
    TimeoutException,
)
from e2b.sandbox.commands.command_handle import CommandExitException, CommandResult
from e2b.sandbox.filesystem.filesystem import EntryInfo, FileType
from e2b_code_interpreter import Execution, ExecutionError, Logs, Result

from webnova.adapters.sandbox import make_sandbox
from webnova.adapters.sandbox.e2b import E2BSandbox
from webnova.adapters.sandbox.local import LocalSandbox
from webnova.adapters.sandbox.port import (
    FileMissing,
    PathOutsideWorkspace,
    SandboxAuthError,
    SandboxClosed,
    SandboxLimits,
    SandboxUnavailable,
    ToolchainMissing,
    UnsupportedLanguage,
)
from webnova.settings import load_settings


class FakeCommands:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.result: CommandResult[str] | Exception = CommandResult(
            stderr="", stdout="ok\n", exit_code=0, error=None)

    def run(self, cmd: str, cwd: str | None = None, timeout: float | None = None) -> Any:
        self.calls.append({"cmd": cmd, "cwd": cwd, "timeout": timeout})
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class FakeFiles:
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}
        self.error: Exception | None = None

    def write(self, path: str, data: str | bytes) -> None:
        if self.error:
            raise self.error
        self.store[path] = data.encode() if isinstance(data, str) else data

    def read(self, path: str, format: str = "text") -> Any:
        if path not in self.store:
            raise NotFoundException(f"file {path} not found")
        return bytearray(self.store[path]) if format == "bytes" else self.store[path].decode()

    def list(self, path: str) -> list[EntryInfo]:
        now = dt.datetime.now(dt.UTC)
        return [EntryInfo(name="main.py", type=FileType.FILE, path=f"{path}/main.py", size=12,
                          mode=0o644, permissions="rw-r--r--", owner="user", group="user",
                          modified_time=now),
                EntryInfo(name="src", type=FileType.DIR, path=f"{path}/src", size=4096,
                          mode=0o755, permissions="rwxr-xr-x", owner="user", group="user",
                          modified_time=now)]


class FakeSandbox:
    sandbox_id = "sbx-123"

    def __init__(self) -> None:
        self.commands = FakeCommands()
        self.files = FakeFiles()
        self.killed = False
        self.execution: Execution | Exception = Execution(
            results=[Result(text="42", is_main_result=True)],
            logs=Logs(stdout=["hello\n"], stderr=[]))
        self.cells: list[dict[str, Any]] = []

    def run_code(self, code: str, language: str | None = None,
                 timeout: float | None = None) -> Execution:
        self.cells.append({"code": code, "language": language, "timeout": timeout})
        if isinstance(self.execution, Exception):
            raise self.execution
        return self.execution

    def kill(self) -> bool:
        self.killed = True
        return True


class Factory:
    def __init__(self, error: Exception | None = None) -> None:
        self.sandbox = FakeSandbox()
        self.kwargs: dict[str, Any] = {}
        self.error = error

    def __call__(self, **kwargs: Any) -> FakeSandbox:
        self.kwargs = kwargs
        if self.error:
            raise self.error
        return self.sandbox


def test_a_session_is_created_with_timeout_env_and_network_switch() -> None:
    factory = Factory()
    E2BSandbox("e2b_key", factory=factory).create(timeout=120, envs={"A": "1"}, network=True)
    assert factory.kwargs["timeout"] == 120
    assert factory.kwargs["envs"] == {"A": "1"}
    assert factory.kwargs["allow_internet_access"] is True
    assert factory.kwargs["api_key"] == "e2b_key"
    # Registry-only by default: E2B's egress policy allows the registries and denies the rest.
    assert factory.kwargs["network"] == {
        "allow_out": ["registry.npmjs.org", "registry.yarnpkg.com", "pypi.org",
                      "files.pythonhosted.org"],
        "deny_out": ["0.0.0.0/0"]}


def test_e2b_network_modes_follow_the_limits() -> None:
    factory = Factory()
    E2BSandbox("k", factory=factory).create(network=False)
    assert factory.kwargs["allow_internet_access"] is False
    assert "network" not in factory.kwargs
    limits = SandboxLimits(registry_hosts=("127.0.0.1:8080", "[::1]:3141", "pypi.org"))
    E2BSandbox("k", factory=factory, limits=limits).create(network=True)
    assert factory.kwargs["network"]["allow_out"] == ["127.0.0.1", "::1", "pypi.org"]
    E2BSandbox("k", factory=factory, limits=SandboxLimits(network_mode="host")).create(
        network=True)
    assert factory.kwargs["allow_internet_access"] is True
    assert "network" not in factory.kwargs


def test_python_runs_in_the_interpreter_and_maps_the_execution() -> None:
    factory = Factory()
    with E2BSandbox("k", factory=factory).create() as session:
        result = session.run_code("print('hello')\n6 * 7", "python", timeout=9)
    assert result.ok
    assert result.stdout == "hello\n"
    assert result.result == "42"
    assert result.isolation == "e2b"
    assert factory.sandbox.cells == [{"code": "print('hello')\n6 * 7", "language": "python",
                                      "timeout": 9.0}]
    assert factory.sandbox.killed


def test_an_execution_error_becomes_a_failed_run_with_its_traceback() -> None:
    factory = Factory()
    factory.sandbox.execution = Execution(
        logs=Logs(stdout=[], stderr=[]),
        error=ExecutionError(name="ZeroDivisionError", value="division by zero",
                             traceback="Traceback...\nZeroDivisionError: division by zero"))
    with E2BSandbox("k", factory=factory).create() as session:
        result = session.run_code("1/0", "python")
    assert not result.ok
    assert result.exit_code == 1
    assert "ZeroDivisionError" in result.stderr


def test_node_and_typescript_use_the_interpreter_language_names() -> None:
    factory = Factory()
    with E2BSandbox("k", factory=factory).create() as session:
        session.run_code("console.log(1)", "node")
        session.run_code("const x: number = 1", "ts")
    assert [c["language"] for c in factory.sandbox.cells] == ["javascript", "typescript"]


def test_a_run_timeout_is_a_timed_out_result() -> None:
    factory = Factory()
    factory.sandbox.execution = TimeoutException("Execution timed out")
    with E2BSandbox("k", factory=factory).create() as session:
        result = session.run_code("while True: pass", "python", timeout=1)
    assert result.timed_out
    assert result.stop_reason == "timeout"


def test_rust_runs_as_a_command_and_a_missing_compiler_is_named() -> None:
    factory = Factory()
    factory.sandbox.commands.result = CommandExitException(
        stderr="bash: rustc: command not found", stdout="", exit_code=127, error=None)
    with E2BSandbox("k", factory=factory).create() as session:
        with pytest.raises(ToolchainMissing, match="rustc"):
            session.run_code("fn main() {}", "rust")
    assert any(path.endswith("main.rs") for path in factory.sandbox.files.store)


def test_a_command_with_a_nonzero_exit_is_a_result_not_an_error() -> None:
    factory = Factory()
    factory.sandbox.commands.result = CommandExitException(
        stderr="boom\n", stdout="", exit_code=2, error="exit status 2")
    with E2BSandbox("k", factory=factory).create() as session:
        result = session.run_command(["ls", "-la"], cwd="src")
    assert result.exit_code == 2
    assert result.stderr == "boom\n"
    assert factory.sandbox.commands.calls[0]["cwd"] == "/home/user/src"
    assert factory.sandbox.commands.calls[0]["cmd"] == "ls -la"


def test_files_round_trip_and_stay_under_the_home_directory() -> None:
    factory = Factory()
    with E2BSandbox("k", factory=factory).create() as session:
        session.write_file("data/x.txt", "سلام")
        assert session.read_file("data/x.txt").decode() == "سلام"
        entries = session.list_files(".")
        with pytest.raises(PathOutsideWorkspace):
            session.write_file("../../etc/passwd", "x")
        with pytest.raises(FileMissing):
            session.read_file("missing.txt")
    assert "/home/user/data/x.txt" in factory.sandbox.files.store
    assert [(e.name, e.is_dir, e.path) for e in entries] == [("main.py", False, "main.py"),
                                                             ("src", True, "src")]


@pytest.mark.parametrize(("error", "expected"), [
    (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), SandboxUnavailable),
    (httpx.ReadTimeout("timed out"), SandboxUnavailable),
    (AuthenticationException("Invalid API key"), SandboxAuthError),
    (RateLimitException("429"), SandboxUnavailable),  # type: ignore[no-untyped-call]
])
def test_transport_and_authentication_failures_become_clear_sandbox_errors(
        error: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected) as raised:
        E2BSandbox("e2b_secret_4711", factory=Factory(error)).create()
    assert str(raised.value)
    assert "e2b_secret_4711" not in str(raised.value)


def test_a_sandbox_that_died_is_reported_closed() -> None:
    factory = Factory()
    session = E2BSandbox("k", factory=factory).create()
    factory.sandbox.files.error = SandboxNotFoundException("sandbox sbx-123 not found")
    with pytest.raises(SandboxClosed):
        session.write_file("x.txt", "x")


def test_unknown_languages_are_refused_before_any_call() -> None:
    factory = Factory()
    with E2BSandbox("k", factory=factory).create() as session:
        with pytest.raises(UnsupportedLanguage):
            session.run_code("x", "cobol")
    assert factory.sandbox.cells == []


def test_the_factory_chooses_e2b_only_when_a_key_is_configured(tmp_path: Any) -> None:
    local = make_sandbox(load_settings(home=tmp_path, e2b_api_key=None))
    remote = make_sandbox(load_settings(home=tmp_path, e2b_api_key="e2b_test_key"))
    assert isinstance(local, LocalSandbox)
    assert isinstance(remote, E2BSandbox)
    assert remote.isolation_report().level == "e2b"
