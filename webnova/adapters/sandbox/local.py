"""LocalSandbox: run untrusted code on this host as safely as the host allows.

Layers, outermost first (each holds when the one inside it fails):

* a per-session unprivileged uid from a pool (when WebNova is root), so RLIMIT_NPROC is per job,
  the job cannot signal anything it did not start, and a sweep by uid removes every straggler,
  including daemons that left the process group;
* bubblewrap namespaces when the probe found them usable: no network, a read-only /usr, a copy of
  the few /etc files programs need, private /tmp, /dev/shm, /dev and /proc, a PID namespace that
  dies with the run, and only the job's workspace writable. As root, bwrap itself runs privileged
  (so it can bind toolchains from private directories) and `setpriv` drops to the session uid
  with no capabilities and no_new_privs before the program starts;
* rlimits (CPU seconds, address space, processes, file size, open files, no core dumps); without
  bubblewrap also no_new_privs and a seccomp filter that refuses every socket family but
  AF_UNIX, the only network barrier left in a locked-down container;
* a supervisor that enforces the wall-clock limit, caps output, watches the disk the job uses
  and kills the whole process tree, then says why the run stopped.

A session opened with network=True keeps its own network namespace under bubblewrap: its only
way out is the allowlisting package-registry proxy (`netproxy.py`), reached through a Unix
socket and the in-sandbox forwarder (`forwarder.py`). Without bubblewrap such a session gets no
network at all, unless `SandboxLimits.network_mode` is "host"; every result names its network.

Start-up cost: a session that runs code again pre-starts the next run's bwrap (namespaces and
mounts made, limits set, root dropped; held at a gate before the program starts) and uses it
only for exactly that launch. A cold run writes its program while bwrap sets up.

Without bubblewrap the same code runs at the "rlimits-only" level and every result says so;
`probe.py` decides which level this host gets.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import re
import resource
import secrets
import select
import selectors
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from webnova.adapters.sandbox.languages import EXTENSIONS, RunPlan, reachable, resolve
from webnova.adapters.sandbox.netproxy import (
    FORWARDER_NAME,
    INSIDE_NET_DIR,
    INSIDE_PROXY_PORT,
    SOCKET_NAME,
    Allowlist,
    Mirrors,
    RegistryProxy,
    host_pip_mirrors,
    proxy_env,
)
from webnova.adapters.sandbox.port import (
    AuditSink,
    ExecResult,
    FileEntry,
    FileMissing,
    InvalidInput,
    IsolationReport,
    NetworkLevel,
    PathOutsideWorkspace,
    PrescanOverride,
    PrescanVerdict,
    SandboxClosed,
    SandboxError,
    SandboxLimits,
    StopReason,
    confine,
    validate_code,
    validate_envs,
    validate_timeout,
)
from webnova.adapters.sandbox.prescan import screen
from webnova.i18n import _

LocalLevel = Literal["bubblewrap", "rlimits-only"]
INSIDE_ROOT = "/workspace"
_PATH = "/usr/local/bin:/usr/bin:/bin"
# Runs the in-sandbox forwarder of network sessions (under /usr, which every sandbox binds).
SYSTEM_PYTHON = "/usr/bin/python3"
# /etc entries a program legitimately needs; the rest of /etc (package manager tokens, service
# configs) stays out of the sandbox.
_ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "nsswitch.conf",
                "hosts", "host.conf", "resolv.conf", "gai.conf", "localtime", "timezone",
                "ssl", "ca-certificates", "ca-certificates.conf", "os-release", "debian_version",
                "mime.types", "magic", "locale.alias", "protocols", "services")
_MEMORY_ERRORS = re.compile(
    r"MemoryError|Cannot allocate memory|out of memory|bad_alloc|memory allocation of \d+ bytes"
    r"|Fatal process OOM|ENOMEM|failed to reserve|mmap\(\) failed|Allowed memory size", re.I)
_PROCESS_ERRORS = re.compile(
    r"Resource temporarily unavailable|BlockingIOError|EAGAIN|fork: retry|Cannot fork", re.I)
_FORK_FAILED = re.compile(r"fork: retry|Cannot fork|fork: Resource temporarily", re.I)
_FSIZE_ERRORS = re.compile(r"File too large|EFBIG|File size limit exceeded", re.I)
_MAX_WORKSPACE_ENTRIES = 50_000


# ---------------------------------------------------------------------------------------------
# Unprivileged identities


@dataclass
class UidLease:
    """One uid from the pool, held (by an flock) for the lifetime of a session."""

    uid: int
    gid: int
    lock_fd: int

    def release(self) -> None:
        """Give the uid back (its processes must already be gone)."""
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1


def workspace_root(limits: SandboxLimits) -> Path:
    """The directory holding session workspaces: ours, not a symlink, traversable by the pool."""
    root = limits.workspace_root or Path(tempfile.gettempdir()) / f"webnova-sandbox-{os.geteuid()}"
    root.mkdir(mode=0o711, parents=True, exist_ok=True)
    info = root.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise SandboxError(_("The sandbox directory {path} is not owned by WebNova.").format(
            path=root))
    root.chmod(0o711)
    return root


def lease_uid(limits: SandboxLimits, gid: int | None = None) -> UidLease | None:
    """Take a free uid from the pool, or None when WebNova is not root (no uid switching)."""
    if os.geteuid() != 0:
        return None
    locks = workspace_root(limits) / ".locks"
    locks.mkdir(mode=0o700, exist_ok=True)
    for _attempt in range(4 * limits.uid_slots):
        slot = secrets.randbelow(limits.uid_slots)
        fd = os.open(locks / f"{slot}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        uid = limits.uid_base + slot
        return UidLease(uid=uid, gid=uid if gid is None else gid, lock_fd=fd)
    raise SandboxError(_("Every sandbox identity is in use; try again shortly."))


def project_gid(limits: SandboxLimits, project: Path) -> int:
    """The group that may write a project's files: one per project directory."""
    return limits.shared_gid - zlib.crc32(str(project.resolve()).encode("utf-8")) % 4096


def kill_uid(uid: int) -> bool:
    """SIGKILL every process whose uid is `uid`, until none is left; True when none is.

    Root signals them directly: a helper running as `uid` could not even start while a fork
    bomb holds every process slot of that uid. A pidfd pins each process before its uid is
    re-checked, so a recycled pid is never hit.
    """
    for _round in range(200):
        pids = processes_of(uid)
        if not pids:
            return True
        for pid in pids:
            _kill_if_owned(pid, uid)
        time.sleep(0.002)
    return not processes_of(uid)


def _kill_if_owned(pid: int, uid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return
    try:
        if Path(f"/proc/{pid}").stat().st_uid == uid:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(fd)


def processes_of(uid: int) -> list[int]:
    """Live (non-zombie) pids whose uid is `uid`; used by the sweep and the orphan checks."""
    pids: list[int] = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if entry.stat().st_uid == uid and not _is_zombie(entry.path):
                pids.append(int(entry.name))
    return pids


def _is_zombie(proc_dir: str) -> bool:
    with open(f"{proc_dir}/stat", "rb") as handle:  # noqa: PTH123
        raw = handle.read()
    return raw[raw.rindex(b")") + 2:raw.rindex(b")") + 3] in (b"Z", b"X")


# ---------------------------------------------------------------------------------------------
# Launch


def _libc_prctl() -> Callable[..., int] | None:
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                      ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_PRCTL = _libc_prctl()
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


# (audit arch, socket, io_uring_setup) per machine; other machines get no filter.
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 41, 425), "aarch64": (0xC00000B7, 198, 425)}


def _network_filter() -> tuple[_SockFprog, ctypes.Array[_SockFilter]] | None:
    """A seccomp program refusing every socket family but AF_UNIX, and io_uring.

    Used only without bubblewrap, where there is no network namespace: a locked-down container
    usually still allows an unprivileged process to install a filter on itself.
    """
    arch = _SECCOMP_ARCH.get(os.uname().machine)
    if arch is None or _PRCTL is None:
        return None
    audit_arch, nr_socket, nr_io_uring = arch
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EACCES
    program = [
        (ld, 0, 0, 4), (jeq, 1, 0, audit_arch), (ret, 0, 0, deny),   # foreign ABI: refuse
        (ld, 0, 0, 0), (jge, 5, 0, 0x40000000),                        # x32 numbering: refuse
        (jeq, 0, 1, nr_io_uring), (ret, 0, 0, deny),
        (jeq, 0, 3, nr_socket), (ld, 0, 0, 16), (jeq, 1, 0, 1),     # socket(AF_UNIX, ...) only
        (ret, 0, 0, deny), (ret, 0, 0, allow),
    ]
    # Jump offsets above are relative; the x32 check jumps to the "deny" at index 10.
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    return _SockFprog(len(program), filters), filters


_NETWORK_FILTER = _network_filter()


def network_filter_available() -> bool:
    """Whether the seccomp network filter exists for this machine (used without bubblewrap)."""
    return _NETWORK_FILTER is not None


@dataclass(frozen=True)
class Rlimits:
    """The limits applied in the child between fork and exec."""

    cpu_s: int
    address_space_mb: int
    processes: int | None
    file_mb: int
    open_files: int
    block_network: bool = False

    def apply_to(self, pid: int) -> None:
        """Set the limits on another process (bubblewrap's child, held at its block fd)."""
        resource.prlimit(pid, resource.RLIMIT_CPU, (self.cpu_s, self.cpu_s + 1))
        resource.prlimit(pid, resource.RLIMIT_AS, (self.address_space_mb << 20,) * 2)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (self.file_mb << 20,) * 2)
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (self.open_files,) * 2)
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        if self.processes is not None:
            resource.prlimit(pid, resource.RLIMIT_NPROC, (self.processes,) * 2)

    def apply(self) -> None:
        """Set the limits (runs in the forked child; keep it allocation-free and simple)."""
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_s, self.cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (self.address_space_mb << 20,) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_mb << 20,) * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.processes is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (self.processes,) * 2)
        if _PRCTL is not None:
            _PRCTL(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            if self.block_network and _NETWORK_FILTER is not None:
                if _PRCTL(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER,
                          ctypes.addressof(_NETWORK_FILTER[0]), 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "seccomp filter refused")


@cache
def host_dirs() -> tuple[str, ...]:
    """Bwrap arguments that recreate /usr, /bin, /lib... as on the host (binds, symlinks)."""
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", str(path.readlink()), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return tuple(args)


def bwrap_namespaces(*, privileged: bool, network: bool) -> list[str]:
    """Namespace flags: as root bwrap makes no user namespace (setpriv switches the uid)."""
    if not privileged:
        return ["--unshare-all", *(["--share-net"] if network else []), "--hostname", "sandbox"]
    flags = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--hostname", "sandbox"]
    return flags if network else [*flags, "--unshare-net"]


@cache
def setpriv_path() -> str:
    """The util-linux `setpriv` that drops root inside the sandbox."""
    found = shutil.which("setpriv", path="/usr/bin:/bin:/usr/sbin:/sbin")
    if found is None:
        raise SandboxError(_("setpriv (util-linux) is missing; the sandbox cannot drop root."))
    return found


@dataclass
class Launch:
    """Everything `subprocess.Popen` needs for one sandboxed process.

    With `hold` (the bubblewrap path), bwrap waits at `--block-fd` after making its namespaces
    while the limits are set on its child from here; no Python then runs between fork and exec,
    so `subprocess` can use vfork, which saves several milliseconds per run.
    """

    argv: list[str]
    env: dict[str, str]
    cwd: str | None
    limits: Rlimits
    uid: int | None
    gid: int | None
    umask: int
    hold: bool = False
    # Where bwrap's options end (its first "--") and where the program's own argv starts; an
    # environment value may itself be "--", so these are recorded rather than searched for.
    options_end: int = 0
    program_at: int = 0

    def popen(self) -> subprocess.Popen[bytes]:
        """Start the process in its own session, with the limits applied."""
        if self.hold:
            return HeldLaunch.start(self).go().proc
        ids: dict[str, object] = {}
        if self.uid is not None:
            ids = {"user": self.uid, "group": self.gid, "extra_groups": []}
        return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
            self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            umask=self.umask, close_fds=True, preexec_fn=self.limits.apply, **ids)


@dataclass
class HeldLaunch:
    """A bwrap that made its namespaces and mounts and now waits at `--block-fd`.

    `ready()` applies the limits to its child, `go()` lets the program start. A pre-started
    one goes further before the run: bwrap is released once the limits are set and the program
    waits at a gate, already as the session uid (see `start`). A session may
    start the next run's sandbox ahead of time this way (`SandboxLimits.prewarm`): it is used
    only when the next run needs exactly the same launch (argv, environment, limits), so the
    isolation is the same as a cold start; otherwise it is discarded. The limits are set before
    the program could start, so even a block pipe closed early never runs anything unlimited.
    """

    launch: Launch
    proc: subprocess.Popen[bytes]
    info_r: int
    block_w: int
    child: int | None = None
    settled: bool = False
    init_fd: int = -1  # pidfd of bwrap's child, the PID namespace's init
    gated: bool = False  # the program waits at the gate (see `start`), bwrap no longer holds
    gate_w: int = -1  # write end of a gated program's stdin

    @classmethod
    def start(cls, launch: Launch, *, gated: bool = False) -> HeldLaunch:
        """Spawn bwrap with the info and block pipes (vfork-friendly: no Python in the child).

        `gated` (pre-started sandboxes only): the program is preceded by a POSIX shell that
        waits for one line on its stdin, then execs the program with stdin on /dev/null. bwrap
        can then be released as soon as the limits are set (`release_to_gate`), so dropping
        root with setpriv, the slowest step left once the namespaces exist, happens before the
        run rather than during it. The shell runs in the finished sandbox, as the session uid,
        under the run's limits: nothing runs with more rights than the program itself.
        """
        info_r, info_w = os.pipe()
        block_r, block_w = os.pipe()
        gate_r, gate_w = os.pipe() if gated else (subprocess.DEVNULL, -1)
        split, program_at = launch.options_end, launch.program_at
        gate = list(_GATE) if gated else []
        argv = [*launch.argv[:split], "--info-fd", str(info_w), "--block-fd", str(block_r),
                *launch.argv[split:program_at], *gate, *launch.argv[program_at:]]
        try:
            proc = subprocess.Popen(
                argv, env=launch.env, cwd=launch.cwd, stdin=gate_r,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                umask=launch.umask, close_fds=True, pass_fds=(info_w, block_r))
        except BaseException:
            for fd in (info_r, block_w, gate_w):
                if fd >= 0:
                    os.close(fd)
            raise
        finally:
            for fd in (info_w, block_r, gate_r):
                if fd >= 0:  # not subprocess.DEVNULL
                    os.close(fd)
        return cls(launch=launch, proc=proc, info_r=info_r, block_w=block_w, gated=gated,
                   gate_w=gate_w)

    def release_to_gate(self) -> bool:
        """Let a gated bwrap go on to the gate (limits set first); True once it waits there."""
        try:
            if self.ready():
                os.write(self.block_w, b"1")
                assert self.proc.stdout is not None
                return _read_byte(self.proc.stdout.fileno()) == b"."
        except OSError:
            self.child = None
        finally:
            self._close_block()
        return False

    def ready(self) -> bool:
        """Wait for bwrap's child and set its limits (once); False when bwrap failed."""
        if not self.settled:
            self.settled = True
            try:
                self.child = _read_child_pid(self.info_r)
                if self.child is not None:
                    self.launch.limits.apply_to(self.child)
            except OSError:
                self.child = None
            if self.child is not None:
                # Opened while the child is held, so the pid cannot have been reused. Without
                # it (an old kernel) the run ends with the sweep by uid instead.
                with contextlib.suppress(OSError, AttributeError):
                    self.init_fd = os.pidfd_open(self.child)
        return self.child is not None

    def go(self) -> Self:
        """Let the program start; on failure bwrap's stderr says why and nothing ran."""
        try:
            if self.ready():
                os.write(self.gate_w if self.gated else self.block_w, b"\n")
        except OSError:
            self.child = None
        finally:
            self._close()
        if self.child is None:
            _kill_group(self.proc.pid)
        return self

    def namespace_gone(self, timeout: float) -> bool:
        """Wait until the namespace's init has exited, which means every process in it is gone.

        bwrap itself reports the program's exit as soon as the program ends; its init then
        kills the rest of the namespace, and the kernel completes the init's exit only after
        all of them are reaped, so a readable pidfd of the init proves the namespace is empty.
        """
        if self.init_fd < 0:
            return False
        poller = select.poll()
        poller.register(self.init_fd, select.POLLIN)
        return bool(poller.poll(timeout * 1000))

    def close_init(self) -> None:
        """Release the init's pidfd."""
        if self.init_fd >= 0:
            os.close(self.init_fd)
            self.init_fd = -1

    def discard(self) -> None:
        """Kill it unstarted (the block pipe stays open until it is dead) and reap it.

        A gated program's shell already runs as the session uid, so this also waits until the
        namespace is empty: nothing of the session outlives the discard.
        """
        if self.child is not None:
            with contextlib.suppress(OSError):
                os.kill(self.child, signal.SIGKILL)
        _kill_group(self.proc.pid)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.namespace_gone(2.0)
        self._close()
        self.close_init()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def _close(self) -> None:
        self._close_block()
        if self.gate_w >= 0:
            with contextlib.suppress(OSError):
                os.close(self.gate_w)
            self.gate_w = -1

    def _close_block(self) -> None:
        for fd in (self.info_r, self.block_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.info_r = self.block_w = -1


# The gate of a pre-started program: it writes one byte to stdout, which is read off before
# the program can write anything (so settling waits until the gate is reached), and starts the
# program on one line from stdin; end of file (the session closed, the sandbox discarded) ends
# it without running anything.
_GATE = ("/bin/sh", "-c", 'printf . && read -r _ && exec "$@" </dev/null; exit 125', "sh")


def _read_byte(fd: int, timeout: float = 10.0) -> bytes:
    """One byte from `fd`, or b"" at end of file or after `timeout` seconds."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return os.read(fd, 1) if poller.poll(timeout * 1000) else b""


def _read_child_pid(fd: int, timeout: float = 10.0) -> int | None:
    """The host pid of bwrap's child, from the JSON bwrap writes to `--info-fd`."""
    data = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
            with contextlib.suppress(ValueError):
                pid = json.loads(data).get("child-pid")
                return int(pid) if pid else None
    return None


# ---------------------------------------------------------------------------------------------
# Supervision


@dataclass
class _Outcome:
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    reason: StopReason | None = None
    status: int | None = None
    rusage: resource.struct_rusage | None = None
    duration_s: float = 0.0
    killed_at: float | None = None


@cache
def _prestarter() -> ThreadPoolExecutor:
    """The one thread that pre-starts sandboxes; it lives as long as the process.

    bwrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that spawned
    it exits, so a short-lived thread would kill its pre-started sandbox.
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-prestart")


def _prestart(launch: Launch) -> HeldLaunch | None:
    try:
        held = HeldLaunch.start(launch, gated=True)
    except (OSError, ValueError):
        return None
    if not held.release_to_gate():  # e.g. no /bin/sh: the next run just starts cold
        held.discard()
        return None
    return held


def _run_stem(run: int) -> str:
    """Workspace path, without extension, of run `run`'s program (a hyphen: not importable)."""
    return f".webnova/run-{run}"


def _ended_by_itself(out: _Outcome | None) -> bool:
    """A run that exited without being killed (after a kill, the sweep by uid runs)."""
    return out is not None and out.status is not None and out.killed_at is None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# World-writable host directories a program can reach without bubblewrap: what it leaves there
# counts against its disk quota and is deleted with the session.
SHARED_TMP_DIRS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))


def litter(uid: int) -> list[Path]:
    """Entries directly under the shared temporary directories that belong to `uid`."""
    found: list[Path] = []
    for directory in SHARED_TMP_DIRS:
        with contextlib.suppress(OSError), os.scandir(directory) as it:
            for entry in it:
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid == uid:
                        found.append(Path(entry.path))
    return found


def remove_litter(uid: int) -> None:
    """Delete what `uid` left in the shared temporary directories."""
    for path in litter(uid):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def tree_usage(path: Path, limit_entries: int = _MAX_WORKSPACE_ENTRIES) -> tuple[int, int]:
    """Bytes allocated and entries under `path`, without following symlinks."""
    used, entries = 0, 0
    stack = [path]
    while stack and entries <= limit_entries:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as it:
            for entry in it:
                entries += 1
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    used += info.st_blocks * 512
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(Path(entry.path))
    return used, entries


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _open_pipes(sel: selectors.BaseSelector) -> bool:
    return any(key.data != "exit" for key in sel.get_map().values())


class Supervisor:
    """Runs one process to completion under wall-clock, output and disk limits."""

    def __init__(self, limits: SandboxLimits, workspace: Path, on_kill: Callable[[], None],
                 litter_uid: int | None = None) -> None:
        self._limits = limits
        self._workspace = workspace
        self._on_kill = on_kill
        self._litter_uid = litter_uid

    def run(self, proc: subprocess.Popen[bytes], timeout: float) -> _Outcome:
        """Read output until the process and its pipes are done; kill on any limit."""
        out = _Outcome()
        start = time.monotonic()
        deadline = start + timeout
        exited_at: float | None = None
        next_disk = start + 0.2
        sel = selectors.DefaultSelector()
        assert proc.stdout is not None
        assert proc.stderr is not None
        sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
        sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
        exit_fd = _pidfd(proc.pid)
        if exit_fd is not None:
            sel.register(exit_fd, selectors.EVENT_READ, "exit")  # readable once the child exits
        try:
            while _open_pipes(sel) or exited_at is None:
                now = time.monotonic()
                if exited_at is None and self._reap(proc, out):
                    exited_at = now
                    if exit_fd is not None:
                        sel.unregister(exit_fd)
                    continue
                if exited_at is not None and now - exited_at > 0.5:
                    self._kill(proc, out, None)  # a daemon kept the pipes open after the exit
                    break
                if out.reason is None and exited_at is None and now >= deadline:
                    self._kill(proc, out, "timeout")
                elif out.reason is None and exited_at is None and now >= next_disk:
                    next_disk = now + 0.2
                    self._check_disk(proc, out)
                if out.killed_at is not None and now - out.killed_at > 2.0:
                    break  # killed, yet something still holds the pipes: stop waiting
                wait = self._limits.poll_interval_s if out.reason else min(
                    self._limits.poll_interval_s, max(0.0, deadline - now))
                if exit_fd is None and not _open_pipes(sel):
                    wait = min(wait, 0.002)  # nothing to wake us when the child exits
                for key, _mask in sel.select(timeout=wait):
                    if key.data != "exit":  # the exit event only wakes us; reaping is above
                        self._read(key, sel, proc, out)
        finally:
            sel.close()
            if exit_fd is not None:
                os.close(exit_fd)
            if out.status is None:
                self._kill(proc, out, out.reason)
                self._reap(proc, out, block=True)
            out.duration_s = time.monotonic() - start
        return out

    def _read(self, key: selectors.SelectorKey, sel: selectors.BaseSelector,
              proc: subprocess.Popen[bytes], out: _Outcome) -> None:
        data = os.read(key.fd, 65536)
        if not data:
            sel.unregister(key.fileobj)
            return
        name = str(key.data)
        buf: bytearray = getattr(out, name)
        room = self._limits.max_output_bytes - len(buf)
        buf += data[: max(room, 0)]
        if len(data) > room:
            setattr(out, f"{name}_truncated", True)
            if out.reason is None:
                self._kill(proc, out, "output_limit")
            sel.unregister(key.fileobj)

    def _check_disk(self, proc: subprocess.Popen[bytes], out: _Outcome) -> None:
        used, entries = tree_usage(self._workspace)
        if self._litter_uid is not None:
            for path in litter(self._litter_uid):
                more, count = tree_usage(path) if path.is_dir() else (
                    path.lstat().st_blocks * 512, 1)
                used, entries = used + more, entries + count
        if used > self._limits.max_disk_mb << 20 or entries > _MAX_WORKSPACE_ENTRIES:
            self._kill(proc, out, "disk_limit")

    def _kill(self, proc: subprocess.Popen[bytes], out: _Outcome, reason: StopReason | None
              ) -> None:
        if reason is not None and out.reason is None:
            out.reason = reason
        if out.killed_at is None:
            out.killed_at = time.monotonic()
        _kill_group(proc.pid)
        self._on_kill()

    @staticmethod
    def _reap(proc: subprocess.Popen[bytes], out: _Outcome, block: bool = False) -> bool:
        if out.status is not None:
            return True
        try:
            pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            return False
        out.status, out.rusage = status, usage
        # Popen did not reap it; tell it so it neither waits again nor warns.
        proc.returncode = os.waitstatus_to_exitcode(status)
        return True


def classify(out: _Outcome, level: LocalLevel, limits: SandboxLimits, cpu_limit: int,
             memory_mb: int) -> tuple[StopReason, int | None, int | None, str]:
    """Stop reason, exit code, signal and a translated sentence for one finished run."""
    code = None if out.status is None else os.waitstatus_to_exitcode(out.status)
    sig = -code if code is not None and code < 0 else None
    if sig is None and level == "bubblewrap" and code is not None and 128 < code <= 128 + 64:
        sig = code - 128  # bwrap reports a signalled child as 128 + signal
    cpu = _cpu_seconds(out)
    stderr = out.stderr.decode("utf-8", "replace")
    reason: StopReason = out.reason or "exited"
    if out.reason is None:
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu is not None
                                     and cpu >= cpu_limit - 0.05):
            reason = "cpu_limit"
        elif sig == signal.SIGXFSZ:
            reason = "file_size_limit"
        elif code not in (None, 0) and _MEMORY_ERRORS.search(stderr):
            reason = "memory_limit"
        elif code not in (None, 0) and _FSIZE_ERRORS.search(stderr):
            reason = "file_size_limit"
        elif _PROCESS_ERRORS.search(stderr) and (code != 0 or _FORK_FAILED.search(stderr)):
            reason = "process_limit"
        elif sig is not None:
            reason = "killed"
    return reason, code, sig, _detail(reason, code, sig, limits, cpu_limit, memory_mb)


def _cpu_seconds(out: _Outcome) -> float | None:
    if out.rusage is None:
        return None
    return round(out.rusage.ru_utime + out.rusage.ru_stime, 3)


def _detail(reason: StopReason, code: int | None, sig: int | None, limits: SandboxLimits,
            cpu_limit: int, memory_mb: int) -> str:
    messages: dict[StopReason, Callable[[], str]] = {
        "exited": lambda: _("The program exited with status {code}.").format(code=code),
        "timeout": lambda: _("Stopped at the wall-clock limit; every process of the run was "
                             "killed."),
        "cpu_limit": lambda: _("Stopped by the CPU limit of {seconds} s.").format(
            seconds=cpu_limit),
        "memory_limit": lambda: _("Stopped by the memory limit of {mb} MiB.").format(
            mb=memory_mb),
        "file_size_limit": lambda: _("Stopped by the file size limit of {mb} MiB.").format(
            mb=limits.max_file_mb),
        "disk_limit": lambda: _("Stopped: the workspace grew past its {mb} MiB quota.").format(
            mb=limits.max_disk_mb),
        "process_limit": lambda: _("Stopped by the limit of {count} processes.").format(
            count=limits.max_processes),
        "output_limit": lambda: _("Stopped: the output passed the {kib} KiB limit.").format(
            kib=limits.max_output_bytes // 1024),
        "killed": lambda: _("Killed by signal {signal}.").format(signal=sig),
        "blocked": lambda: _("Not run: the pre-scan blocked it."),
    }
    return messages[reason]()


# ---------------------------------------------------------------------------------------------
# Provider and session


class LocalSandbox:
    """The default sandbox provider: this host, isolated as far as the probe allows."""

    def __init__(self, limits: SandboxLimits | None = None, *,
                 report: IsolationReport | None = None, audit: AuditSink | None = None,
                 force_level: LocalLevel | None = None) -> None:
        self.limits = limits or SandboxLimits()
        if report is None:
            from webnova.adapters.sandbox.probe import probe_isolation

            report = probe_isolation()
        self._report = report
        self._audit = audit
        if force_level == "bubblewrap" and report.bwrap is None:
            raise SandboxError(_("bubblewrap is not available on this host."))
        self._mirrors: Mirrors | None = None
        level = force_level or report.level
        self.level: LocalLevel = "bubblewrap" if level == "bubblewrap" else "rlimits-only"

    def isolation_report(self) -> IsolationReport:
        """The probe's findings, with the level this provider actually uses."""
        return self._report.model_copy(update={"level": self.level,
                                               "network": self.network_level(True)})

    def network_level(self, requested: bool) -> NetworkLevel:
        """The network a session gets when it asks for `requested`; never more than proven."""
        if not requested:
            return "off"
        if self.limits.network_mode == "host":
            return "host"
        if self.level == "bubblewrap" and self._report.network == "registry":
            return "registry"
        return "off"  # registry-only networking needs a network namespace and the proxy

    def mirrors(self) -> Mirrors:
        """The host's pip mirrors made usable inside (empty unless `registry_mirrors`)."""
        if self._mirrors is None:
            self._mirrors = host_pip_mirrors() if self.limits.registry_mirrors else Mirrors()
        return self._mirrors

    def allowlist(self) -> Allowlist:
        """Registry hosts plus the hosts of http(s) pip mirrors."""
        return Allowlist.parse([*self.limits.registry_hosts, *self.mirrors().hosts])

    def create(self, *, timeout: float | None = None, envs: Mapping[str, str] | None = None,
               network: bool = False, workspace: Path | None = None) -> LocalSession:
        """Open a session; `workspace` binds an existing project directory instead of a new one."""
        lifetime = self.limits.session_timeout_s if timeout is None else timeout
        if not isinstance(lifetime, int | float) or lifetime <= 0:
            raise InvalidInput(_("The timeout must be a positive number of seconds."))
        return LocalSession(self, lifetime=float(lifetime), envs=validate_envs(envs),
                            network=bool(network), project=workspace)

    @property
    def bwrap(self) -> str | None:
        """Path of the bwrap binary the probe found."""
        return self._report.bwrap

    @property
    def audit(self) -> AuditSink | None:
        """Where pre-scan blocks and overrides are recorded."""
        return self._audit


@dataclass
class _Resources:
    """What a session must give back, even if its owner forgets to close it."""

    workspace: Path
    temporary: bool
    lease: UidLease | None
    etc_dir: Path | None
    tmp_dir: Path
    proxy: RegistryProxy | None = None
    warm: Future[HeldLaunch | None] | None = None
    closed: bool = False

    def settle(self) -> None:
        """Wait for a pre-start in progress (the pre-started sandbox is kept)."""
        if self.warm is not None:
            wait([self.warm])

    def take_warm(self) -> HeldLaunch | None:
        """The pre-started sandbox for the next run, if any (waits for it to be started)."""
        future, self.warm = self.warm, None
        if future is None or future.exception() is not None:
            return None  # a failed pre-start only means a cold start
        return future.result()

    def prewarm(self, launch: Launch) -> None:
        """Start `launch` held at its block pipe in the background, for the next run."""
        if self.closed:
            return
        self.warm = _prestarter().submit(_prestart, launch)
        if self.closed:  # closed meanwhile from another thread: do not leave it behind
            held = self.take_warm()
            if held is not None:
                held.discard()

    def release(self) -> None:
        if self.closed:
            return
        self.closed = True
        held = self.take_warm()
        if held is not None:
            held.discard()
        if self.proxy is not None:
            self.proxy.close()
            shutil.rmtree(self.proxy.directory, ignore_errors=True)
        if self.lease is not None:
            kill_uid(self.lease.uid)
            remove_litter(self.lease.uid)
            self.lease.release()
        if self.temporary:
            shutil.rmtree(self.workspace, ignore_errors=True)
        if self.etc_dir is not None:
            shutil.rmtree(self.etc_dir, ignore_errors=True)
        if not self.tmp_dir.is_relative_to(self.workspace):
            shutil.rmtree(self.tmp_dir, ignore_errors=True)


class LocalSession:
    """One workspace, one identity and a lifetime; runs are serialised."""

    def __init__(self, provider: LocalSandbox, *, lifetime: float, envs: dict[str, str],
                 network: bool, project: Path | None) -> None:
        self._provider = provider
        self._limits = provider.limits
        self._envs = envs
        self._net: NetworkLevel = provider.network_level(network)
        self._expires = time.monotonic() + lifetime
        self._lock = threading.Lock()
        self._runs = 0
        self._plans: dict[str, RunPlan] = {}
        self.id = secrets.token_hex(8)
        root = workspace_root(self._limits)
        lease = lease_uid(self._limits, project_gid(self._limits, project) if project else None)
        try:
            if project is None:
                workspace = Path(tempfile.mkdtemp(prefix="ws-", dir=root))
                if lease is not None:
                    os.chown(workspace, lease.uid, lease.gid)
                    # o+x only: bwrap's capability-less child must be able to chdir into it.
                    workspace.chmod(0o711)
            else:
                workspace = prepare_project(project, lease,
                                             bubblewrap=provider.level == "bubblewrap")
            etc_dir = (_session_etc(root, self.id, lease) if provider.level == "bubblewrap"
                       else None)
            tmp_dir = _session_tmp(root, workspace, self.id, lease, temporary=project is None,
                                   bubblewrap=provider.level == "bubblewrap")
        except BaseException:
            if lease is not None:
                lease.release()
            raise
        self._res = _Resources(workspace=workspace, temporary=project is None, lease=lease,
                               etc_dir=etc_dir, tmp_dir=tmp_dir)
        if self._net == "registry":
            self._res.proxy = RegistryProxy(
                root / ".net" / self.id, provider.allowlist(), label=self.id,
                connect_timeout_s=self._limits.proxy_connect_timeout_s)
        self._finalizer = weakref.finalize(self, self._res.release)
        if lease is not None and provider.level == "rlimits-only":
            kill_uid(lease.uid)  # leftovers of a crashed run that had this uid

    # -- properties ----------------------------------------------------------------------

    @property
    def isolation(self) -> LocalLevel:
        """The level every run of this session uses."""
        return self._provider.level

    @property
    def workspace(self) -> Path:
        """The workspace directory on the host."""
        return self._res.workspace

    def settle(self) -> None:
        """Wait until background work for the next run (pre-starting its sandbox) is done.

        Benchmarks call it so that work does not compete with what they time next.
        """
        self._res.settle()

    @property
    def network(self) -> NetworkLevel:
        """The network every run of this session has."""
        return self._net

    @property
    def uid(self) -> int | None:
        """The session's uid, or None when runs keep WebNova's uid."""
        return self._res.lease.uid if self._res.lease else None

    # -- running -------------------------------------------------------------------------

    def run_code(self, code: str, language: str, *, timeout: float | None = None,
                 override: PrescanOverride | None = None) -> ExecResult:
        """Write `code` into the workspace and run it; the pre-scan may refuse it first."""
        self._check_open()
        code = validate_code(code, self._limits)
        plan = self._plan(language)
        wall = validate_timeout(timeout, self._limits)
        verdict = screen(code, plan.language, block=self._limits.prescan_block,
                         override=override, audit=self._provider.audit,
                         target=f"sandbox:{self.id}")
        if verdict.blocked:
            return self._blocked(verdict, plan.language)
        with self._lock:
            self._runs += 1
            # Flat files (no directory per run): one file creation is the only disk work.
            stem = _run_stem(self._runs)
            src = f"{stem}.{EXTENSIONS[plan.language]}"
            argv = plan.command(self._inside(src), self._inside(f"{stem}.bin"))
            return self._execute(argv, ".", wall, plan, verdict, repeat=self._runs > 1,
                                 prepare=lambda: self._write(src, code.encode("utf-8")))

    def _plan(self, language: str) -> RunPlan:
        """The run plan of a language, found once per session (a missing tool is not cached)."""
        plan = self._plans.get(language) if isinstance(language, str) else None
        if plan is None:
            lease = self._res.lease
            plan = resolve(language, limits=self._limits, uid=lease.uid if lease else None,
                           gid=lease.gid if lease else None,
                           can_bind=self.isolation == "bubblewrap")
            self._plans[language] = plan
        return plan

    def run_command(self, command: str | Sequence[str], *, cwd: str = ".",
                    timeout: float | None = None,
                    override: PrescanOverride | None = None) -> ExecResult:
        """Run a command line through bash, or an argv directly, inside the sandbox."""
        self._check_open()
        if isinstance(command, str):
            text = validate_code(command, self._limits)
            argv = ["/bin/bash", "--noprofile", "--norc", "-c", text]
        else:
            argv = [str(a) for a in command]
            if not argv or any("\x00" in a for a in argv) or not argv[0]:
                raise InvalidInput(_("The command is empty or contains binary data."))
            text = validate_code(shlex.join(argv), self._limits)
        rel_cwd = confine(cwd, INSIDE_ROOT)
        if not (self.workspace / rel_cwd).is_dir():
            raise FileMissing(_("The directory {path} does not exist.").format(path=cwd))
        wall = validate_timeout(timeout, self._limits)
        verdict = screen(text, "bash", block=self._limits.prescan_block, override=override,
                         audit=self._provider.audit, target=f"sandbox:{self.id}")
        if verdict.blocked:
            return self._blocked(verdict, None)
        plan = RunPlan("command", tuple(argv), memory_mb=self._limits.memory_mb + 1536)
        with self._lock:
            return self._execute(argv, rel_cwd, wall, plan, verdict)

    def _execute(self, argv: list[str], rel_cwd: str, wall: float, plan: RunPlan,
                 verdict: PrescanVerdict, *, repeat: bool = False,
                 prepare: Callable[[], None] | None = None) -> ExecResult:
        """Run one launch to its end.

        With `repeat` (a session running code again), the next run's sandbox is pre-started.
        `prepare` (writing the program) runs once the sandbox is spawned but before anything
        in it may start, so it overlaps with bwrap making its namespaces and mounts.
        """
        wall = min(wall, max(0.1, self._expires - time.monotonic()))
        cpu = self._limits.cpu_seconds + plan.extra_cpu_s
        launch = self._launch(argv, rel_cwd, plan, cpu)
        lease = self._res.lease
        def sweep() -> None:
            if lease is not None:
                kill_uid(lease.uid)

        try:
            held = self._spawn(launch)
        except OSError as exc:
            raise SandboxError(_("The sandbox could not start the program: {error}").format(
                error=exc.strerror or exc)) from exc
        if prepare is not None:
            try:
                prepare()
            except BaseException:
                if held is not None:
                    held.discard()
                raise
        try:
            proc = held.go().proc if held is not None else launch.popen()
        except OSError as exc:
            raise SandboxError(_("The sandbox could not start the program: {error}").format(
                error=exc.strerror or exc)) from exc
        out: _Outcome | None = None
        following: Launch | None = None
        try:
            # Only with a uid of our own: without one the process limit (counted from
            # WebNova's own processes) changes between runs, so a pre-started sandbox would
            # never match. Worked out while the program runs, not after it.
            if repeat and launch.hold and lease is not None and self._limits.prewarm:
                following = self._next_launch(argv, plan, cpu)
            degraded_uid = lease.uid if lease and self.isolation == "rlimits-only" else None
            out = Supervisor(self._limits, self.workspace, sweep, degraded_uid).run(proc, wall)
        finally:
            if not (_ended_by_itself(out) and held is not None and held.namespace_gone(2.0)):
                # A daemon that called setsid() is only found by its uid; after a kill the
                # namespace's processes may still be dying, and this waits until they are gone.
                sweep()
            if held is not None:
                held.close_init()
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
        if following is not None:
            self._res.prewarm(following)
        reason, code, sig, detail = classify(out, self.isolation, self._limits, cpu,
                                             plan.memory_mb)
        denied = tuple(self._res.proxy.take_denials()) if self._res.proxy else ()
        if denied:
            detail = f"{detail} " + _("The package proxy refused: {reasons}").format(
                reasons="; ".join(dict.fromkeys(denied)))
        usage = out.rusage
        return ExecResult(
            exit_code=code, stdout=out.stdout.decode("utf-8", "replace"),
            stderr=out.stderr.decode("utf-8", "replace"), timed_out=reason == "timeout",
            stop_reason=reason, detail=detail, isolation=self.isolation,
            duration_s=round(out.duration_s, 4),
            language=None if plan.language == "command" else plan.language, signal=sig,
            cpu_s=_cpu_seconds(out),
            peak_memory_mb=round(usage.ru_maxrss / 1024, 1) if usage else None,
            stdout_truncated=out.stdout_truncated, stderr_truncated=out.stderr_truncated,
            prescan=verdict if verdict.findings else None, network=self._net,
            network_denied=denied)

    def _spawn(self, launch: Launch) -> HeldLaunch | None:
        """A held bubblewrap launch, not started yet; None without bubblewrap (`popen` then).

        The pre-started sandbox is used when it was made for exactly this launch.
        """
        held = self._res.take_warm()
        if held is not None:
            if held.launch == launch and held.ready():
                return held
            held.discard()
        return HeldLaunch.start(launch) if launch.hold else None

    def _next_launch(self, argv: list[str], plan: RunPlan, cpu: int) -> Launch:
        """The launch the next `run_code` of the same language will ask for."""
        current = f"{INSIDE_ROOT}/{_run_stem(self._runs)}."
        following = f"{INSIDE_ROOT}/{_run_stem(self._runs + 1)}."
        return self._launch([a.replace(current, following) for a in argv], ".", plan, cpu)

    def _launch(self, argv: list[str], rel_cwd: str, plan: RunPlan, cpu: int) -> Launch:
        lease = self._res.lease
        bubblewrap = self.isolation == "bubblewrap"
        tmp = "/tmp" if bubblewrap else str(self._res.tmp_dir)
        # A project keeps its tree clean: caches and dotfiles go to the session's tmp.
        if self._res.temporary:
            home = INSIDE_ROOT if bubblewrap else str(self.workspace)
        else:
            home = tmp
        env = {"PATH": _PATH, "HOME": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "TMPDIR": tmp, "USER": "sandbox", "npm_config_cache": f"{tmp}/.npm",
               "PIP_CACHE_DIR": f"{tmp}/.pip", "PYTHONPYCACHEPREFIX": f"{tmp}/.pycache"}
        env.update(dict(plan.env))
        env.update(self._envs)
        processes: int | None = self._limits.max_processes
        if lease is None:
            # Without our own uid the limit counts every process of WebNova's user too.
            processes = (len(processes_of(os.getuid())) + self._limits.max_processes
                         if os.getuid() != 0 else None)
        limits = Rlimits(cpu_s=cpu, address_space_mb=plan.memory_mb, processes=processes,
                         file_mb=self._limits.max_file_mb, open_files=self._limits.max_open_files,
                         block_network=not bubblewrap and self._net != "host")
        uid, gid = (lease.uid, lease.gid) if lease else (None, None)
        umask = 0o002 if not self._res.temporary else 0o077
        if not bubblewrap:
            return Launch(argv=argv, env=env, cwd=str(self.workspace / rel_cwd), limits=limits,
                          uid=uid, gid=gid, umask=umask)
        return self._bwrap_launch(argv, rel_cwd, plan, env, limits, umask)

    def _bwrap_launch(self, argv: list[str], rel_cwd: str, plan: RunPlan, env: dict[str, str],
                      limits: Rlimits, umask: int) -> Launch:
        lease = self._res.lease
        bwrap = self._provider.bwrap
        assert bwrap is not None
        assert self._res.etc_dir is not None
        if self._net == "registry":
            argv = self._through_proxy(argv, env)
        args = [bwrap, *bwrap_namespaces(privileged=lease is not None, network=self._net == "host"),
                "--die-with-parent", "--new-session", *host_dirs(),
                "--ro-bind", str(_etc_base(workspace_root(self._limits))), "/etc"]
        for name in ("passwd", "group"):
            args += ["--ro-bind", str(self._res.etc_dir / name), f"/etc/{name}"]
        tmpfs_size = str(self._limits.tmp_size_mb << 20)
        args += ["--dev", "/dev", "--proc", "/proc",
                 "--perms", "01777", "--size", tmpfs_size, "--tmpfs", "/tmp",
                 "--perms", "01777", "--size", tmpfs_size, "--tmpfs", "/dev/shm"]
        made = set()
        if plan.binds:
            args += ["--perms", "0755", "--dir", "/opt"]
            made.add("/opt")
        for host, inside in plan.binds:
            args += ["--ro-bind", host, inside]
        if self._net == "registry":
            args += self._proxy_binds(made)
        args += ["--bind", str(self.workspace), INSIDE_ROOT]
        git_dir = self.workspace / ".git"
        if not self._res.temporary and git_dir.exists() and not git_dir.is_symlink():
            args += ["--ro-bind", str(git_dir), f"{INSIDE_ROOT}/.git"]
        args += ["--chdir", INSIDE_ROOT if rel_cwd == "." else f"{INSIDE_ROOT}/{rel_cwd}",
                 "--clearenv"]
        for name, value in env.items():
            args += ["--setenv", name, value]
        options_end = len(args)
        if lease is not None:
            # bwrap runs as root so it can bind anything; its child keeps only the capabilities
            # setpriv needs to become the session uid, and setpriv drops those for good.
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                     "--cap-add", "CAP_DAC_READ_SEARCH"]
            options_end = len(args)
            args += ["--", setpriv_path(), f"--reuid={lease.uid}", f"--regid={lease.gid}",
                     "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
        args += ["--"]
        program_at = len(args)
        args += argv
        # bwrap itself gets a minimal environment: caller variables such as LD_PRELOAD must
        # reach only the sandboxed program, never the launcher that sets up the namespaces.
        return Launch(argv=args, env={"PATH": _PATH}, cwd="/", limits=limits, uid=None, gid=None,
                      umask=umask, hold=True, options_end=options_end, program_at=program_at)

    def _through_proxy(self, argv: list[str], env: dict[str, str]) -> list[str]:
        """Start the registry proxy; the program starts behind the in-sandbox forwarder."""
        assert self._res.proxy is not None
        self._res.proxy.start()
        env.update(self._provider.mirrors().env)
        env.update(proxy_env(INSIDE_PROXY_PORT))
        return [SYSTEM_PYTHON, "-I", "-S", f"{INSIDE_NET_DIR}/{FORWARDER_NAME}",
                str(INSIDE_PROXY_PORT), f"{INSIDE_NET_DIR}/{SOCKET_NAME}", *argv]

    def _proxy_binds(self, made: set[str]) -> list[str]:
        """Binds for the proxy directory and local pip mirrors, with traversable parents.

        bwrap makes missing mount points under the run's umask (0o077 for a scratch session),
        which would hide them from the session uid, so parents get explicit 0755 directories.
        """
        assert self._res.proxy is not None
        args: list[str] = []
        for host, inside in ((str(self._res.proxy.directory), INSIDE_NET_DIR),
                             *((path, path) for path in self._provider.mirrors().binds)):
            for parent in reversed(Path(inside).parents[:-1]):
                if str(parent) not in made and not str(parent).startswith(("/usr", "/etc")):
                    made.add(str(parent))
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", host, inside]
        return args

    def _blocked(self, verdict: PrescanVerdict, language: str | None) -> ExecResult:
        return ExecResult(exit_code=None, stdout="", stderr="", stop_reason="blocked",
                          detail=_("Not run: the pre-scan blocked it."), isolation=self.isolation,
                          duration_s=0.0, language=language, prescan=verdict)

    # -- files -----------------------------------------------------------------------------

    def write_file(self, path: str, data: str | bytes) -> None:
        """Create or replace a workspace file (parents are created)."""
        self._check_open()
        payload = data.encode("utf-8") if isinstance(data, str) else data
        if not isinstance(payload, bytes):
            raise InvalidInput(_("File contents must be text or bytes."))
        if len(payload) > self._limits.max_file_mb << 20:
            raise InvalidInput(_("The file is larger than {mb} MiB.").format(
                mb=self._limits.max_file_mb))
        with self._lock:
            self._write(confine(path, INSIDE_ROOT), payload)

    def read_file(self, path: str) -> bytes:
        """Read a workspace file; a symlink is refused rather than followed."""
        self._check_open()
        target = self._host_path(path)
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            raise FileMissing(_("The file {path} does not exist.").format(path=path)) from None
        except OSError as exc:
            raise PathOutsideWorkspace(
                _("The path {path} is outside the workspace.").format(path=path)) from exc
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise InvalidInput(_("{path} is not a regular file.").format(path=path))
            if info.st_size > self._limits.max_file_mb << 20:
                raise InvalidInput(_("The file is larger than {mb} MiB.").format(
                    mb=self._limits.max_file_mb))
            return handle.read(self._limits.max_file_mb << 20)

    def list_files(self, path: str = ".") -> list[FileEntry]:
        """List one directory of the workspace (symlinks are reported, not followed)."""
        self._check_open()
        target = self._host_path(path)
        if target.is_symlink() or not target.is_dir():
            raise FileMissing(_("The directory {path} does not exist.").format(path=path))
        entries: list[FileEntry] = []
        with os.scandir(target) as it:
            for entry in sorted(it, key=lambda e: e.name):
                info = entry.stat(follow_symlinks=False)
                rel = os.path.relpath(entry.path, self.workspace)
                entries.append(FileEntry(name=entry.name, path=rel,
                                         is_dir=stat.S_ISDIR(info.st_mode),
                                         is_symlink=stat.S_ISLNK(info.st_mode),
                                         size=info.st_size))
        return entries

    def _host_path(self, path: str) -> Path:
        rel = confine(path, INSIDE_ROOT)
        if rel == ".":
            return self.workspace
        full = self.workspace / rel
        if not full.parent.resolve().is_relative_to(self.workspace.resolve()):
            raise PathOutsideWorkspace(
                _("The path {path} is outside the workspace.").format(path=path))
        return full

    def _write(self, rel: str, payload: bytes) -> None:
        lease = self._res.lease
        target = self._host_path(rel)
        for parent in reversed([p for p in target.relative_to(self.workspace).parents
                                if str(p) != "."]):
            directory = self.workspace / parent
            if directory.is_symlink():
                raise PathOutsideWorkspace(
                    _("The path {path} is outside the workspace.").format(path=rel))
            if not directory.exists():
                directory.mkdir(mode=0o775 if not self._res.temporary else 0o700)
                if lease is not None:
                    os.chown(directory, lease.uid, lease.gid)
        mode = 0o664 if not self._res.temporary else 0o600
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
                         | os.O_CLOEXEC, mode)
        except OSError as exc:
            raise PathOutsideWorkspace(
                _("The path {path} is outside the workspace.").format(path=rel)) from exc
        with os.fdopen(fd, "wb") as handle:
            if lease is not None:
                os.fchown(handle.fileno(), lease.uid, lease.gid)
            handle.write(payload)

    def _inside(self, rel: str) -> str:
        base = INSIDE_ROOT if self.isolation == "bubblewrap" else str(self.workspace)
        return f"{base}/{rel}"

    # -- lifecycle -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._res.closed:
            raise SandboxClosed(_("The sandbox session is closed."))
        if time.monotonic() > self._expires:
            self.close()
            raise SandboxClosed(_("The sandbox session outlived its lifetime and was closed."))

    def close(self) -> None:
        """Kill anything left, give the uid back and delete a temporary workspace."""
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _session_tmp(root: Path, workspace: Path, session_id: str, lease: UidLease | None, *,
                 temporary: bool, bubblewrap: bool) -> Path:
    """The session's TMPDIR without bubblewrap: inside a scratch workspace, beside a project."""
    directory = workspace / ".tmp" if temporary else root / f"tmp-{session_id}"
    if bubblewrap:
        return directory  # bubblewrap gives every run a private tmpfs instead
    directory.mkdir(mode=0o700, exist_ok=True)
    if lease is not None:
        os.chown(directory, lease.uid, lease.gid)
    return directory


_ETC_BASES: dict[Path, Path] = {}
_ETC_LOCK = threading.Lock()


def _etc_base(root: Path) -> Path:
    """This process's copy of the /etc entries programs need (built once, bound read-only).

    One directory bound once is several times cheaper per run than a bind per entry, and
    nothing else of the host's /etc (package-manager tokens, service configs) is copied.
    """
    with _ETC_LOCK:
        base = _ETC_BASES.get(root)
        if base is not None and base.is_dir():
            return base
        parent = root / ".etc"
        parent.mkdir(mode=0o711, exist_ok=True)
        for stale in parent.glob("base-*"):
            pid = stale.name.removeprefix("base-")
            if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
                shutil.rmtree(stale, ignore_errors=True)
        base = parent / f"base-{os.getpid()}"
        shutil.rmtree(base, ignore_errors=True)
        building = parent / f"building-{os.getpid()}-{secrets.token_hex(4)}"
        building.mkdir(mode=0o755)
        for name in _ETC_ENTRIES:
            _copy_public(Path("/etc") / name, building / name)
        for name in ("passwd", "group"):  # mount points for each session's own files
            (building / name).touch(mode=0o644)
        building.rename(base)
        _ETC_BASES[root] = base
        return base


def _session_etc(root: Path, session_id: str, lease: UidLease | None) -> Path:
    """The session's passwd and group (naming its uid), bound over the shared /etc copy."""
    directory = root / ".etc" / session_id
    directory.mkdir(mode=0o755, parents=True)
    if lease is not None:
        (directory / "passwd").write_text(
            "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"sandbox:x:{lease.uid}:{lease.gid}:sandbox:{INSIDE_ROOT}:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", encoding="utf-8")
        (directory / "group").write_text(
            f"root:x:0:\nsandbox:x:{lease.gid}:\nnogroup:x:65534:\n", encoding="utf-8")
    else:
        for name in ("passwd", "group"):
            _copy_public(Path("/etc") / name, directory / name)
    for name in ("passwd", "group"):
        (directory / name).touch()
        (directory / name).chmod(0o644)
    return directory


def _copy_public(source: Path, target: Path) -> None:
    """Copy a world-readable file, symlink or tree (skipping anything private inside it)."""
    try:
        info = source.lstat()
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode):
        target.symlink_to(source.readlink())
    elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IROTH:
        target.mkdir(mode=0o755)
        for child in sorted(source.iterdir()):
            _copy_public(child, target / child.name)
    elif stat.S_ISREG(info.st_mode) and info.st_mode & stat.S_IROTH and info.st_size < 4 << 20:
        shutil.copyfile(source, target)
        target.chmod(0o644)


def prepare_project(project: Path, lease: UidLease | None, *, bubblewrap: bool) -> Path:
    """Make an existing project writable by the sandbox group (setgid dirs, group rw files).

    Files keep their owner, so git and the rest of WebNova see no change of ownership.
    """
    real = project.resolve()
    if not real.is_dir():
        raise FileMissing(_("The directory {path} does not exist.").format(path=project))
    if lease is None:
        return real
    for path in _walk(real):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue
        mode = stat.S_IMODE(info.st_mode) | stat.S_IRGRP | stat.S_IWGRP
        if stat.S_ISDIR(info.st_mode):
            mode |= stat.S_IXGRP | stat.S_ISGID
        elif info.st_mode & stat.S_IXUSR:
            mode |= stat.S_IXGRP
        if info.st_gid != lease.gid:
            os.lchown(path, -1, lease.gid)
        if mode != stat.S_IMODE(info.st_mode):
            path.chmod(mode)
    if not bubblewrap and not reachable(real, lease.uid, lease.gid):
        raise SandboxError(
            _("The directory {path} is not reachable by the sandbox user (uid {uid}).").format(
                path=project, uid=lease.uid))
    return real


def _walk(root: Path) -> Iterator[Path]:
    yield root
    for directory, dirnames, filenames in os.walk(root):
        # .git stays WebNova's alone: a writable hooks directory would run code as WebNova.
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in (*dirnames, *filenames):
            yield Path(directory) / name

