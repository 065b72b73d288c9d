"""The secure terminal: a project owner's allow-listed commands, run as argv inside the sandbox.

Layers: a short-lived HMAC-signed token issued only after the ownership check (re-checked on every
command); a raw-text refusal of shell metacharacters; `shlex` parsing into argv (never a shell);
an allow-list of command prefixes with per-command argument rules (paths stay in the project, no
`find -exec`, git read-only subcommands with hooks, pagers and external diff drivers disabled);
the pre-scan on inline code and scripts given to interpreters; and finally the sandbox itself,
with the project bound as the only writable directory and `.git` read-only. Every command,
accepted or refused, goes to the audit log. Failures come back as data (`TerminalResult`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import posixpath
import secrets
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from webnova.adapters.sandbox.port import AuditSink, ExecResult, SandboxError, SandboxLimits
from webnova.adapters.sandbox.prescan import scan
from webnova.i18n import _

ALLOWED_COMMANDS = frozenset({
    "ls", "pwd", "cat", "head", "tail", "echo", "grep", "find", "wc", "npm", "npx", "node",
    "yarn", "pnpm", "python", "python3", "pip", "pip3", "git", "clear", "help", "mkdir", "touch",
    "cp", "mv", "date", "whoami", "which",
})
GIT_SUBCOMMANDS = frozenset({"status", "log", "branch", "diff", "show"})
METACHARACTERS = frozenset(";|&`$(){}<>\n\r\x00")
NETWORK_COMMANDS = frozenset({"npm", "npx", "yarn", "pnpm", "pip", "pip3"})
_ALIASES = {"python": "python3", "pip": "pip3"}
_FIND_REFUSED = frozenset({"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint",
                           "-fprint0", "-fprintf", "-fls"})
# Options that write files, run configured programs or reach outside the repository.
_GIT_REFUSED = ("--output", "--ext-diff", "--textconv", "--exec-path", "--git-dir",
                "--work-tree", "--upload-pack", "--config-env", "-c", "--open-files-in-pager",
                "--no-index", "-O")
_GIT_HARDENING = ("--no-pager", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
                  "-c", "diff.external=", "-c", "core.pager=cat", "-c", "safe.directory=*")
_INTERPRETERS = {"python3": ("python", ("-c",)), "node": ("node", ("-e", "--eval", "-p",
                                                                      "--print"))}
_SCRIPT_LANG = {".py": "python", ".js": "node", ".mjs": "node", ".cjs": "node"}
_PATHLESS = frozenset({"echo", "date", "whoami", "which", "npm", "npx", "yarn", "pnpm", "pip3",
                       "git"})
_MAX_COMMAND = 4096
_TOKEN_CONTEXT = b"webnova-terminal-v1."

ErrorCode = Literal["invalid_token", "expired_token", "not_owner", "empty", "too_long",
                    "metacharacter", "unparsable", "not_allowed", "bad_argument",
                    "path_outside_project", "prescan", "not_installed", "sandbox"]


class TerminalResult(BaseModel):
    """The outcome of one terminal command (or why it was refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    command: str
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    truncated: bool = False
    duration_s: float = 0.0
    isolation: str | None = None
    error: str | None = None
    error_code: ErrorCode | None = None
    clear_screen: bool = False


class TokenGrant(BaseModel):
    """A terminal token, or why none was issued."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    token: str | None = None
    expires_at: float | None = None
    error: str | None = None
    error_code: ErrorCode | None = None


@dataclass(frozen=True)
class Claims:
    """Who may run commands in which project, until when."""

    tenant_id: str
    user_id: str
    project_id: str
    expires_at: float


class CommandRunner(Protocol):
    """Runs a validated argv in a project directory (the sandbox by default)."""

    def run(self, argv: Sequence[str], *, project_root: Path, cwd: str, timeout: float,
            network: bool) -> ExecResult:
        """Run `argv` with `cwd` relative to `project_root`."""


OwnsFn = Callable[[str, str, str], bool]
ProjectDirFn = Callable[[str, str], Path]


class _Refused(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code


class SandboxRunner:
    """Runs terminal commands in a LocalSandbox session bound to the project directory."""

    def __init__(self, limits: SandboxLimits | None = None, *,
                 force_level: Literal["bubblewrap", "rlimits-only"] | None = None) -> None:
        from webnova.adapters.sandbox.local import LocalSandbox

        base = limits or SandboxLimits()
        # The terminal applies its own checks; package managers need CPU, memory and tmp room.
        self._limits = replace(base, prescan_block=False,
                               max_output_bytes=base.terminal_output_bytes,
                               cpu_seconds=int(base.terminal_timeout_s),
                               memory_mb=max(base.memory_mb, 1024),
                               tmp_size_mb=max(base.tmp_size_mb, 512))
        self._sandbox = LocalSandbox(self._limits, force_level=force_level)

    def run(self, argv: Sequence[str], *, project_root: Path, cwd: str, timeout: float,
            network: bool) -> ExecResult:
        """Open a session on the project, run, close."""
        with self._sandbox.create(network=network, workspace=project_root,
                                  timeout=timeout + 30) as session:
            return session.run_command(list(argv), cwd=cwd, timeout=timeout)


class SecureTerminal:
    """Issues terminal tokens and runs the commands they authorise."""

    def __init__(self, *, key: bytes, owns: OwnsFn, project_dir: ProjectDirFn, audit: AuditSink,
                 runner: CommandRunner | None = None, limits: SandboxLimits | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if not isinstance(key, bytes) or len(key) < 32:
            raise ValueError("the terminal signing key must be at least 32 random bytes")
        self._key = key
        self._owns = owns
        self._project_dir = project_dir
        self._audit = audit
        self._limits = limits or SandboxLimits()
        self._runner = runner
        self._clock = clock

    # -- tokens ----------------------------------------------------------------------------

    def issue_token(self, tenant_id: str, user_id: str, project_id: str) -> TokenGrant:
        """A token for `user_id` on `project_id`, only when the user owns the project."""
        if not self._owns(tenant_id, user_id, project_id):
            self._audit.record(user_id, "terminal.token.refused", f"project:{project_id}",
                               {"tenant": tenant_id})
            return TokenGrant(ok=False, error_code="not_owner",
                              error=_("You do not own this project."))
        expires = int(self._clock()) + self._limits.token_ttl_s
        body = json.dumps({"t": tenant_id, "u": user_id, "p": project_id, "exp": expires,
                           "n": secrets.token_hex(8)}, separators=(",", ":")).encode("utf-8")
        payload = _b64(body)
        token = f"{payload}.{_b64(self._sign(payload))}"
        self._audit.record(user_id, "terminal.token.issued", f"project:{project_id}",
                           {"tenant": tenant_id, "expires_at": expires})
        return TokenGrant(ok=True, token=token, expires_at=float(expires))

    def verify(self, token: str) -> Claims:
        """The token's claims; raises `_Refused` for a forged, malformed or expired token."""
        if not isinstance(token, str) or token.count(".") != 1 or len(token) > 2048:
            raise _Refused("invalid_token", _("The terminal token is invalid."))
        payload, signature = token.split(".")
        try:
            expected = self._sign(payload)
            valid = hmac.compare_digest(_unb64(signature), expected)
            data = json.loads(_unb64(payload)) if valid else None
        except (ValueError, binascii.Error):
            valid, data = False, None
        if not valid or not isinstance(data, dict):
            raise _Refused("invalid_token", _("The terminal token is invalid."))
        try:
            claims = Claims(tenant_id=str(data["t"]), user_id=str(data["u"]),
                            project_id=str(data["p"]), expires_at=float(data["exp"]))
        except (KeyError, TypeError, ValueError):
            raise _Refused("invalid_token", _("The terminal token is invalid.")) from None
        if self._clock() >= claims.expires_at:
            raise _Refused("expired_token", _("The terminal token has expired; open the "
                                              "terminal again."))
        return claims

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._key, _TOKEN_CONTEXT + payload.encode("ascii"),
                        hashlib.sha256).digest()

    # -- commands --------------------------------------------------------------------------

    def execute(self, token: str, command: str, *, cwd: str = ".") -> TerminalResult:
        """Check the token and the command, audit it, run it; never raises for bad input."""
        text = command if isinstance(command, str) else repr(command)
        try:
            claims = self.verify(token)
        except _Refused as refused:
            self._audit.record("anonymous", "terminal.refused", "terminal",
                               {"command": text[:500], "reason": refused.code})
            return _refusal(text, refused)
        target = f"project:{claims.project_id}"
        try:
            if not self._owns(claims.tenant_id, claims.user_id, claims.project_id):
                raise _Refused("not_owner", _("You do not own this project."))
            root = self._project_dir(claims.tenant_id, claims.project_id).resolve()
            plan = self.parse(text, root, cwd)
        except _Refused as refused:
            self._audit.record(claims.user_id, "terminal.refused", target,
                               {"tenant": claims.tenant_id, "command": text[:500],
                                "reason": refused.code})
            return _refusal(text, refused)
        self._audit.record(claims.user_id, "terminal.command", target,
                           {"tenant": claims.tenant_id, "command": text, "argv": plan.argv,
                            "cwd": plan.cwd})
        if plan.builtin is not None:
            return plan.builtin
        return self._run(claims, text, plan, root, target)

    def _run(self, claims: Claims, text: str, plan: _Plan, root: Path,
             target: str) -> TerminalResult:
        runner = self._runner or SandboxRunner(self._limits)
        self._runner = runner
        try:
            result = runner.run(plan.argv, project_root=root, cwd=plan.cwd,
                                timeout=self._limits.terminal_timeout_s, network=plan.network)
        except SandboxError as exc:
            self._audit.record(claims.user_id, "terminal.result", target,
                               {"tenant": claims.tenant_id, "error": exc.code})
            return TerminalResult(ok=False, command=text, error=str(exc), error_code="sandbox")
        self._audit.record(claims.user_id, "terminal.result", target,
                           {"tenant": claims.tenant_id, "exit_code": result.exit_code,
                            "stop_reason": result.stop_reason, "duration_s": result.duration_s})
        return TerminalResult(
            ok=result.ok, command=text, exit_code=result.exit_code, stdout=result.stdout,
            stderr=result.stderr, timed_out=result.timed_out,
            truncated=result.stdout_truncated or result.stderr_truncated,
            duration_s=result.duration_s, isolation=result.isolation,
            error=None if result.ok else result.detail)

    def parse(self, command: str, root: Path, cwd: str = ".") -> _Plan:
        """Validate a command line into an argv; raises `_Refused` with the reason."""
        _check_text(command)
        try:
            argv = shlex.split(command, posix=True)
        except ValueError:
            raise _Refused("unparsable", _("The command could not be parsed (unbalanced "
                                            "quotes?).")) from None
        if not argv:
            raise _Refused("empty", _("The command is empty."))
        name = argv[0]
        if name not in ALLOWED_COMMANDS:
            raise _Refused("not_allowed", _("{command} is not an allowed command. Allowed: "
                                            "{allowed}.").format(
                command=name, allowed=", ".join(sorted(ALLOWED_COMMANDS))))
        rel_cwd = _inside(root, ".", cwd)
        if name in ("clear", "help"):
            return _Plan(argv=argv, cwd=rel_cwd, network=False, builtin=_builtin(command, name))
        name = _ALIASES.get(name, name)
        argv = [name, *argv[1:]]
        _check_arguments(argv, root, rel_cwd)
        if name == "git":
            argv = _harden_git(argv)
        _prescan_code(argv, root, rel_cwd)
        return _Plan(argv=argv, cwd=rel_cwd, network=name in NETWORK_COMMANDS)


@dataclass(frozen=True)
class _Plan:
    argv: list[str]
    cwd: str
    network: bool
    builtin: TerminalResult | None = None


def _check_text(command: str) -> None:
    if not command.strip():
        raise _Refused("empty", _("The command is empty."))
    if len(command) > _MAX_COMMAND:
        raise _Refused("too_long", _("The command is longer than {limit} characters.").format(
            limit=_MAX_COMMAND))
    found = sorted({c for c in command if c in METACHARACTERS})
    if found:
        shown = " ".join(repr(c)[1:-1] for c in found)
        raise _Refused("metacharacter", _("Shell metacharacters are not allowed: {chars}").format(
            chars=shown))


def _check_arguments(argv: list[str], root: Path, rel_cwd: str) -> None:
    name, args = argv[0], argv[1:]
    if name == "git":
        if not args or args[0] not in GIT_SUBCOMMANDS:
            raise _Refused("not_allowed", _("Only git {subcommands} are allowed.").format(
                subcommands=", ".join(sorted(GIT_SUBCOMMANDS))))
        for arg in args[1:]:
            if arg.startswith(_GIT_REFUSED):
                raise _Refused("bad_argument", _("The option {option} is not allowed.").format(
                    option=arg))
    if name == "find":
        refused = [a for a in args if a in _FIND_REFUSED]
        if refused:
            raise _Refused("bad_argument", _("The option {option} is not allowed.").format(
                option=refused[0]))
    if name == "date" and any(a in ("-s", "--set") or a.startswith("--set=") for a in args):
        raise _Refused("bad_argument", _("The option {option} is not allowed.").format(
            option="--set"))
    if name in _PATHLESS:
        return
    for arg in args:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if value.startswith("-") or not value:
            continue
        rel = _inside(root, rel_cwd, value)
        if name in ("cp", "mv", "touch", "mkdir") and (rel == ".git" or rel.startswith(".git/")):
            raise _Refused("path_outside_project", _("The .git directory cannot be changed "
                                                     "from the terminal."))


def _inside(root: Path, rel_cwd: str, value: str) -> str:
    """`value` as a project-relative path; absolute paths, `..` escapes and symlinks out refused."""
    outside = _Refused("path_outside_project",
                       _("The path {path} is outside the project.").format(path=value))
    if "\x00" in value or value.startswith(("/", "~")):
        raise outside
    joined = posixpath.normpath(posixpath.join(rel_cwd, value))
    if joined == ".." or joined.startswith("../"):
        raise outside
    try:
        real = (root / joined).resolve()
    except (OSError, RuntimeError):
        raise outside from None
    if not (real == root or real.is_relative_to(root)):
        raise outside
    return joined


def _harden_git(argv: list[str]) -> list[str]:
    sub, rest = argv[1], argv[2:]
    extra = ["--no-ext-diff", "--no-textconv"] if sub in ("log", "show", "diff") else []
    return ["git", *_GIT_HARDENING, sub, *extra, *rest]


def _prescan_code(argv: list[str], root: Path, rel_cwd: str) -> None:
    """Inline code and scripts given to an interpreter meet the same pre-scan as sandbox code."""
    spec = _INTERPRETERS.get(argv[0])
    if spec is None:
        return
    language, flags = spec
    sources: list[str] = []
    args = argv[1:]
    for index, arg in enumerate(args):
        if arg in flags and index + 1 < len(args):
            sources.append(args[index + 1])
            break
        if not arg.startswith("-"):
            script = root / rel_cwd / arg
            if script.suffix in _SCRIPT_LANG and script.is_file() and not script.is_symlink():
                sources.append(script.read_text(encoding="utf-8", errors="replace")[:1 << 20])
            break
    for source in sources:
        high = [f for f in scan(source, language).findings if f.severity == "high"]
        if high:
            raise _Refused("prescan", _("The code was refused by the pre-scan: {reasons}").format(
                reasons="; ".join(f"{f.reason} ({f.rule})" for f in high)))


def _builtin(command: str, name: str) -> TerminalResult:
    if name == "clear":
        return TerminalResult(ok=True, command=command, exit_code=0, clear_screen=True)
    text = _("Allowed commands: {commands}. git: {subcommands}. No pipes, redirection or "
             "variables.").format(commands=", ".join(sorted(ALLOWED_COMMANDS)),
                                  subcommands=", ".join(sorted(GIT_SUBCOMMANDS)))
    return TerminalResult(ok=True, command=command, exit_code=0, stdout=text + "\n")


def _refusal(command: str, refused: _Refused) -> TerminalResult:
    return TerminalResult(ok=False, command=command[:_MAX_COMMAND], error=str(refused),
                          error_code=refused.code)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                       for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
