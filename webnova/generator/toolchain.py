"""Take a generated project through its phases: install, type-check, build, test, start.

Used by the acceptance matrix, the benchmark and the tester stage.

Every project of one machine shares one npm cache (`<WEBNOVA_HOME>/npm-cache` by default) and
installs with `--prefer-offline`, so a matrix of projects downloads each package once.
Processes get a minimal environment (PATH, HOME, the cache and what the caller adds), never the
caller's whole environment, so a project's behaviour does not depend on who ran it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from webnova.generator.blueprint import Blueprint
from webnova.generator.support import require_toolchain
from webnova.i18n import _

Phase = Literal["install", "typecheck", "build", "test"]
PHASES: Final[tuple[Phase, ...]] = ("install", "typecheck", "build", "test")
_OUTPUT_LIMIT: Final = 20_000


@dataclass(frozen=True)
class PhaseResult:
    """How one phase went: exit code, seconds, and the tail of its output."""

    phase: str
    ok: bool
    seconds: float
    returncode: int
    output: str = field(repr=False)


def is_python(bp: Blueprint) -> bool:
    """Whether `bp`'s project is built with Python (FastAPI) rather than npm."""
    return bp.stack.backend == "fastapi"


def python_commands(phase: Phase, cache: Path) -> list[list[str]]:
    """The command lines of `phase` for a Python project: a `.venv` in the project, pip, pytest.

    Type-checking imports every module (catching syntax, import and annotation errors), the build
    byte-compiles the application.
    """
    venv_python = str(Path(".venv") / "bin" / "python")
    if phase == "install":
        return [["python3", "-m", "venv", ".venv"],
                [venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 f"--cache-dir={cache / 'pip'}", "-r", "requirements-dev.txt"]]
    if phase == "typecheck":
        return [[venv_python, "-c", "import app.main, tests.fixtures; app.main.create_app()"]]
    if phase == "build":
        return [[venv_python, "-m", "compileall", "-q", "app"]]
    return [[venv_python, "-m", "pytest"]]


def phase_commands(bp: Blueprint, phase: Phase, cache: Path) -> list[list[str]]:
    """The command lines of `phase` for `bp`'s stack, run in order in the project folder."""
    return python_commands(phase, cache) if is_python(bp) else [npm_command(phase, cache)]


def npm_command(phase: Phase, cache: Path) -> list[str]:
    """The npm command line of `phase`."""
    if phase == "install":
        return ["npm", "install", "--prefer-offline", "--no-audit", "--no-fund",
                "--loglevel=error", f"--cache={cache}"]
    if phase == "test":
        return ["npm", "test"]
    return ["npm", "run", phase]


def base_env(tools: Mapping[str, str], cache: Path, extra: Mapping[str, str] | None = None) -> (
        dict[str, str]):
    """A minimal environment: the toolchain's directories first on PATH, HOME, the npm cache."""
    dirs = dict.fromkeys(str(Path(p).parent) for p in tools.values())
    path = os.pathsep.join([*dirs, "/usr/local/bin", "/usr/bin", "/bin"])
    env = {"PATH": path, "HOME": str(Path.home()), "npm_config_cache": str(cache),
           "npm_config_update_notifier": "false", "CI": "true", "LANG": "C.UTF-8"}
    env.update(extra or {})
    return env


def run_phase(
    bp: Blueprint, project: Path, phase: Phase, cache: Path, *,
    env: Mapping[str, str] | None = None, timeout: float = 900,
) -> PhaseResult:
    """Run one phase in `project`.

    Raises:
        ToolchainMissingError: node or npm is not installed (the message names it).
    """
    tools = require_toolchain(bp, _("build"))
    started = time.perf_counter()
    code, output = 0, ""
    try:
        for command in phase_commands(bp, phase, cache):
            done = subprocess.run(
                command, cwd=project, env=base_env(tools, cache, env),
                capture_output=True, text=True, timeout=timeout, check=False)
            code, output = done.returncode, output + done.stdout + done.stderr
            if code != 0:
                break
    except subprocess.TimeoutExpired as expired:
        partial = expired.stdout or ""
        text = partial.decode(errors="replace") if isinstance(partial, bytes) else partial
        code, output = -1, f"timed out after {timeout} s\n{text}"
    return PhaseResult(phase, code == 0, time.perf_counter() - started, code,
                       str(output)[-_OUTPUT_LIMIT:])


def start_server(
    bp: Blueprint, project: Path, cache: Path, port: int, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start the project on `port` in its own process group (stop it with `stop_server`).

    `npm start`, or `python -m app` in the project's `.venv` for a Python project.
    """
    tools = require_toolchain(bp, _("start"))
    extra = {"PORT": str(port), "HOST": "127.0.0.1", **(env or {})}
    command = [str(Path(".venv") / "bin" / "python"), "-m", "app"] if is_python(bp) else \
        ["npm", "start"]
    return subprocess.Popen(
        command, cwd=project, env=base_env(tools, cache, extra),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop_server(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Stop the whole process group: SIGTERM, then SIGKILL after `timeout` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
