"""The sandbox port: what the agents, the terminal and the CLI may ask of a code sandbox.

The shape follows E2B's (a session with a lifetime, environment and network switch; run code in a
language; run a command in a working directory; write, read and list files; close) so the local
implementation is a drop-in for the remote one. Results are data; bad input and unavailable
back-ends raise `SandboxError` subclasses whose message is already translated for the user.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field

from webnova.i18n import _

IsolationLevel = Literal["bubblewrap", "rlimits-only", "e2b"]
# What a session opened with network=True gets: "registry" = its own network namespace whose only
# way out is the allowlisting package-registry proxy; "host" = the host's network, unfiltered;
# "off" = no network at all (registry-only networking needs bubblewrap); "remote" = E2B's policy.
NetworkLevel = Literal["off", "registry", "host", "remote"]
DEFAULT_REGISTRY_HOSTS = ("registry.npmjs.org", "registry.yarnpkg.com", "pypi.org",
                          "files.pythonhosted.org")
StopReason = Literal[
    "exited",           # the program ended by itself; see exit_code
    "timeout",          # wall-clock limit reached, the whole process tree was killed
    "cpu_limit",        # RLIMIT_CPU (SIGXCPU / SIGKILL)
    "memory_limit",     # address-space limit: the runtime reported an allocation failure
    "file_size_limit",  # RLIMIT_FSIZE (SIGXFSZ / EFBIG)
    "disk_limit",       # the workspace grew past its quota; killed
    "process_limit",    # RLIMIT_NPROC: fork/spawn failed
    "output_limit",     # stdout or stderr passed the cap; killed
    "killed",           # ended by a signal nobody above explains
    "blocked",          # refused by the pre-scan; nothing ran
]
LANGUAGES: tuple[str, ...] = ("python", "node", "typescript", "bash", "php", "go", "rust")


@dataclass(frozen=True)
class SandboxLimits:
    """Every tunable of the sandbox, terminal and runtime; defaults suit a 2-core machine.

    The lead may lift any of these into `Settings` later; until then callers pass their own.
    """

    wall_timeout_s: float = 10.0
    max_wall_timeout_s: float = 300.0
    session_timeout_s: float = 300.0
    cpu_seconds: int = 10
    memory_mb: int = 512
    max_processes: int = 64
    max_file_mb: int = 16
    max_disk_mb: int = 256
    max_open_files: int = 256
    max_output_bytes: int = 1 << 20
    max_code_bytes: int = 256 << 10
    tmp_size_mb: int = 64
    # Each session runs as its own uid from this range when WebNova is root, so per-user limits
    # (RLIMIT_NPROC) are per job and a sweep can kill everything the job started.
    uid_base: int = 1_800_000_000
    uid_slots: int = 4096
    # Project workspaces are made writable for a group of their own, taken from the range just
    # below this id (so two projects' sandboxes never share write access to each other).
    shared_gid: int = 1_799_999_999
    workspace_root: Path | None = None
    prescan_block: bool = True
    poll_interval_s: float = 0.05
    token_ttl_s: int = 300
    terminal_timeout_s: float = 60.0
    terminal_output_bytes: int = 256 << 10
    runtime_health_timeout_s: float = 30.0
    runtime_stop_grace_s: float = 5.0
    # network=True sessions: "registry" allows only `registry_hosts` (and the hosts of the host's
    # pip mirrors when `registry_mirrors`) through a proxy; "host" gives the host's network.
    network_mode: Literal["registry", "host"] = "registry"
    registry_hosts: tuple[str, ...] = DEFAULT_REGISTRY_HOSTS
    registry_mirrors: bool = True
    proxy_connect_timeout_s: float = 10.0
    # A session that runs code again pre-starts the next run's sandbox (the same launch, so the
    # same isolation) and keeps bubblewrap's namespace and mount setup off the start-to-exit path.
    prewarm: bool = True


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Finding(_Model):
    """One suspicious construct the pre-scan found."""

    rule: str = Field(description="Stable rule id, e.g. 'fork-bomb.shell'.")
    category: Literal["fork_bomb", "destructive_fs", "network", "host_secrets", "crypto_mining",
                      "process_tampering", "obfuscation"]
    severity: Literal["high", "medium"] = Field(description="High findings block by default.")
    line: int = Field(ge=1)
    excerpt: str = Field(description="The matching source text, shortened.")
    reason: str = Field(description="Why it is dangerous, in the reader's language.")


class PrescanVerdict(_Model):
    """The pre-scan's judgement of one program."""

    language: str
    blocked: bool = Field(description="True when a high finding blocks the run (no override).")
    overridden: bool = False
    findings: tuple[Finding, ...] = ()

    @property
    def reasons(self) -> list[str]:
        """One line per finding, ready to show."""
        return [f"{f.line}: {f.reason} ({f.rule})" for f in self.findings]


class ExecResult(_Model):
    """What a run produced and why it ended."""

    exit_code: int | None = Field(description="None when nothing ran or no code is known.")
    stdout: str
    stderr: str
    timed_out: bool = False
    stop_reason: StopReason
    detail: str = Field(description="One sentence on how the run ended, translated.")
    isolation: IsolationLevel
    duration_s: float = Field(ge=0)
    language: str | None = None
    signal: int | None = None
    cpu_s: float | None = None
    peak_memory_mb: float | None = None
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    result: str | None = Field(default=None, description="Rich result text (E2B cells).")
    prescan: PrescanVerdict | None = None
    network: NetworkLevel | None = Field(default=None,
                                         description="The network the run had (None: unknown).")
    network_denied: tuple[str, ...] = Field(
        default=(), description="Translated reasons the registry proxy refused connections.")

    @property
    def ok(self) -> bool:
        """True when the program ran and exited with status 0."""
        return self.stop_reason == "exited" and self.exit_code == 0


class FileEntry(_Model):
    """One entry of a workspace directory listing."""

    name: str
    path: str = Field(description="Path relative to the workspace root.")
    is_dir: bool
    is_symlink: bool = False
    size: int = Field(ge=0)


class IsolationReport(_Model):
    """What the start-up probe found; shown by `webnova health` and attached to every result."""

    level: IsolationLevel
    latency_ms: float | None = Field(description="Start-to-exit of `true` at this level.")
    bare_latency_ms: float | None = None
    bwrap: str | None = None
    uid_separation: bool = Field(description="Runs drop to a per-session unprivileged uid.")
    network: NetworkLevel = Field(default="off",
                                  description="What a session opened with network=True gets.")
    features: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrescanOverride:
    """An owner's decision to run code the pre-scan blocked; always written to the audit log.

    The caller has already checked that `actor` holds `role`; the sandbox refuses roles other
    than the owners' and refuses any override it cannot audit.
    """

    actor: str
    role: str
    reason: str


class SandboxError(Exception):
    """A request the sandbox refuses or cannot serve; `str(exc)` is a translated sentence."""

    code = "sandbox_error"

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.detail = detail


class InvalidInput(SandboxError):
    """Empty, oversized or binary code, a bad environment variable, a bad timeout."""

    code = "invalid_input"


class UnsupportedLanguage(SandboxError):
    """A language WebNova does not run."""

    code = "unsupported_language"


class ToolchainMissing(SandboxError):
    """The language is supported but its toolchain is absent or unreachable by the sandbox."""

    code = "toolchain_missing"


class PathOutsideWorkspace(SandboxError):
    """A file path that leaves the workspace."""

    code = "path_outside_workspace"


class FileMissing(SandboxError):
    """A file or directory that does not exist in the workspace."""

    code = "file_missing"


class SandboxUnavailable(SandboxError):
    """The back-end cannot be reached (network, rate limit, service error)."""

    code = "sandbox_unavailable"


class SandboxAuthError(SandboxError):
    """The back-end refused the credentials."""

    code = "sandbox_auth"


class SandboxClosed(SandboxError):
    """The session was closed or outlived its lifetime."""

    code = "sandbox_closed"


class AuditSink(Protocol):
    """Where sandbox and terminal decisions go (the tenant's hash-chained audit log)."""

    def record(self, actor: str, action: str, target: str, detail: dict[str, Any]) -> object:
        """Append one entry."""


class SandboxSession(Protocol):
    """One live sandbox: a workspace, an environment and a lifetime."""

    @property
    def id(self) -> str:
        """Stable id of the session."""

    @property
    def isolation(self) -> IsolationLevel:
        """The isolation level every run of this session uses."""

    def run_code(self, code: str, language: str, *, timeout: float | None = None,
                 override: PrescanOverride | None = None) -> ExecResult:
        """Run a program written in `language`."""

    def run_command(self, command: str | Sequence[str], *, cwd: str = ".",
                    timeout: float | None = None,
                    override: PrescanOverride | None = None) -> ExecResult:
        """Run a shell command line (str) or an argv (sequence) in a workspace directory."""

    def write_file(self, path: str, data: str | bytes) -> None:
        """Create or replace a workspace file."""

    def read_file(self, path: str) -> bytes:
        """Read a workspace file."""

    def list_files(self, path: str = ".") -> list[FileEntry]:
        """List one workspace directory."""

    def close(self) -> None:
        """End the session and release everything it holds."""

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class Sandbox(Protocol):
    """A sandbox provider: makes sessions and says how isolated they are."""

    def create(self, *, timeout: float | None = None, envs: Mapping[str, str] | None = None,
               network: bool = False) -> SandboxSession:
        """Open a session that lives at most `timeout` seconds."""

    def isolation_report(self) -> IsolationReport:
        """The isolation this provider achieves on this host."""


def confine(path: str, root: str) -> str:
    """Normalize a workspace path to a relative POSIX path; refuse one that leaves `root`.

    Accepts paths relative to the workspace and absolute paths under `root` (the workspace's
    mount point as the sandboxed program sees it). Symlinks are checked by the implementation.
    """
    if not isinstance(path, str) or not path or "\x00" in path:
        raise PathOutsideWorkspace(_("The path is empty or not text."), path=repr(path))
    joined = posixpath.normpath(posixpath.join(root, path))
    if joined != root and not joined.startswith(root.rstrip("/") + "/"):
        raise PathOutsideWorkspace(
            _("The path {path} is outside the workspace.").format(path=path), path=path)
    rel = posixpath.relpath(joined, root)
    return "." if rel == "." else rel


def validate_code(code: object, limits: SandboxLimits) -> str:
    """Refuse empty, oversized or binary programs before anything runs."""
    if isinstance(code, bytes):
        try:
            code = code.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(_("The program is binary data, not UTF-8 text.")) from None
    if not isinstance(code, str):
        raise InvalidInput(_("The program must be text."))
    if not code.strip():
        raise InvalidInput(_("The program is empty."))
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > limits.max_code_bytes:
        raise InvalidInput(
            _("The program is {size} bytes; the limit is {limit} bytes.").format(
                size=size, limit=limits.max_code_bytes))
    if "\x00" in code or any(0xD800 <= ord(c) <= 0xDFFF for c in code):
        raise InvalidInput(_("The program is binary data, not UTF-8 text."))
    return code


def validate_envs(envs: Mapping[str, str] | None) -> dict[str, str]:
    """Check caller-supplied environment variables; WebNova's own never reach a sandbox."""
    clean: dict[str, str] = {}
    for name, value in (envs or {}).items():
        if (not isinstance(name, str) or not name.isidentifier() or not name.isascii()
                or name.upper().startswith("WEBNOVA_")):
            raise InvalidInput(
                _("The environment variable name {name} is not allowed.").format(name=name))
        if not isinstance(value, str) or "\x00" in value:
            raise InvalidInput(
                _("The environment variable {name} must be text.").format(name=name))
        clean[name] = value
    return clean


def validate_timeout(timeout: float | None, limits: SandboxLimits) -> float:
    """The run's wall-clock limit: the default when None, never above the maximum."""
    if timeout is None:
        return limits.wall_timeout_s
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout:
        raise InvalidInput(_("The timeout must be a positive number of seconds."))
    if timeout > limits.max_wall_timeout_s:
        raise InvalidInput(_("The timeout may not exceed {limit} seconds.").format(
            limit=limits.max_wall_timeout_s))
    return float(timeout)
