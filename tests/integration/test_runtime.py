"""The project runtime: files, install, build, a served app, stop, logs, usage, recovery."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from webnova.adapters.runtime import FileOp, ProjectRuntime, ProjectRuntimeError
from webnova.adapters.sandbox.port import SandboxLimits

LIMITS = SandboxLimits(runtime_health_timeout_s=10, runtime_stop_grace_s=2)

SERVER = textwrap.dedent("""
    import http.server, os, signal, sys
    if "--ignore-term" in sys.argv:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "--daemon" in sys.argv and os.fork() == 0:
        os.setsid()
        import time
        time.sleep(300)
        os._exit(0)
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"ok" if self.path == "/health" else b"hello"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            print("request", self.path, flush=True)
    print("listening on", os.environ["PORT"], flush=True)
    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
""")


class Audit:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, dict[str, Any]]] = []

    def record(self, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        self.entries.append((actor, action, target, detail))


@pytest.fixture
def project() -> Iterator[Path]:
    # Outside pytest's private tmp dir, so the project's own uid can reach it.
    root = Path(tempfile.mkdtemp(prefix="webnova-runtime-project-"))
    root.chmod(0o755)
    (root / "app.py").write_text(SERVER, encoding="utf-8")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def runtime(home: Path, project: Path) -> Iterator[ProjectRuntime]:
    rt = ProjectRuntime(home, limits=LIMITS, audit=Audit())
    rt.initialize("shop", project)
    yield rt
    rt.stop_all()
    rt.close()


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


# -- files -----------------------------------------------------------------------------------


def test_file_operations_create_update_rename_and_delete(runtime: ProjectRuntime,
                                                         project: Path) -> None:
    result = runtime.apply("shop", [
        FileOp(kind="create", path="src/index.js", content="console.log(1)\n"),
        FileOp(kind="update", path="src/index.js", content="console.log(2)\n"),
        FileOp(kind="create", path="README.md", content="# متجر\n"),
        FileOp(kind="rename", path="README.md", new_path="docs/README.md"),
        FileOp(kind="delete", path="app.py"),
    ])
    assert result.ok, result.error
    assert (project / "src" / "index.js").read_text(encoding="utf-8") == "console.log(2)\n"
    assert (project / "docs" / "README.md").read_text(encoding="utf-8") == "# متجر\n"
    assert not (project / "app.py").exists()
    assert len(result.applied) == 5


@pytest.mark.parametrize("op", [
    FileOp(kind="create", path="../outside.txt", content="x"),
    FileOp(kind="create", path="/etc/webnova-pwned", content="x"),
    FileOp(kind="create", path=".git/hooks/pre-commit", content="x"),
    FileOp(kind="create", path="app.py", content="already exists"),
    FileOp(kind="update", path="missing.txt", content="x"),
    FileOp(kind="delete", path="missing.txt"),
    FileOp(kind="rename", path="app.py", new_path="../../moved.py"),
    FileOp(kind="create", path="no-content.txt"),
])
def test_bad_file_operations_are_refused_and_nothing_is_applied(runtime: ProjectRuntime,
                                                                project: Path,
                                                                op: FileOp) -> None:
    before = sorted(p.name for p in project.iterdir())
    result = runtime.apply("shop", [FileOp(kind="create", path="first.txt", content="1"), op])
    assert not result.ok
    assert result.error
    assert sorted(p.name for p in project.iterdir()) == before
    assert not Path("/etc/webnova-pwned").exists()


def test_a_symlinked_directory_cannot_carry_writes_out_of_the_project(
        runtime: ProjectRuntime, project: Path, tmp_path: Path) -> None:
    (project / "link").symlink_to(tmp_path)
    result = runtime.apply("shop", [FileOp(kind="create", path="link/x.txt", content="x")])
    assert not result.ok
    assert not (tmp_path / "x.txt").exists()


def test_an_unknown_project_is_an_error(runtime: ProjectRuntime) -> None:
    with pytest.raises(ProjectRuntimeError):
        runtime.apply("nope", [])


def test_a_program_that_cannot_be_started_is_a_failure_not_a_crash(
        runtime: ProjectRuntime) -> None:
    outcome = runtime.build("shop", argv=["/nonexistent/tool"])
    assert not outcome.ok
    assert outcome.error


# -- install and build -----------------------------------------------------------------------


def test_npm_install_and_build_run_in_the_project(runtime: ProjectRuntime,
                                                  project: Path) -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    (project / "package.json").write_text(json.dumps({
        "name": "shop", "version": "1.0.0", "private": True,
        "scripts": {"build": "node build.js"}}), encoding="utf-8")
    (project / "build.js").write_text(
        "require('fs').mkdirSync('dist', {recursive: true});"
        "require('fs').writeFileSync('dist/out.txt', 'built');", encoding="utf-8")
    installed = runtime.install("shop", timeout=120)
    assert installed.ok, installed.log_tail
    assert installed.argv[:2] == ["npm", "install"]
    built = runtime.build("shop", timeout=120)
    assert built.ok, built.log_tail
    assert (project / "dist" / "out.txt").read_text(encoding="utf-8") == "built"
    assert "$ npm run build" in runtime.logs("shop")


def test_a_missing_package_manager_is_a_clear_failure(runtime: ProjectRuntime) -> None:
    if shutil.which("yarn") is not None:
        pytest.skip("yarn is installed here")
    outcome = runtime.install("shop", manager="yarn")
    assert not outcome.ok
    assert outcome.error is not None
    assert "yarn" in outcome.error


def test_a_failing_build_is_reported_with_its_log(runtime: ProjectRuntime) -> None:
    outcome = runtime.build("shop", argv=["/usr/bin/python3", "-c",
                                          "import sys; print('broken'); sys.exit(2)"])
    assert not outcome.ok
    assert outcome.exit_code == 2
    assert "broken" in outcome.log_tail


# -- serving ---------------------------------------------------------------------------------


def test_start_serves_on_a_free_port_with_health_usage_logs_and_stop(
        runtime: ProjectRuntime) -> None:
    started = runtime.start("shop", ["/usr/bin/python3", "app.py"])
    assert started.ok, started.log_tail
    status = started.status
    assert status is not None
    assert status.running
    assert status.port
    assert status.pid
    assert httpx.get(f"{status.url}/", trust_env=False).text == "hello"
    usage = runtime.status("shop")
    assert usage.rss_mb is not None
    assert usage.rss_mb > 0
    assert usage.cpu_s is not None
    assert usage.processes >= 1
    assert "listening on" in runtime.logs("shop")
    again = runtime.start("shop", ["/usr/bin/python3", "app.py"])
    assert not again.ok  # one server per project
    assert runtime.stop("shop")
    assert not _alive(status.pid)
    assert not runtime.status("shop").running
    assert runtime.records() == []


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(runtime: ProjectRuntime) -> None:
    started = runtime.start("shop", ["/usr/bin/python3", "app.py", "--ignore-term"])
    assert started.ok, started.log_tail
    assert started.status is not None
    pid = started.status.pid
    assert pid is not None
    begin = time.monotonic()
    runtime.stop("shop", grace=0.5)
    assert time.monotonic() - begin < 5
    assert not _alive(pid)


def test_a_server_that_fails_its_health_check_is_stopped_and_reported(
        runtime: ProjectRuntime) -> None:
    outcome = runtime.start("shop", ["/usr/bin/python3", "-c", "print('crashed on start')"])
    assert not outcome.ok
    assert outcome.error
    assert "crashed on start" in outcome.log_tail
    assert runtime.records() == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the project uid (root only) finds daemons")
def test_a_daemon_that_left_the_process_group_is_stopped_too(runtime: ProjectRuntime) -> None:
    started = runtime.start("shop", ["/usr/bin/python3", "app.py", "--daemon"])
    assert started.ok, started.log_tail
    record = runtime.records()[0]
    assert record.uid is not None
    runtime.stop("shop")
    from webnova.adapters.sandbox.local import processes_of

    assert processes_of(record.uid) == []


# -- restart ---------------------------------------------------------------------------------


CONTROLLER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from webnova.adapters.runtime import ProjectRuntime
    from webnova.adapters.sandbox.port import SandboxLimits
    home, project = Path(sys.argv[1]), Path(sys.argv[2])
    rt = ProjectRuntime(home, limits=SandboxLimits(runtime_health_timeout_s=10))
    rt.initialize("shop", project)
    outcome = rt.start("shop", ["/usr/bin/python3", "app.py"])
    print("STARTED" if outcome.ok else "FAILED " + outcome.log_tail, flush=True)
    time.sleep(600)
""")


def _start_in_a_process_we_then_kill(home: Path, project: Path) -> int:
    """Start the app from another WebNova process and SIGKILL that process (a crash)."""
    controller = subprocess.Popen([sys.executable, "-c", CONTROLLER, str(home), str(project)],
                                  stdout=subprocess.PIPE, text=True)
    assert controller.stdout is not None
    line = controller.stdout.readline()
    assert line.startswith("STARTED"), line
    controller.send_signal(signal.SIGKILL)
    controller.wait()
    controller.stdout.close()
    records = json.loads((home / "runtime" / "processes.json").read_text())["processes"]
    return int(records["shop"]["pid"])


def test_after_a_forced_restart_cleanup_leaves_no_orphan(home: Path, project: Path) -> None:
    pid = _start_in_a_process_we_then_kill(home, project)
    assert _alive(pid)  # the server outlived the crashed WebNova
    runtime = ProjectRuntime(home, limits=LIMITS)
    report = runtime.recover(policy="cleanup")
    assert report.cleaned == ["shop"]
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert runtime.records() == []
    runtime.close()


def test_after_a_forced_restart_the_runtime_can_reattach_and_stop(home: Path,
                                                                  project: Path) -> None:
    pid = _start_in_a_process_we_then_kill(home, project)
    runtime = ProjectRuntime(home, limits=LIMITS)
    report = runtime.recover(policy="reattach")
    assert report.reattached == ["shop"]
    status = runtime.status("shop")
    assert status.running
    assert status.pid == pid
    assert httpx.get(f"{status.url}/health", trust_env=False).text == "ok"
    runtime.stop("shop")
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    runtime.close()


def test_a_dead_record_is_dropped_and_a_recycled_pid_is_never_killed(home: Path,
                                                                     project: Path) -> None:
    bystander = subprocess.Popen(["/bin/sleep", "60"])
    try:
        runtime = ProjectRuntime(home, limits=LIMITS)
        runtime.initialize("shop", project)
        registry = home / "runtime" / "processes.json"
        data = json.loads(registry.read_text())
        # A record whose pid now belongs to an unrelated, younger process.
        data["processes"]["shop"] = {
            "project_id": "shop", "pid": bystander.pid, "start_ticks": 1 << 60, "uid": None,
            "argv": ["x"], "cwd": str(project), "port": 1, "log": "x", "started_at": 0.0}
        registry.write_text(json.dumps(data))
        report = runtime.recover(policy="cleanup")
        assert report.dropped == ["shop"]
        assert bystander.poll() is None
        runtime.close()
    finally:
        bystander.kill()
        bystander.wait()
