"""The project runtime: files, dependencies, build, a running server, its logs and its cost.

Processes are tracked in a JSON registry under `<home>/runtime/` (pid, the kernel's start time of
that pid, its process group and its uid), so a restarted WebNova finds what the previous one
started and either reattaches to it or kills it, and a recycled pid is never mistaken for ours.
When WebNova is root, each project's processes run as that project's own unprivileged uid (a
range apart from the sandbox sessions'), which also finds daemons that left the process group.
The local deploy target builds on this module.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from webnova.adapters.sandbox.languages import reachable
from webnova.adapters.sandbox.local import (
    UidLease,
    kill_uid,
    prepare_project,
    project_gid,
)
from webnova.adapters.sandbox.port import AuditSink, SandboxLimits
from webnova.i18n import _

Manager = Literal["npm", "yarn", "pnpm", "pip"]
_PATH = "/usr/local/bin:/usr/bin:/bin"
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
_RUNTIME_UIDS = 4096


class ProjectRuntimeError(Exception):
    """A request the runtime refuses (unknown project, path outside it, already running)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileOp(_Model):
    """One change to a project's files."""

    kind: Literal["create", "update", "delete", "rename"]
    path: str
    content: str | None = None
    new_path: str | None = None


class OpsResult(_Model):
    """What `apply` did."""

    ok: bool
    applied: list[str] = Field(default_factory=list)
    error: str | None = None


class CommandOutcome(_Model):
    """The result of install or build."""

    ok: bool
    argv: list[str] = Field(default_factory=list)
    exit_code: int | None = None
    timed_out: bool = False
    duration_s: float = 0.0
    log_tail: str = ""
    error: str | None = None


class ProcessRecord(_Model):
    """A started process as the registry remembers it."""

    project_id: str
    pid: int
    start_ticks: int = Field(description="Kernel start time of the pid (guards pid reuse).")
    uid: int | None = None
    argv: list[str]
    cwd: str
    port: int | None
    log: str
    started_at: float


class ProcessStatus(_Model):
    """A project's server as seen now."""

    project_id: str
    running: bool
    pid: int | None = None
    port: int | None = None
    url: str | None = None
    uptime_s: float | None = None
    cpu_s: float | None = None
    rss_mb: float | None = None
    processes: int = 0


class StartOutcome(_Model):
    """The result of `start`: healthy and registered, or why not."""

    ok: bool
    status: ProcessStatus | None = None
    error: str | None = None
    log_tail: str = ""


class RecoveryReport(_Model):
    """What `recover` found after a restart."""

    reattached: list[str] = Field(default_factory=list)
    cleaned: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)


class ProjectRuntime:
    """Lifecycle of local projects; one instance per WebNova process is enough."""

    def __init__(self, home: Path, *, limits: SandboxLimits | None = None,
                 audit: AuditSink | None = None, clock: Callable[[], float] = time.time,
                 http: httpx.Client | None = None) -> None:
        self._dir = home / "runtime"
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        (self._dir / "logs").mkdir(exist_ok=True, mode=0o700)
        self._registry = self._dir / "processes.json"
        self._limits = limits or SandboxLimits()
        self._audit = audit
        self._clock = clock
        self._http = http or httpx.Client(trust_env=False, timeout=1.0)

    # -- registry ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """The registry, locked against other WebNova processes, written back on exit."""
        with (self._dir / "registry.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            yield data
            tmp = self._registry.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self._registry)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self._registry.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            data = {}
        data.setdefault("projects", {})
        data.setdefault("processes", {})
        return dict(data)

    def records(self) -> list[ProcessRecord]:
        """Every process the registry knows about."""
        return [ProcessRecord.model_validate(r) for r in self._read()["processes"].values()]

    # -- projects and files --------------------------------------------------------------

    def initialize(self, project_id: str, root: Path) -> Path:
        """Register (and create) a project directory; returns its resolved path."""
        _check_id(project_id)
        root.mkdir(parents=True, exist_ok=True)
        real = root.resolve()
        with self._locked() as data:
            data["projects"][project_id] = str(real)
        return real

    def root(self, project_id: str) -> Path:
        """The directory of a registered project."""
        path = self._read()["projects"].get(project_id)
        if path is None:
            raise ProjectRuntimeError(_("The project {project} is not initialized.").format(
                project=project_id))
        return Path(path)

    def apply(self, project_id: str, ops: Sequence[FileOp]) -> OpsResult:
        """Apply file operations, all checked before any is applied; paths stay inside."""
        root = self.root(project_id)
        try:
            planned = _plan_ops(root, ops)
        except ProjectRuntimeError as exc:
            return OpsResult(ok=False, error=str(exc))
        applied: list[str] = []
        for op, target, destination in planned:
            try:
                _apply_op(op, target, destination)
            except OSError as exc:
                return OpsResult(ok=False, applied=applied, error=_(
                    "{kind} {path} failed: {error}").format(kind=op.kind, path=op.path,
                                                            error=exc.strerror or exc))
            applied.append(f"{op.kind} {op.path}")
        self._record("runtime.files", project_id, {"ops": applied})
        return OpsResult(ok=True, applied=applied)

    # -- install and build ---------------------------------------------------------------

    def install(self, project_id: str, manager: Manager | None = None,
                timeout: float = 900.0) -> CommandOutcome:
        """Install dependencies with the project's package manager (detected when None)."""
        root = self.root(project_id)
        chosen = manager or _detect_manager(root)
        if chosen is None:
            return CommandOutcome(ok=True, error=None, log_tail=_("Nothing to install."))
        steps = _install_steps(chosen, root)
        outcome = CommandOutcome(ok=True)
        for argv in steps:
            outcome = self._run_step(project_id, argv, timeout)
            if not outcome.ok:
                break
        return outcome

    def build(self, project_id: str, argv: Sequence[str] | None = None,
              timeout: float = 900.0) -> CommandOutcome:
        """Run the build (`npm run build` when package.json has one)."""
        root = self.root(project_id)
        command = list(argv) if argv else _default_build(root)
        if not command:
            return CommandOutcome(ok=True, log_tail=_("Nothing to build."))
        return self._run_step(project_id, command, timeout)

    def _run_step(self, project_id: str, argv: list[str], timeout: float) -> CommandOutcome:
        root = self.root(project_id)
        if shutil.which(argv[0], path=f"{root}/.venv/bin:{_PATH}") is None and "/" not in argv[0]:
            return CommandOutcome(ok=False, argv=argv, error=_(
                "{tool} is not installed on this host.").format(tool=argv[0]))
        log = self._log_path(project_id)
        start = time.monotonic()
        self._record("runtime.command", project_id, {"argv": argv})
        with log.open("ab") as handle:
            handle.write(f"$ {' '.join(argv)}\n".encode())
            handle.flush()
            try:
                proc = self._spawn(project_id, argv, root, handle, env=None)
            except OSError as exc:
                return CommandOutcome(ok=False, argv=argv, error=_(
                    "{tool} could not be started: {error}").format(
                    tool=argv[0], error=exc.strerror or exc))
            try:
                code: int | None = proc.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                self._kill_tree(proc.pid, self._uid(project_id))
                code, timed_out = proc.wait(), True
        ok = code == 0 and not timed_out
        return CommandOutcome(ok=ok, argv=argv, exit_code=code, timed_out=timed_out,
                              duration_s=round(time.monotonic() - start, 3),
                              log_tail=self.logs(project_id, lines=40),
                              error=None if ok else _("The command failed; see the log."))

    # -- running -------------------------------------------------------------------------

    def start(self, project_id: str, argv: Sequence[str] | None = None, *,
              port: int | None = None, health_path: str = "/health",
              env: Mapping[str, str] | None = None) -> StartOutcome:
        """Start the project's server on a free port and wait until its health check answers."""
        root = self.root(project_id)
        current = self.status(project_id)
        if current.running:
            return StartOutcome(ok=False, status=current, error=_(
                "The project {project} is already running.").format(project=project_id))
        command = list(argv) if argv else _default_start(root)
        if not command:
            return StartOutcome(ok=False, error=_("No start command: add a start script."))
        chosen = port or free_port()
        extra = {"PORT": str(chosen), "HOST": "127.0.0.1", **(env or {})}
        log = self._log_path(project_id)
        with log.open("ab") as handle:
            handle.write(f"$ {' '.join(command)}  (port {chosen})\n".encode())
            handle.flush()
            try:
                proc = self._spawn(project_id, command, root, handle, env=extra)
            except OSError as exc:
                return StartOutcome(ok=False, error=_(
                    "{tool} could not be started: {error}").format(
                    tool=command[0], error=exc.strerror or exc))
        record = ProcessRecord(project_id=project_id, pid=proc.pid,
                               start_ticks=_start_ticks(proc.pid) or 0,
                               uid=self._uid(project_id), argv=command, cwd=str(root),
                               port=chosen, log=str(log), started_at=self._clock())
        with self._locked() as data:
            data["processes"][project_id] = record.model_dump()
        self._record("runtime.start", project_id, {"argv": command, "port": chosen})
        # Popen is no longer needed: the registry tracks the process from here on, across
        # restarts, and a reaper thread is not wanted for a server meant to outlive us.
        proc.returncode = 0
        if not self._wait_healthy(record, health_path, proc):
            self.stop(project_id)
            return StartOutcome(ok=False, error=_(
                "The server did not pass its health check at {url}.").format(
                url=f"http://127.0.0.1:{chosen}{health_path}"), log_tail=self.logs(project_id))
        return StartOutcome(ok=True, status=self.status(project_id))

    def _wait_healthy(self, record: ProcessRecord, path: str,
                      proc: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + self._limits.runtime_health_timeout_s
        url = f"http://127.0.0.1:{record.port}{path}"
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(proc.pid, os.WNOHANG)[0] == proc.pid:
                    return False  # the server exited
            with contextlib.suppress(httpx.HTTPError):
                if self._http.get(url).status_code < 400:
                    return True
            time.sleep(0.1)
        return False

    def stop(self, project_id: str, grace: float | None = None) -> bool:
        """SIGTERM the server's process group, SIGKILL what is left after `grace`; True if any."""
        with self._locked() as data:
            raw = data["processes"].pop(project_id, None)
        if raw is None:
            return False
        record = ProcessRecord.model_validate(raw)
        self._terminate(record, self._limits.runtime_stop_grace_s if grace is None else grace)
        self._record("runtime.stop", project_id, {"pid": record.pid})
        return True

    def _terminate(self, record: ProcessRecord, grace: float) -> None:
        members = _group_members(record)
        for pid in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _group_members(record) and time.monotonic() < deadline:
            _reap(record.pid)
            time.sleep(0.05)
        self._kill_tree(record.pid, record.uid, record)
        _reap(record.pid)

    def _kill_tree(self, pid: int, uid: int | None, record: ProcessRecord | None = None) -> None:
        if record is not None:
            for member in _group_members(record):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(member, signal.SIGKILL)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        if uid is not None:
            kill_uid(uid)  # daemons that left the process group

    def status(self, project_id: str) -> ProcessStatus:
        """Whether the server runs, where, for how long and at what CPU and memory cost."""
        raw = self._read()["processes"].get(project_id)
        if raw is None:
            return ProcessStatus(project_id=project_id, running=False)
        record = ProcessRecord.model_validate(raw)
        members = _group_members(record)
        if not members:
            return ProcessStatus(project_id=project_id, running=False, pid=record.pid,
                                 port=record.port)
        cpu, rss = 0.0, 0
        for pid in members:
            usage = _usage(pid)
            if usage is not None:
                cpu += usage[0]
                rss += usage[1]
        return ProcessStatus(project_id=project_id, running=True, pid=record.pid,
                             port=record.port, url=f"http://127.0.0.1:{record.port}",
                             uptime_s=round(self._clock() - record.started_at, 1),
                             cpu_s=round(cpu, 2), rss_mb=round(rss / (1 << 20), 1),
                             processes=len(members))

    def logs(self, project_id: str, lines: int = 200) -> str:
        """The last `lines` lines of the project's log."""
        path = self._log_path(project_id)
        if not path.exists():
            return ""
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - 256 * 1024))
            text = handle.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])

    def recover(self, policy: Literal["reattach", "cleanup"] = "reattach") -> RecoveryReport:
        """After a restart: keep (or kill) what still runs, forget what died; no orphans."""
        reattached: list[str] = []
        cleaned: list[str] = []
        dropped: list[str] = []
        with self._locked() as data:
            for project_id, raw in list(data["processes"].items()):
                record = ProcessRecord.model_validate(raw)
                alive = bool(_group_members(record))
                if alive and policy == "reattach":
                    reattached.append(project_id)
                    continue
                if alive:
                    self._terminate(record, self._limits.runtime_stop_grace_s)
                    cleaned.append(project_id)
                else:
                    if record.uid is not None:
                        kill_uid(record.uid)
                    dropped.append(project_id)
                del data["processes"][project_id]
        report = RecoveryReport(reattached=reattached, cleaned=cleaned, dropped=dropped)
        if cleaned or dropped or reattached:
            self._record("runtime.recover", "*", report.model_dump())
        return report

    def stop_all(self) -> list[str]:
        """Stop every registered server (shutdown)."""
        stopped = [r.project_id for r in self.records()]
        for project_id in stopped:
            self.stop(project_id)
        return stopped

    # -- helpers -------------------------------------------------------------------------

    def _uid(self, project_id: str) -> int | None:
        """The project's own uid when WebNova is root and the project is reachable by it."""
        if os.geteuid() != 0:
            return None
        base = self._limits.uid_base + self._limits.uid_slots
        uid = base + zlib.crc32(project_id.encode("utf-8")) % _RUNTIME_UIDS
        root = self._read()["projects"].get(project_id)
        if root is None or not reachable(Path(root), uid, project_gid(self._limits, Path(root))):
            # A project under a private directory (/root/...) runs as WebNova's user instead.
            return None
        return uid

    def _home(self, project_id: str, uid: int | None) -> Path:
        """HOME of the project's processes (npm and pip caches), outside the project tree."""
        base = Path(tempfile.gettempdir()) / f"webnova-runtime-{os.geteuid()}"
        base.mkdir(mode=0o711, exist_ok=True)
        info = base.lstat()
        if base.is_symlink() or info.st_uid != os.geteuid():
            raise ProjectRuntimeError(_("The runtime directory {path} is not owned by WebNova."
                                        ).format(path=base))
        home = base / project_id
        home.mkdir(mode=0o700, exist_ok=True)
        if uid is not None:
            os.chown(home, uid, -1)
        return home

    def _spawn(self, project_id: str, argv: list[str], root: Path, log: Any,
               env: Mapping[str, str] | None) -> subprocess.Popen[bytes]:
        uid = self._uid(project_id)
        home = self._home(project_id, uid)
        ids: dict[str, Any] = {}
        if uid is not None:
            gid = project_gid(self._limits, root)
            prepare_project(root, UidLease(uid=uid, gid=gid, lock_fd=-1), bubblewrap=True)
            ids = {"user": uid, "group": gid, "extra_groups": [], "umask": 0o002}
        venv = root / ".venv" / "bin"
        base = {"PATH": f"{venv}:{_PATH}" if venv.is_dir() else _PATH, "HOME": str(home),
                "LANG": "C.UTF-8", "NODE_ENV": "production",
                "npm_config_cache": str(home / ".npm"), "npm_config_update_notifier": "false"}
        return subprocess.Popen(
            argv, cwd=root, env={**base, **(env or {})}, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, **ids)

    def _log_path(self, project_id: str) -> Path:
        _check_id(project_id)
        return self._dir / "logs" / f"{project_id}.log"

    def _record(self, action: str, project_id: str, detail: dict[str, Any]) -> None:
        if self._audit is not None:
            self._audit.record("runtime", action, f"project:{project_id}", detail)

    def close(self) -> None:
        """Release the HTTP client (servers keep running; see `stop_all`)."""
        self._http.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check_id(project_id: str) -> None:
    if not project_id or not all(c.isalnum() or c in "-_." for c in project_id) \
            or project_id.startswith("."):
        raise ProjectRuntimeError(_("The project id {project} is not valid.").format(
            project=project_id))


def _proc_stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # Fields after "comm" (which may contain spaces); index 0 here is the state (field 3).
    return raw[raw.rindex(b")") + 2:].decode().split()


def _start_ticks(pid: int) -> int | None:
    fields = _proc_stat(pid)
    return int(fields[19]) if fields else None


def _usage(pid: int) -> tuple[float, int] | None:
    fields = _proc_stat(pid)
    if not fields:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK, int(fields[21]) * _PAGE


def _group_members(record: ProcessRecord) -> list[int]:
    """Live processes of the record's group (or uid) that started no earlier than it."""
    members: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _proc_stat(int(entry.name))
        if not fields or fields[0] in ("Z", "X"):
            continue
        same_group = int(fields[2]) == record.pid
        same_uid = record.uid is not None and _owner(entry) == record.uid
        if (same_group or same_uid) and int(fields[19]) >= record.start_ticks:
            members.append(int(entry.name))
    return members


def _owner(entry: Path) -> int | None:
    try:
        return entry.stat().st_uid
    except OSError:
        return None


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _detect_manager(root: Path) -> Manager | None:
    if (root / "pnpm-lock.yaml").exists():
        return "pnpm"
    if (root / "yarn.lock").exists():
        return "yarn"
    if (root / "package.json").exists():
        return "npm"
    if (root / "requirements.txt").exists():
        return "pip"
    return None


def _install_steps(manager: Manager, root: Path) -> list[list[str]]:
    if manager == "npm":
        return [["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"]]
    if manager == "yarn":
        return [["yarn", "install", "--non-interactive"]]
    if manager == "pnpm":
        return [["pnpm", "install"]]
    python = str(root / ".venv" / "bin" / "python")
    steps = [] if (root / ".venv").is_dir() else [["/usr/bin/python3", "-m", "venv", ".venv"]]
    return [*steps, [python, "-m", "pip", "install", "--disable-pip-version-check", "-r",
                     "requirements.txt"]]


def _package_scripts(root: Path) -> dict[str, str]:
    try:
        data = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in scripts.items()} if isinstance(scripts, dict) else {}


def _default_build(root: Path) -> list[str]:
    return ["npm", "run", "build"] if "build" in _package_scripts(root) else []


def _default_start(root: Path) -> list[str]:
    if "start" in _package_scripts(root):
        return ["npm", "start"]
    venv = root / ".venv" / "bin" / "python"
    python = str(venv) if venv.exists() else "/usr/bin/python3"
    for name in ("app.py", "main.py", "server.py"):
        if (root / name).is_file():
            return [python, name]
    return []


def _resolve_inside(root: Path, path: str | None) -> Path:
    if not path or "\x00" in path or path.startswith(("/", "~")):
        raise ProjectRuntimeError(_("The path {path} is outside the project.").format(path=path))
    parts = Path(path).parts
    if ".." in parts or (parts and parts[0] == ".git"):
        raise ProjectRuntimeError(_("The path {path} is outside the project.").format(path=path))
    target = root / path
    if not target.parent.resolve().is_relative_to(root.resolve()):
        raise ProjectRuntimeError(_("The path {path} is outside the project.").format(path=path))
    return target


def _plan_ops(root: Path, ops: Sequence[FileOp]) -> list[tuple[FileOp, Path, Path | None]]:
    """Check every operation against the tree as the earlier ones will have left it."""
    present: dict[Path, bool] = {}

    def exists(path: Path) -> bool:
        return present.get(path, path.exists() or path.is_symlink())

    planned: list[tuple[FileOp, Path, Path | None]] = []
    for op in ops:
        target = _resolve_inside(root, op.path)
        destination = None
        if op.kind in ("create", "update") and op.content is None:
            raise ProjectRuntimeError(_("{kind} {path} needs content.").format(
                kind=op.kind, path=op.path))
        if op.kind == "create" and exists(target):
            raise ProjectRuntimeError(_("{path} already exists.").format(path=op.path))
        if op.kind in ("update", "delete", "rename") and not exists(target):
            raise ProjectRuntimeError(_("{path} does not exist.").format(path=op.path))
        if op.kind == "update" and (target.is_symlink() or target.is_dir()):
            raise ProjectRuntimeError(_("{path} is not a regular file.").format(path=op.path))
        if op.kind == "rename":
            destination = _resolve_inside(root, op.new_path)
            if exists(destination):
                raise ProjectRuntimeError(_("{path} already exists.").format(path=op.new_path))
            present[destination] = True
        present[target] = op.kind in ("create", "update")
        planned.append((op, target, destination))
    return planned


def _apply_op(op: FileOp, target: Path, destination: Path | None) -> None:
    if op.kind in ("create", "update"):
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        if op.kind == "create":
            flags |= os.O_EXCL
        fd = os.open(target, flags, 0o664)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(op.content or "")
    elif op.kind == "delete":
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    elif destination is not None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        target.rename(destination)
