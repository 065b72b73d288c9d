"""E2BSandbox: the same port over e2b-code-interpreter's Firecracker microVMs.

Chosen by `make_sandbox` only when an E2B key is configured. The SDK is reached through an
injectable factory (`Sandbox.create` by default) so tests fake it at this seam with the SDK's own
result and exception types. Every SDK or transport failure leaves as a translated `SandboxError`:
offline, a fake key surfaces as `httpx.ConnectError` rather than an e2b exception, so both are
mapped.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import httpx
from e2b.exceptions import (
    AuthenticationException,
    NotFoundException,
    RateLimitException,
    SandboxException,
    SandboxNotFoundException,
    TimeoutException,
)

from webnova.adapters.sandbox.languages import EXTENSIONS, normalize
from webnova.adapters.sandbox.netproxy import split_host_port
from webnova.adapters.sandbox.port import (
    AuditSink,
    ExecResult,
    FileEntry,
    FileMissing,
    InvalidInput,
    IsolationLevel,
    IsolationReport,
    PrescanOverride,
    PrescanVerdict,
    SandboxAuthError,
    SandboxClosed,
    SandboxError,
    SandboxLimits,
    SandboxUnavailable,
    ToolchainMissing,
    confine,
    validate_code,
    validate_envs,
    validate_timeout,
)
from webnova.adapters.sandbox.prescan import screen
from webnova.i18n import _

HOME = "/home/user"
# Languages the code interpreter runs natively, by its own names.
_KERNELS = {"python": "python", "node": "javascript", "typescript": "typescript", "bash": "bash"}
# Everything else is written to a file and run as a command, if the template has the tool.
_COMMANDS = {
    "php": ("php", "php {src}"),
    "go": ("go", "go run {src}"),
    "rust": ("rustc", "rustc --edition 2021 -o {bin} {src} && {bin}"),
}


def _default_factory() -> Callable[..., Any]:
    from e2b_code_interpreter import Sandbox

    return Sandbox.create  # type: ignore[no-any-return]


E2B_ALL_TRAFFIC = "0.0.0.0/0"  # e2b.sandbox.network.ALL_TRAFFIC


def registry_egress(hosts: Sequence[str]) -> dict[str, list[str]]:
    """E2B's egress policy for registry-only networking: the registry hosts, nothing else."""
    names: list[str] = []
    for host in hosts:
        parsed = split_host_port(host.strip())
        name = parsed[0] if parsed else host.strip().strip("[]")
        if name:
            names.append(name)
    return {"allow_out": list(dict.fromkeys(names)), "deny_out": [E2B_ALL_TRAFFIC]}


class E2BSandbox:
    """Sandbox provider backed by E2B."""

    def __init__(self, api_key: str, *, limits: SandboxLimits | None = None,
                 audit: AuditSink | None = None, template: str | None = None,
                 factory: Callable[..., Any] | None = None) -> None:
        if not api_key:
            raise ValueError("E2BSandbox needs an API key; use LocalSandbox without one")
        self._api_key = api_key
        self.limits = limits or SandboxLimits()
        self._audit = audit
        self._template = template
        self._factory = factory

    def isolation_report(self) -> IsolationReport:
        """E2B runs each session in its own microVM."""
        return IsolationReport(level="e2b", latency_ms=None, uid_separation=False, network="remote",
                               features=("microvm", "network-policy", "remote"))

    def create(self, *, timeout: float | None = None, envs: Mapping[str, str] | None = None,
               network: bool = False) -> E2BSession:
        """Start a remote sandbox that lives `timeout` seconds (E2B kills it afterwards)."""
        lifetime = self.limits.session_timeout_s if timeout is None else timeout
        if not isinstance(lifetime, int | float) or lifetime <= 0:
            raise InvalidInput(_("The timeout must be a positive number of seconds."))
        factory = self._factory or _default_factory()
        extra: dict[str, Any] = {}
        if network and self.limits.network_mode == "registry":
            extra["network"] = registry_egress(self.limits.registry_hosts)
        with translate_errors():
            sandbox = factory(template=self._template, timeout=max(1, int(lifetime)),
                              envs=validate_envs(envs), allow_internet_access=bool(network),
                              api_key=self._api_key, **extra)
        return E2BSession(sandbox, limits=self.limits, audit=self._audit)


class E2BSession:
    """One remote sandbox."""

    def __init__(self, sandbox: Any, *, limits: SandboxLimits, audit: AuditSink | None) -> None:
        self._sbx = sandbox
        self._limits = limits
        self._audit = audit
        self._closed = False
        self._runs = 0

    @property
    def id(self) -> str:
        """E2B's sandbox id."""
        return str(getattr(self._sbx, "sandbox_id", "e2b"))

    @property
    def isolation(self) -> IsolationLevel:
        """Always "e2b"."""
        return "e2b"

    def run_code(self, code: str, language: str, *, timeout: float | None = None,
                 override: PrescanOverride | None = None) -> ExecResult:
        """Run code in the interpreter kernel, or as a command for php, go and rust."""
        self._check_open()
        code = validate_code(code, self._limits)
        lang = normalize(language)
        wall = validate_timeout(timeout, self._limits)
        verdict = screen(code, lang, block=self._limits.prescan_block, override=override,
                         audit=self._audit, target=f"sandbox:{self.id}")
        if verdict.blocked:
            return _blocked(verdict, lang)
        if lang in _KERNELS:
            return self._run_cell(code, lang, wall, verdict)
        self._runs += 1
        rel = f".webnova/run-{self._runs}"
        self.write_file(f"{rel}/main.{EXTENSIONS[lang]}", code)
        tool, template = _COMMANDS[lang]
        line = template.format(src=shlex.quote(f"{HOME}/{rel}/main.{EXTENSIONS[lang]}"),
                               bin=shlex.quote(f"{HOME}/{rel}/main"))
        result = self._run_line(line, HOME, wall, verdict, lang)
        if result.exit_code == 127 and "not found" in result.stderr:
            raise ToolchainMissing(
                _("The {language} toolchain ({tool}) is not installed in the E2B template.").format(
                    language=lang, tool=tool), language=lang, tool=tool)
        return result

    def _run_cell(self, code: str, lang: str, wall: float, verdict: PrescanVerdict) -> ExecResult:
        start = time.monotonic()
        try:
            with translate_errors(run=True):
                execution = self._sbx.run_code(code, language=_KERNELS[lang], timeout=wall)
        except _RunTimedOut:
            return _timed_out(time.monotonic() - start, lang, verdict)
        stdout, stdout_cut = _cap("".join(execution.logs.stdout), self._limits)
        stderr = "".join(execution.logs.stderr)
        error = execution.error
        if error is not None:
            stderr += error.traceback or f"{error.name}: {error.value}"
        stderr, stderr_cut = _cap(stderr, self._limits)
        code_ = 1 if error is not None else 0
        return ExecResult(
            exit_code=code_, stdout=stdout, stderr=stderr, stop_reason="exited",
            detail=_("The program exited with status {code}.").format(code=code_),
            isolation="e2b", duration_s=round(time.monotonic() - start, 4), language=lang,
            stdout_truncated=stdout_cut, stderr_truncated=stderr_cut, result=execution.text,
            prescan=verdict if verdict.findings else None)

    def run_command(self, command: str | Sequence[str], *, cwd: str = ".",
                    timeout: float | None = None,
                    override: PrescanOverride | None = None) -> ExecResult:
        """Run a shell command line (or an argv, quoted for the shell) in a directory."""
        self._check_open()
        line = command if isinstance(command, str) else shlex.join(str(a) for a in command)
        line = validate_code(line, self._limits)
        wall = validate_timeout(timeout, self._limits)
        directory = f"{HOME}/{confine(cwd, HOME)}".removesuffix("/.")
        verdict = screen(line, "bash", block=self._limits.prescan_block, override=override,
                         audit=self._audit, target=f"sandbox:{self.id}")
        if verdict.blocked:
            return _blocked(verdict, None)
        return self._run_line(line, directory, wall, verdict, None)

    def _run_line(self, line: str, cwd: str, wall: float, verdict: PrescanVerdict,
                  lang: str | None) -> ExecResult:
        from e2b.sandbox.commands.command_handle import CommandExitException

        start = time.monotonic()
        try:
            with translate_errors(run=True):
                try:
                    done = self._sbx.commands.run(line, cwd=cwd, timeout=wall)
                except CommandExitException as failed:
                    done = failed  # a non-zero exit is a result, not an error
        except _RunTimedOut:
            return _timed_out(time.monotonic() - start, lang, verdict)
        stdout, stdout_cut = _cap(done.stdout or "", self._limits)
        stderr, stderr_cut = _cap(done.stderr or "", self._limits)
        return ExecResult(
            exit_code=done.exit_code, stdout=stdout, stderr=stderr, stop_reason="exited",
            detail=_("The program exited with status {code}.").format(code=done.exit_code),
            isolation="e2b", duration_s=round(time.monotonic() - start, 4), language=lang,
            stdout_truncated=stdout_cut, stderr_truncated=stderr_cut,
            prescan=verdict if verdict.findings else None)

    def write_file(self, path: str, data: str | bytes) -> None:
        """Write a file under /home/user."""
        self._check_open()
        with translate_errors():
            self._sbx.files.write(f"{HOME}/{confine(path, HOME)}", data)

    def read_file(self, path: str) -> bytes:
        """Read a file under /home/user."""
        self._check_open()
        with translate_errors():
            data = self._sbx.files.read(f"{HOME}/{confine(path, HOME)}", format="bytes")
        return bytes(data)

    def list_files(self, path: str = ".") -> list[FileEntry]:
        """List one directory under /home/user."""
        self._check_open()
        with translate_errors():
            entries = self._sbx.files.list(f"{HOME}/{confine(path, HOME)}".removesuffix("/."))
        return [FileEntry(name=e.name, path=confine(e.path, HOME),
                          is_dir=getattr(e.type, "value", e.type) == "dir",
                          is_symlink=getattr(e.type, "value", e.type) == "symlink"
                          or bool(getattr(e, "symlink_target", None)),
                          size=max(0, int(e.size))) for e in entries]

    def close(self) -> None:
        """Kill the remote sandbox (a sandbox that is already gone is fine)."""
        if self._closed:
            return
        self._closed = True
        try:
            with translate_errors():
                self._sbx.kill()
        except (SandboxClosed, SandboxUnavailable):
            pass

    def _check_open(self) -> None:
        if self._closed:
            raise SandboxClosed(_("The sandbox session is closed."))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class _RunTimedOut(Exception):
    """Internal: the SDK reported a run timeout (a result, not an error)."""


@contextmanager
def translate_errors(*, run: bool = False) -> Iterator[None]:
    """Map SDK and transport exceptions to `SandboxError`s the user can act on."""
    try:
        yield
    except SandboxError:
        raise
    except AuthenticationException as exc:
        raise SandboxAuthError(_("E2B refused the API key; check WEBNOVA_E2B_API_KEY.")) from exc
    except httpx.TransportError as exc:
        raise SandboxUnavailable(_("E2B cannot be reached ({error}); check the network.").format(
            error=type(exc).__name__)) from exc
    except RateLimitException as exc:
        raise SandboxUnavailable(_("E2B's rate limit was reached; try again later.")) from exc
    except SandboxNotFoundException as exc:
        raise SandboxClosed(_("The E2B sandbox no longer exists (it timed out or was killed).")
                            ) from exc
    except NotFoundException as exc:
        raise FileMissing(_("E2B: {error}").format(error=_first_line(exc))) from exc
    except TimeoutException as exc:
        if run:
            raise _RunTimedOut from exc
        raise SandboxUnavailable(_("E2B did not answer in time: {error}").format(
            error=_first_line(exc))) from exc
    except SandboxException as exc:
        raise SandboxUnavailable(_("E2B failed: {error}").format(error=_first_line(exc))) from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def _cap(text: str, limits: SandboxLimits) -> tuple[str, bool]:
    raw = text.encode("utf-8", "replace")
    if len(raw) <= limits.max_output_bytes:
        return text, False
    return raw[: limits.max_output_bytes].decode("utf-8", "ignore"), True


def _timed_out(duration: float, lang: str | None, verdict: PrescanVerdict) -> ExecResult:
    return ExecResult(exit_code=None, stdout="", stderr="", timed_out=True, stop_reason="timeout",
                      detail=_("Stopped at the wall-clock limit; every process of the run was "
                               "killed."), isolation="e2b", duration_s=round(duration, 4),
                      language=lang, prescan=verdict if verdict.findings else None)


def _blocked(verdict: PrescanVerdict, lang: str | None) -> ExecResult:
    return ExecResult(exit_code=None, stdout="", stderr="", stop_reason="blocked",
                      detail=_("Not run: the pre-scan blocked it."), isolation="e2b",
                      duration_s=0.0, language=lang, prescan=verdict)
