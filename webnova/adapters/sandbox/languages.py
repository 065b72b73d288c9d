"""The languages the sandbox runs and how each toolchain is found, reached and invoked.

A toolchain must be reachable by the unprivileged sandbox user: system interpreters under /usr are;
a toolchain in a private directory (rustup under /root) is bound into the sandbox read-only through
an open file descriptor when bubblewrap is in use, and is reported as unreachable otherwise.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from webnova.adapters.sandbox.port import (
    LANGUAGES,
    SandboxLimits,
    ToolchainMissing,
    UnsupportedLanguage,
)
from webnova.i18n import _

ALIASES: dict[str, str] = {
    "python": "python", "python3": "python", "py": "python",
    "node": "node", "nodejs": "node", "javascript": "node", "js": "node",
    "typescript": "typescript", "ts": "typescript",
    "bash": "bash", "sh": "bash", "shell": "bash",
    "php": "php",
    "go": "go", "golang": "go",
    "rust": "rust", "rs": "rust",
}
EXTENSIONS: dict[str, str] = {"python": "py", "node": "js", "typescript": "ts", "bash": "sh",
                              "php": "php", "go": "go", "rust": "rs"}
# Directories every sandbox sees (read-only); anything else must be bound explicitly.
SYSTEM_PREFIXES = ("/usr/", "/etc/")
# Binaries looked up in system directories first: the host PATH may start with shims
# (pyenv, nvm) under a private home that the sandbox user cannot enter.
_SYSTEM_BIN = ("/usr/local/bin", "/usr/bin", "/bin")
_TOOLCHAIN_MOUNT = "/opt"

_TS_LOADER = (
    "const ts=require(process.argv[1]);const fs=require('fs');const path=require('path');"
    "const Module=require('module');const f=path.resolve(process.argv[2]);"
    "const out=ts.transpileModule(fs.readFileSync(f,'utf8'),{fileName:f,compilerOptions:"
    "{module:ts.ModuleKind.CommonJS,target:ts.ScriptTarget.ES2020,esModuleInterop:true}});"
    "process.argv.splice(1,2,f);const m=new Module(f,null);m.filename=f;"
    "m.paths=Module._nodeModulePaths(path.dirname(f));m._compile(out.outputText,f);"
)


@dataclass(frozen=True)
class RunPlan:
    """How to run one program: argv inside the sandbox and the resources it needs.

    `argv` may contain `{src}` (the program file) and `{bin}` (a build output path).
    """

    language: str
    argv: tuple[str, ...]
    memory_mb: int
    extra_cpu_s: int = 0
    env: tuple[tuple[str, str], ...] = ()
    binds: tuple[tuple[str, str], ...] = field(default=())  # (host dir, sandbox dir), read-only

    def command(self, src: str, out: str) -> list[str]:
        """The argv with the program and output paths filled in."""
        return [a.replace("{src}", src).replace("{bin}", out) for a in self.argv]


def normalize(language: str) -> str:
    """Map a language name or alias to its canonical name; unknown names are an error."""
    key = language.strip().lower() if isinstance(language, str) else ""
    if key not in ALIASES:
        raise UnsupportedLanguage(
            _("The language {language} is not supported; use one of: {choices}.").format(
                language=language, choices=", ".join(LANGUAGES)), language=language)
    return ALIASES[key]


def find_binary(name: str) -> Path | None:
    """Locate a tool, preferring the system directories over the host PATH."""
    for directory in _SYSTEM_BIN:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def reachable(path: Path, uid: int | None, gid: int | None, below: Path | None = None) -> bool:
    """Whether `uid`/`gid` can reach and execute `path` (None means the current user).

    With `below`, only the components from that directory down are checked: it is bind-mounted
    into the sandbox, so its ancestors on the host do not matter.
    """
    if uid is None:
        return os.access(path, os.X_OK)
    try:
        real = path.resolve(strict=True)
    except OSError:
        return False
    parts = [*reversed(real.parents), real]
    if below is not None:
        parts = [p for p in parts if p == below or below in p.parents]
    for part in parts:
        info = part.stat()
        if info.st_uid == uid:
            bit = stat.S_IXUSR
        elif info.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def is_system(path: Path) -> bool:
    """Whether every sandbox sees `path` at the same place (/usr and /etc are always bound)."""
    text = str(path)
    return text in ("/usr", "/etc") or text.startswith(SYSTEM_PREFIXES)


def resolve(language: str, *, limits: SandboxLimits, uid: int | None, gid: int | None,
            can_bind: bool) -> RunPlan:
    """The run plan for `language` on this host, or a clear error naming the missing tool.

    Args:
        language: A name or alias from `ALIASES`.
        limits: Default memory and CPU budgets.
        uid: The sandbox uid (None when runs keep the current user).
        gid: The sandbox gid.
        can_bind: Whether private toolchain directories can be bound in (bubblewrap).
    """
    name = normalize(language)
    builder = _BUILDERS[name]
    return builder(limits, _Access(uid=uid, gid=gid, can_bind=can_bind))


@dataclass(frozen=True)
class _Access:
    uid: int | None
    gid: int | None
    can_bind: bool

    def tool(self, language: str, name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The tool's path as the sandbox sees it, plus the binds that make it visible."""
        path = find_binary(name)
        if path is None:
            raise ToolchainMissing(
                _("The {language} toolchain ({tool}) is not installed on this host.").format(
                    language=language, tool=name), language=language, tool=name)
        real = path.resolve()
        bind = self.private_root(language, real.parent.parent, real, label=name)
        if bind is None:
            return str(real), ()
        return f"{bind[1]}/{real.relative_to(real.parent.parent)}", (bind,)

    def unreachable(self, language: str, path: Path) -> ToolchainMissing:
        return ToolchainMissing(
            _("The {language} toolchain at {path} is not reachable by the sandbox user "
              "(uid {uid}).").format(language=language, path=path, uid=self.uid),
            language=language, tool=str(path))

    def private_root(self, language: str, root: Path, probe: Path,
                     label: str | None = None) -> tuple[str, str] | None:
        """A read-only bind for a toolchain outside /usr, or None when the sandbox sees it."""
        if self.can_bind:
            # Bound in by bubblewrap: only the toolchain's own directories must be open to us.
            if not reachable(probe, self.uid, self.gid, below=root):
                raise self.unreachable(language, probe)
            if is_system(root):
                return None
            return (str(root), f"{_TOOLCHAIN_MOUNT}/{label or language}")
        if not reachable(probe, self.uid, self.gid):
            raise self.unreachable(language, probe)
        return None


def _python(limits: SandboxLimits, access: _Access) -> RunPlan:
    exe, binds = access.tool("python", "python3")
    # -E -s: no PYTHON* variables, no user site (the script's directory stays importable);
    # -B -u: no bytecode files in the workspace, unbuffered output up to a kill.
    return RunPlan("python", (exe, "-E", "-s", "-B", "-u", "{src}"), memory_mb=limits.memory_mb,
                   binds=binds)


def _node_memory(limits: SandboxLimits) -> int:
    # V8 reserves code-range address space up front; the heap is capped separately.
    return limits.memory_mb + 1536


def _node(limits: SandboxLimits, access: _Access) -> RunPlan:
    exe, binds = access.tool("node", "node")
    return RunPlan("node", (exe, f"--max-old-space-size={limits.memory_mb}", "{src}"),
                   memory_mb=_node_memory(limits), binds=binds)


def _typescript(limits: SandboxLimits, access: _Access) -> RunPlan:
    exe, binds = access.tool("typescript", "node")
    lib = _typescript_lib()
    if lib is None:
        raise ToolchainMissing(
            _("The {language} toolchain ({tool}) is not installed on this host.").format(
                language="typescript", tool="typescript (tsc)"),
            language="typescript", tool="tsc")
    lib_bind = access.private_root("typescript", lib.parent.parent, lib.parent,
                                   label="typescript-lib")
    inside = f"{lib_bind[1]}/lib/typescript.js" if lib_bind else str(lib)
    return RunPlan("typescript", (exe, f"--max-old-space-size={limits.memory_mb}", "-e",
                                  _TS_LOADER, inside, "{src}"),
                   memory_mb=_node_memory(limits), extra_cpu_s=5,
                   binds=binds + ((lib_bind,) if lib_bind else ()))


@cache
def _typescript_lib() -> Path | None:
    tsc = find_binary("tsc")
    if tsc is None:
        return None
    lib = tsc.resolve().parent.parent / "lib" / "typescript.js"
    return lib if lib.is_file() else None


def _bash(limits: SandboxLimits, access: _Access) -> RunPlan:
    exe, binds = access.tool("bash", "bash")
    return RunPlan("bash", (exe, "--noprofile", "--norc", "{src}"), memory_mb=limits.memory_mb,
                   binds=binds)


def _php(limits: SandboxLimits, access: _Access) -> RunPlan:
    exe, binds = access.tool("php", "php")
    return RunPlan("php", (exe, "-n", "{src}"), memory_mb=limits.memory_mb, binds=binds)


def _go(limits: SandboxLimits, access: _Access) -> RunPlan:
    root = _go_root()
    if root is None:
        raise ToolchainMissing(
            _("The {language} toolchain ({tool}) is not installed on this host.").format(
                language="go", tool="go"), language="go", tool="go")
    bind = access.private_root("go", root, root / "bin" / "go")
    base = bind[1] if bind else str(root)
    env = (("GOROOT", base), ("GOCACHE", "/tmp/.go-cache"), ("GOPATH", "/tmp/.go"),
           ("GOFLAGS", "-mod=mod"), ("GOTOOLCHAIN", "local"), ("CGO_ENABLED", "0"))
    return RunPlan("go", (f"{base}/bin/go", "run", "{src}"), memory_mb=max(limits.memory_mb, 4096),
                   extra_cpu_s=30, env=env, binds=(bind,) if bind else ())


@cache
def _go_root() -> Path | None:
    return _toolchain_root("go", ["env", "GOROOT"])


def _rust(limits: SandboxLimits, access: _Access) -> RunPlan:
    root = _rust_root()
    if root is None:
        raise ToolchainMissing(
            _("The {language} toolchain ({tool}) is not installed on this host.").format(
                language="rust", tool="rustc"), language="rust", tool="rustc")
    if find_binary("cc") is None:
        raise ToolchainMissing(
            _("The {language} toolchain ({tool}) is not installed on this host.").format(
                language="rust", tool="cc (linker)"), language="rust", tool="cc")
    bind = access.private_root("rust", root, root / "bin" / "rustc")
    base = bind[1] if bind else str(root)
    script = '"$0" --edition 2021 -C debuginfo=0 -o "$1" "$2" && exec "$1"'
    return RunPlan("rust", ("/bin/sh", "-c", script, f"{base}/bin/rustc", "{bin}", "{src}"),
                   memory_mb=max(limits.memory_mb, 4096), extra_cpu_s=30,
                   binds=(bind,) if bind else ())


@cache
def _rust_root() -> Path | None:
    return _toolchain_root("rustc", ["--print", "sysroot"])


def _toolchain_root(tool: str, args: list[str]) -> Path | None:
    # Asking the host toolchain where it lives resolves rustup/go proxies to the real directory.
    exe = find_binary(tool)
    if exe is None:
        return None
    try:
        out = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=20,
                             check=True, env={"PATH": f"{exe.parent}:/usr/bin:/bin",
                                              "HOME": str(Path.home())})
    except (OSError, subprocess.SubprocessError):
        return None
    root = Path(out.stdout.strip())
    return root if root.is_dir() else None


_BUILDERS = {"python": _python, "node": _node, "typescript": _typescript, "bash": _bash,
             "php": _php, "go": _go, "rust": _rust}
