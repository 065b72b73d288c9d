"""The secure terminal: tokens, ownership, the allow-list, injection refusals, limits, audit."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from webnova.adapters.sandbox.port import ExecResult, SandboxLimits
from webnova.tools.terminal import SandboxRunner, SecureTerminal

TENANT, OWNER, STRANGER, PROJECT = "t-1", "u-owner", "u-stranger", "p-1"


class Audit:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, dict[str, Any]]] = []

    def record(self, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self.entries.append((actor, action, target, detail))

    def actions(self) -> list[str]:
        return [entry[1] for entry in self.entries]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class RecordingRunner:
    """Stands in for the sandbox where only the decision matters, and proves nothing ran."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def run(self, argv: Sequence[str], *, project_root: Path, cwd: str, timeout: float,
            network: bool) -> ExecResult:
        self.calls.append({"argv": list(argv), "cwd": cwd, "network": network})
        return ExecResult(exit_code=0, stdout="ran\n", stderr="", stop_reason="exited",
                          detail="ok", isolation="rlimits-only", duration_s=0.01)


@pytest.fixture
def project() -> Iterator[Path]:
    # Outside pytest's private tmp dir, so a dropped uid can reach it at every isolation level.
    root = Path(tempfile.mkdtemp(prefix="webnova-terminal-"))
    root.chmod(0o755)
    (root / "notes.txt").write_text("first line\nsecond line\n", encoding="utf-8")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('app ran')\n", encoding="utf-8")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def owners() -> set[tuple[str, str, str]]:
    return {(TENANT, OWNER, PROJECT)}


@pytest.fixture
def audit() -> Audit:
    return Audit()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


def _terminal(project: Path, owners: set[tuple[str, str, str]], audit: Audit, clock: Clock,
              runner: object | None = None, limits: SandboxLimits | None = None,
              key: bytes | None = None) -> SecureTerminal:
    return SecureTerminal(key=key or b"k" * 32, owns=lambda t, u, p: (t, u, p) in owners,
                          project_dir=lambda t, p: project, audit=audit,
                          runner=runner, limits=limits, clock=clock)  # type: ignore[arg-type]


@pytest.fixture
def terminal(project: Path, owners: set[tuple[str, str, str]], audit: Audit, clock: Clock,
             runner: RecordingRunner) -> SecureTerminal:
    return _terminal(project, owners, audit, clock, runner)


@pytest.fixture
def token(terminal: SecureTerminal) -> str:
    grant = terminal.issue_token(TENANT, OWNER, PROJECT)
    assert grant.ok
    assert grant.token is not None
    return grant.token


# -- tokens and ownership --------------------------------------------------------------------


def test_a_token_is_issued_only_to_the_projects_owner(terminal: SecureTerminal,
                                                      audit: Audit) -> None:
    refused = terminal.issue_token(TENANT, STRANGER, PROJECT)
    assert not refused.ok
    assert refused.token is None
    assert refused.error_code == "not_owner"
    granted = terminal.issue_token(TENANT, OWNER, PROJECT)
    assert granted.ok
    assert granted.expires_at == pytest.approx(1_700_000_000 + 300)
    assert audit.actions() == ["terminal.token.refused", "terminal.token.issued"]


def test_an_expired_token_is_refused(terminal: SecureTerminal, token: str, clock: Clock,
                                     runner: RecordingRunner) -> None:
    clock.now += 301
    result = terminal.execute(token, "ls")
    assert result.error_code == "expired_token"
    assert runner.calls == []


def _tamper(token: str) -> str:
    payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["p"] = "someone-elses-project"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{forged}.{signature}"


@pytest.mark.parametrize("forge", [
    _tamper,
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: "not-a-token",
    lambda token: "",
    lambda token: token + ".extra",
    lambda token: "e30.e30",
])
def test_a_forged_or_malformed_token_is_refused(terminal: SecureTerminal, token: str,
                                                runner: RecordingRunner, audit: Audit,
                                                forge: Any) -> None:
    result = terminal.execute(forge(token), "ls")
    assert not result.ok
    assert result.error_code == "invalid_token"
    assert runner.calls == []
    assert audit.actions()[-1] == "terminal.refused"


def test_a_token_signed_with_another_key_is_refused(project: Path, owners: Any, audit: Audit,
                                                    clock: Clock, runner: RecordingRunner,
                                                    token: str) -> None:
    other = _terminal(project, owners, audit, clock, runner, key=secrets.token_bytes(32))
    assert other.execute(token, "ls").error_code == "invalid_token"


def test_ownership_is_checked_again_on_every_command(terminal: SecureTerminal, token: str,
                                                     owners: set[tuple[str, str, str]],
                                                     runner: RecordingRunner) -> None:
    owners.clear()
    result = terminal.execute(token, "ls")
    assert result.error_code == "not_owner"
    assert runner.calls == []


def test_a_short_key_is_a_programming_error(project: Path, audit: Audit) -> None:
    with pytest.raises(ValueError, match="32"):
        SecureTerminal(key=b"short", owns=lambda t, u, p: True, project_dir=lambda t, p: project,
                       audit=audit)


# -- the allow-list and injection ------------------------------------------------------------


@pytest.mark.parametrize(("command", "code"), [
    ("ls; rm -rf /", "metacharacter"),
    ("ls | sh", "metacharacter"),
    ("ls && id", "metacharacter"),
    ("ls || id", "metacharacter"),
    ("ls & sleep 1", "metacharacter"),
    ("echo `id`", "metacharacter"),
    ("echo $(id)", "metacharacter"),
    ("echo ${HOME}", "metacharacter"),
    ("echo $HOME", "metacharacter"),
    ("echo {a,b}", "metacharacter"),
    ("cat < /etc/passwd", "metacharacter"),
    ("echo pwned > notes.txt", "metacharacter"),
    ("ls\nid", "metacharacter"),
    ("ls\rid", "metacharacter"),
    ("ls\x00id", "metacharacter"),
    ("find . -exec rm {} ;", "metacharacter"),
    ("grep 'a|b' notes.txt", "metacharacter"),
    ("rm -rf src", "not_allowed"),
    ("bash -c ls", "not_allowed"),
    ("sh", "not_allowed"),
    ("sudo ls", "not_allowed"),
    ("curl http://example.com", "not_allowed"),
    ("/bin/ls", "not_allowed"),
    ("./ls", "not_allowed"),
    ("env", "not_allowed"),
    ("git push origin main", "not_allowed"),
    ("git config core.pager sh", "not_allowed"),
    ("git -c core.pager=sh log", "not_allowed"),
    ("git log --output=stolen.txt", "bad_argument"),
    ("git diff --ext-diff", "bad_argument"),
    ("git diff --no-index /etc/passwd notes.txt", "bad_argument"),
    ("git diff -O/etc/passwd", "bad_argument"),
    ("find . -delete", "bad_argument"),
    ("find . -exec id +", "bad_argument"),
    ("date -s 2000-01-01", "bad_argument"),
    ("cat ../../etc/passwd", "path_outside_project"),
    ("cat /etc/passwd", "path_outside_project"),
    ("ls ~", "path_outside_project"),
    ("head --lines=1 /etc/shadow", "path_outside_project"),
    ("grep -r root ../..", "path_outside_project"),
    ("touch .git/hooks/pre-commit", "path_outside_project"),
    ("cp notes.txt .git/config", "path_outside_project"),
    ("python3 -c 'import os; os.kill(os.getppid(), 9)'", "metacharacter"),
    ("node -e \"require('fs').readFileSync('/etc/shadow')\"", "metacharacter"),
    ("echo 'unbalanced", "unparsable"),
    ("", "empty"),
    ("   ", "empty"),
    ("echo " + "x" * 5000, "too_long"),
])
def test_injection_and_disallowed_commands_are_refused_and_nothing_runs(
        terminal: SecureTerminal, token: str, runner: RecordingRunner, audit: Audit,
        command: str, code: str) -> None:
    result = terminal.execute(token, command)
    assert not result.ok
    assert result.error_code == code
    assert result.error
    assert runner.calls == []
    assert audit.actions()[-1] == "terminal.refused"
    assert audit.entries[-1][3]["reason"] == code


@pytest.mark.parametrize(("script", "source"), [
    ("evil.py", "import os\nos.kill(os.getppid(), 9)\n"),
    ("evil.js", "require('fs').readFileSync('/etc/shadow')\n"),
])
def test_a_hostile_script_given_to_an_interpreter_is_refused_by_the_prescan(
        terminal: SecureTerminal, token: str, project: Path, runner: RecordingRunner,
        script: str, source: str) -> None:
    (project / script).write_text(source, encoding="utf-8")
    command = f"{'python3' if script.endswith('.py') else 'node'} {script}"
    result = terminal.execute(token, command)
    assert result.error_code == "prescan"
    assert runner.calls == []


def test_a_symlink_out_of_the_project_is_not_a_way_out(terminal: SecureTerminal, token: str,
                                                       project: Path,
                                                       runner: RecordingRunner) -> None:
    (project / "out").symlink_to("/etc")
    assert terminal.execute(token, "cat out/passwd").error_code == "path_outside_project"
    assert runner.calls == []


def test_an_allowed_command_reaches_the_runner_as_argv(terminal: SecureTerminal, token: str,
                                                       runner: RecordingRunner,
                                                       audit: Audit) -> None:
    result = terminal.execute(token, "grep -n 'second line' notes.txt")
    assert result.ok
    assert runner.calls == [{"argv": ["grep", "-n", "second line", "notes.txt"], "cwd": ".",
                             "network": False}]
    assert audit.actions()[-2:] == ["terminal.command", "terminal.result"]
    assert audit.entries[-2][3]["command"] == "grep -n 'second line' notes.txt"


def test_git_runs_read_only_subcommands_with_hooks_and_pagers_disabled(
        terminal: SecureTerminal, token: str, runner: RecordingRunner) -> None:
    assert terminal.execute(token, "git log -n 3").ok
    argv = runner.calls[0]["argv"]
    assert argv[0] == "git"
    assert "core.hooksPath=/dev/null" in argv
    assert "--no-pager" in argv
    assert argv[argv.index("log"):] == ["log", "--no-ext-diff", "--no-textconv", "-n", "3"]


def test_package_managers_get_the_network_and_aliases_resolve(terminal: SecureTerminal,
                                                              token: str,
                                                              runner: RecordingRunner) -> None:
    terminal.execute(token, "npm install")
    terminal.execute(token, "python -V")
    assert runner.calls[0]["network"] is True
    assert runner.calls[1] == {"argv": ["python3", "-V"], "cwd": ".", "network": False}


def test_clear_and_help_answer_without_running_anything(terminal: SecureTerminal, token: str,
                                                        runner: RecordingRunner) -> None:
    assert terminal.execute(token, "clear").clear_screen
    assert "git" in terminal.execute(token, "help").stdout
    assert runner.calls == []


# -- real runs in the sandbox ----------------------------------------------------------------


@pytest.fixture
def real_terminal(project: Path, owners: Any, audit: Audit, clock: Clock) -> SecureTerminal:
    limits = SandboxLimits(terminal_timeout_s=10, terminal_output_bytes=4096)
    return _terminal(project, owners, audit, clock, runner=None, limits=limits)


def test_commands_run_in_the_project_inside_the_sandbox(real_terminal: SecureTerminal,
                                                        project: Path) -> None:
    token = real_terminal.issue_token(TENANT, OWNER, PROJECT).token
    assert token is not None
    assert real_terminal.execute(token, "head -n 1 notes.txt").stdout == "first line\n"
    assert real_terminal.execute(token, "mkdir build").ok
    assert real_terminal.execute(token, "touch build/out.txt").ok
    assert (project / "build" / "out.txt").exists()
    ran = real_terminal.execute(token, "python3 src/app.py")
    assert ran.stdout == "app ran\n"
    assert ran.isolation in ("bubblewrap", "rlimits-only")
    listed = real_terminal.execute(token, "ls", cwd="src")
    assert listed.stdout == "app.py\n"


def test_git_status_works_on_the_project_repository(real_terminal: SecureTerminal,
                                                    project: Path) -> None:
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    token = real_terminal.issue_token(TENANT, OWNER, PROJECT).token
    assert token is not None
    result = real_terminal.execute(token, "git status --short")
    assert result.ok, result.stderr
    assert "notes.txt" in result.stdout


def test_a_command_past_its_time_is_stopped(project: Path, owners: Any, audit: Audit,
                                            clock: Clock) -> None:
    (project / "slow.py").write_text("import time\ntime.sleep(20)\n", encoding="utf-8")
    terminal = _terminal(project, owners, audit, clock,
                         limits=SandboxLimits(terminal_timeout_s=1))
    token = terminal.issue_token(TENANT, OWNER, PROJECT).token
    assert token is not None
    result = terminal.execute(token, "python3 slow.py")
    assert result.timed_out
    assert not result.ok
    assert audit.entries[-1][3]["stop_reason"] == "timeout"


def test_output_past_the_terminal_limit_is_cut(real_terminal: SecureTerminal,
                                               project: Path) -> None:
    (project / "loud.py").write_text("print('x' * 100000)\n", encoding="utf-8")
    token = real_terminal.issue_token(TENANT, OWNER, PROJECT).token
    assert token is not None
    result = real_terminal.execute(token, "python3 loud.py")
    assert result.truncated
    assert len(result.stdout) <= 4096


def test_commands_also_run_at_the_degraded_isolation_level(project: Path, owners: Any,
                                                           audit: Audit, clock: Clock) -> None:
    runner = SandboxRunner(SandboxLimits(terminal_timeout_s=10), force_level="rlimits-only")
    terminal = _terminal(project, owners, audit, clock, runner=runner)
    token = terminal.issue_token(TENANT, OWNER, PROJECT).token
    assert token is not None
    result = terminal.execute(token, "wc -l notes.txt")
    assert result.stdout == "2 notes.txt\n"
    assert result.isolation == "rlimits-only"


def test_package_managers_reach_only_the_registry_proxy(project: Path, owners: Any,
                                                        audit: Audit, clock: Clock) -> None:
    from webnova.adapters.sandbox.probe import probe_isolation

    if probe_isolation().network != "registry":
        pytest.skip("registry-only networking needs bubblewrap")
    if shutil.which("pip3") is None:
        pytest.skip("pip3 is not installed")
    database = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # stands in for PostgreSQL
    database.bind(("127.0.0.1", 0))
    database.listen(4)
    database.settimeout(0.5)
    port = database.getsockname()[1]
    limits = SandboxLimits(terminal_timeout_s=30, terminal_output_bytes=16384,
                           registry_hosts=("registry.invalid",), registry_mirrors=False)
    terminal = _terminal(project, owners, audit, clock, runner=None, limits=limits)
    token = terminal.issue_token(TENANT, OWNER, PROJECT).token
    assert token is not None
    try:
        result = terminal.execute(
            token, "pip3 download --no-deps --no-cache-dir --retries 0 --timeout 5 -d /tmp/dl "
                   f"--index-url http://127.0.0.1:{port}/simple/ left-pad")
        assert not result.ok
        assert "No matching distribution" in result.stderr
        # The run's one-sentence outcome names what the proxy refused, and why.
        assert result.error is not None
        assert f"127.0.0.1:{port} is not an allowed package registry" in result.error
        with pytest.raises(TimeoutError):
            database.accept()  # nothing reached the host's loopback service
    finally:
        database.close()
