"""Start the Chainlit UI as a child process, from a checkout or from an installed wheel.

Chainlit writes into its app root on every start (`.chainlit/translations/`, `.files/`), so a
read-only installation (a wheel in site-packages) is first copied to `<home>/ui/`. The child gets
its own process group: stopping the UI kills uvicorn and the socket.io workers with it, leaving no
orphans behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pydantic import AliasChoices, SecretStr

from webnova.chat.auth import auth_secret
from webnova.resources import app_dir
from webnova.settings import Settings

APP_FILES: tuple[str, ...] = (
    "app.py",
    "chainlit.md",
    "chainlit_ar.md",
    "chainlit_ar-SA.md",
    ".chainlit",
    "public",
)
# Chainlit switches to its own Prisma-schema data layer when DATABASE_URL is set, and to Literal AI
# with LITERAL_API_KEY; WebNova registers its data layer itself, so neither may leak into the UI.
_CHAINLIT_TRIGGERS: tuple[str, ...] = ("DATABASE_URL", "LITERAL_API_KEY")


@dataclass(frozen=True)
class UiCommand:
    """What to run for the UI: argv, working directory and the extra environment variables."""

    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings chosen for this run, as the variables the child reads them back from.

    Overrides given to `load_settings` (a CLI flag, a test's isolated home) exist only in this
    process; exporting every explicitly set field makes the UI process see the same configuration.
    A field set to None is exported empty so an inherited variable cannot re-enable it.
    """
    env: dict[str, str] = {"WEBNOVA_HOME": str(settings.home)}
    for name in sorted(settings.model_fields_set):
        info = Settings.model_fields[name]
        alias = info.validation_alias
        key = (
            str(alias.choices[0]) if isinstance(alias, AliasChoices) else f"WEBNOVA_{name.upper()}"
        )
        env[key] = _env_value(getattr(settings, name))
    return env


def _env_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def ui_command(
    settings: Settings,
    host: str,
    port: int,
    *,
    app_root: Path,
    headless: bool = True,
    python: str = sys.executable,
) -> UiCommand:
    """Build the command that serves the UI from `app_root` (nothing is started or copied).

    The one side effect: the session-signing secret is generated under home on first use
    (`webnova.chat.auth.auth_secret`); it travels in the environment, never in argv.
    """
    argv = [python, "-m", "chainlit", "run", "app.py", "--host", host, "--port", str(port)]
    if headless:
        argv.append("--headless")
    env = {
        **settings_env(settings),
        "CHAINLIT_APP_ROOT": str(app_root),
        "CHAINLIT_AUTH_SECRET": auth_secret(settings),
    }
    return UiCommand(argv=tuple(argv), cwd=app_root, env=env)


def prepare_app_root(settings: Settings, source: Path | None = None) -> Path:
    """Return a writable directory holding app.py and its files: `source` itself or a copy of it."""
    source = source or app_dir()
    if _is_writable(source):
        return source
    target = settings.home / "ui"
    target.mkdir(parents=True, exist_ok=True)
    # Copied on every start so an upgraded wheel's welcome pages and translations take effect.
    for name in APP_FILES:
        origin = source / name
        if origin.is_dir():
            shutil.copytree(origin, target / name, dirs_exist_ok=True)
        elif origin.is_file():
            shutil.copy2(origin, target / name)
    return target


def _is_writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def environ_with(extra: Mapping[str, str]) -> dict[str, str]:
    """The current environment plus `extra`, without the variables that reconfigure Chainlit."""
    # The one place outside settings.py that reads os.environ: a child process must inherit PATH,
    # HOME, locale and proxy variables that WebNova's Settings deliberately knows nothing about.
    env = os.environ.copy()  # noqa: TID251
    for name in _CHAINLIT_TRIGGERS:
        env.pop(name, None)
    env.update(extra)
    return env


def start_ui(command: UiCommand, log: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    """Start the UI in a new process group (stop it with `stop_ui`); output goes to `log`."""
    return subprocess.Popen(
        command.argv,
        cwd=command.cwd,
        env=environ_with(command.env),
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
    )


def wait_ready(process: subprocess.Popen[bytes], base_url: str, timeout: float = 30.0) -> bool:
    """Poll `/health` until the UI answers; False when it exits or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=1) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def stop_ui(process: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """Stop the UI's whole process group: SIGTERM, then SIGKILL after `timeout` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            continue
    return process.wait()


class _StopRequested(Exception):
    """SIGTERM arrived while the UI was running in the foreground."""


def _raise_stop(signum: int, _frame: object) -> None:
    raise _StopRequested(signum)


def run_ui(settings: Settings, host: str, port: int, *, headless: bool = True) -> int:
    """Serve the UI in the foreground until it exits, Ctrl-C or SIGTERM; returns its exit code.

    Args:
        settings: The configuration the UI process runs with (exported to it).
        host: Address to listen on.
        port: Port to listen on.
        headless: Do not open a browser window.

    Returns:
        The UI process's exit code, or 130 when WebNova stopped it.
    """
    command = ui_command(
        settings, host, port, app_root=prepare_app_root(settings), headless=headless
    )
    process = start_ui(command)
    # The child has its own session, so neither the terminal's Ctrl-C nor a service manager's
    # SIGTERM reaches it: both are turned into stopping its process group here.
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        return process.wait()
    except (KeyboardInterrupt, _StopRequested):
        stop_ui(process)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
