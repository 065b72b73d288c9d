"""Fixtures for acceptance suites: the Chainlit UI as a real server, and a real Chromium.

* `launch_ui` starts the UI exactly as `webnova ui` does (`webnova.chat.server.ui_command`) on a
  free port with an isolated WEBNOVA_HOME, waits for `/health`, and `RunningUi.stop()` kills the
  whole process group and checks nothing survived. `ui_server` is one such server per module.
* `open_page(locale)` opens a page in Debian's Chromium (`scripts/ensure-chromium.sh`) with every
  non-local request aborted, so a test never reaches the internet; `screenshot` saves to
  `test-artifacts/`.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest

from webnova.chat.server import prepare_app_root, start_ui, stop_ui, ui_command, wait_ready
from webnova.settings import Settings, load_settings

if TYPE_CHECKING:
    import subprocess

    from playwright.sync_api import Browser, Page, Route

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# From STACK-NOTES 3: new headless, no sandbox (tests run as root), nothing phoning home.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_settings(home: Path, **overrides: Any) -> Settings:
    """Settings that ignore the developer's keys and database: offline brain, local sandbox."""
    values: dict[str, Any] = {
        "home": home,
        "database_url": None,
        "database_admin_url": None,
        "anthropic_api_key": None,
        "e2b_api_key": None,
        **overrides,
    }
    return load_settings(**values)


@dataclass
class RunningUi:
    """A Chainlit UI process started for a test."""

    base_url: str
    process: subprocess.Popen[bytes]
    settings: Settings
    log_path: Path
    stopped: bool = field(default=False)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Kill the process group and assert that no process of it is left."""
        if self.stopped:
            return
        self.stopped = True
        stop_ui(self.process)
        assert not _group_alive(self.process.pid), (
            f"UI processes outlived the test (group {self.process.pid})"
        )


def _group_alive(pgid: int, grace: float = 5.0) -> bool:
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    return True


def launch_ui(workdir: Path, **overrides: Any) -> RunningUi:
    """Start the UI like `webnova ui` does, on a free port, with its home under `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    settings = isolated_settings(workdir / "home", **overrides)
    port = free_port()
    command = ui_command(settings, "127.0.0.1", port, app_root=prepare_app_root(settings))
    log_path = workdir / "chainlit.log"
    with log_path.open("wb") as log:
        process = start_ui(command, log=log)
    ui = RunningUi(f"http://127.0.0.1:{port}", process, settings, log_path)
    if not wait_ready(process, ui.base_url, timeout=60):
        ui.stop()
        pytest.fail(f"the UI did not answer /health:\n{ui.log_tail()}")
    return ui


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUi]:
    """One UI server shared by the tests of a module; stopped (and checked) at the end."""
    ui = launch_ui(tmp_path_factory.mktemp("ui"))
    try:
        yield ui
    finally:
        ui.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never Playwright's downloaded browsers)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run scripts/ensure-chromium.sh")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def _local_only(route: Route) -> None:
    host = urlparse(route.request.url).hostname or ""
    if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort()


@dataclass
class OpenedPage:
    """A page plus what the browser complained about while it was open.

    `console_errors` includes the aborted CDN requests (Google Fonts preconnect, KaTeX CSS), so
    assert on `page_errors` (uncaught JavaScript exceptions) instead.
    """

    page: Page
    console_errors: list[str]
    page_errors: list[str]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[str], OpenedPage]]:
    """Factory: a fresh context in `locale` (sets navigator.language and Accept-Language)."""
    contexts = []

    def _open(locale: str) -> OpenedPage:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        context.route("**/*", _local_only)
        page = context.new_page()
        opened = OpenedPage(page, [], [])
        page.on(
            "console",
            lambda msg: opened.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: opened.page_errors.append(str(exc)))
        return opened

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as `test-artifacts/<name>.png` and return its path."""

    def _save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _save
