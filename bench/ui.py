"""`webnova bench ui`: how fast the chat answers, in headless Chromium, and what it weighs.

Two servers start in the same run: WebNova's UI (exactly as `webnova ui` runs it, offline brain,
embedded database, fresh home, setup mode so no sign-in) and a bare Chainlit app that echoes the
message. For each round a fresh page sends a description and the bench times, from the click on
send, the first visible agent step and the first approval prompt; on the bare app it times the
echo. The servers' resident memory (whole process group, from /proc) is read idle and as the peak
over the rounds.

Needs Debian's Chromium and the playwright package (`scripts/ensure-chromium.sh`).
"""

from __future__ import annotations

import importlib
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from webnova.benchkit import BenchReport, BenchRow
from webnova.chat.server import (
    UiCommand,
    prepare_app_root,
    start_ui,
    stop_ui,
    ui_command,
    wait_ready,
)
from webnova.settings import Settings, load_settings

ROUNDS = 3
DESCRIPTION = "A landing page for my bakery with a contact form"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 120_000
BARE_APP = '''import chainlit as cl


@cl.on_chat_start
async def hello() -> None:
    await cl.Message(content="ready").send()


@cl.on_message
async def echo(message: cl.Message) -> None:
    await cl.Message(content="echo: " + message.content).send()
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in group `pgid`, in MiB."""
    total_kib = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 of stat (pgrp), after the command name
                continue
            for line in (status.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total_kib / 1024


class _Server:
    def __init__(self, command: UiCommand, log: Path) -> None:
        self.url = ""
        with log.open("wb") as out:
            self.process = start_ui(command, log=out)
        self.peak = 0.0

    def sample(self) -> float:
        rss = _group_rss_mb(self.process.pid)
        self.peak = max(self.peak, rss)
        return rss


def _webnova(home: Path) -> _Server:
    settings = load_settings(home=home, database_url=None, database_admin_url=None,
                             anthropic_api_key=None, e2b_api_key=None)
    port = _free_port()
    server = _Server(ui_command(settings, "127.0.0.1", port,
                                app_root=prepare_app_root(settings)), home.parent / "webnova.log")
    server.url = f"http://127.0.0.1:{port}"
    return server


def _bare(root: Path) -> _Server:
    root.mkdir(parents=True)
    (root / "app.py").write_text(BARE_APP, encoding="utf-8")
    port = _free_port()
    argv = ("chainlit", "run", "app.py", "--headless", "--host", "127.0.0.1", "--port", str(port))
    command = UiCommand(argv=(sys.executable, "-m", *argv), cwd=root, env={})
    server = _Server(command, root / "bare.log")
    server.url = f"http://127.0.0.1:{port}"
    return server


def _timed_send(page: Any, text: str, marks: dict[str, Callable[[], None]]) -> dict[str, float]:
    """Send `text` and time each mark (a wait) from the click, in milliseconds."""
    page.locator("#chat-input").fill(text)
    started = time.perf_counter()
    page.locator("#chat-submit").click()
    times: dict[str, float] = {}
    for name, wait in marks.items():
        wait()
        times[name] = (time.perf_counter() - started) * 1000
    return times


def _rounds(browser: Any, server: _Server, ready: str,
            marks: Callable[[Any], dict[str, Callable[[], None]]]) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    for _round in range(ROUNDS):
        context = browser.new_context(locale="en-US")
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "http://127.0.0.1") else route.abort())
        page = context.new_page()
        page.goto(server.url)
        page.get_by_text(ready).first.wait_for(timeout=TIMEOUT_MS)
        page.locator("#chat-submit").wait_for(timeout=TIMEOUT_MS)
        for name, value in _timed_send(page, DESCRIPTION, marks(page)).items():
            results.setdefault(name, []).append(value)
        server.sample()
        context.close()
    return results


def _webnova_marks(page: Any) -> dict[str, Callable[[], None]]:
    return {
        "step": lambda: page.get_by_text("Intent").first.wait_for(timeout=TIMEOUT_MS),
        "approval": lambda: page.get_by_role("button", name="Approve", exact=True).wait_for(
            timeout=TIMEOUT_MS),
    }


def _bare_marks(page: Any) -> dict[str, Callable[[], None]]:
    return {"echo": lambda: page.get_by_text("echo: " + DESCRIPTION).first.wait_for(
        timeout=TIMEOUT_MS)}


def run(settings: Settings) -> BenchReport:
    """Time to first step and first approval vs a bare Chainlit echo; idle and peak RSS."""
    del settings
    try:
        # Imported by name: playwright is installed by scripts/ensure-chromium.sh, not by
        # `pip install -e .[dev]`, so the type-checker may run without it.
        sync_playwright = importlib.import_module("playwright.sync_api").sync_playwright
    except ImportError as exc:
        raise RuntimeError("playwright is missing: run scripts/ensure-chromium.sh") from exc
    report = BenchReport(name="ui")
    with tempfile.TemporaryDirectory() as tmp:
        servers = {"webnova": _webnova(Path(tmp) / "home"), "bare": _bare(Path(tmp) / "bare")}
        try:
            for server in servers.values():
                if not wait_ready(server.process, server.url, timeout=90):
                    raise RuntimeError(f"{server.url} did not start")
            time.sleep(1.0)
            idle = {name: server.sample() for name, server in servers.items()}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=ARGS)
                bare = _rounds(browser, servers["bare"], "ready", _bare_marks)
                ours = _rounds(browser, servers["webnova"], "WebNova", _webnova_marks)
                browser.close()
        finally:
            for server in servers.values():
                stop_ui(server.process)
    _rows(report, ours, bare, idle, servers)
    return report


def _rows(report: BenchReport, ours: dict[str, list[float]], bare: dict[str, list[float]],
          idle: dict[str, float], servers: dict[str, _Server]) -> None:
    echo = statistics.median(bare["echo"])
    for case, key in (("send -> first agent step", "step"),
                      ("send -> first approval prompt", "approval")):
        report.rows.append(BenchRow(
            case=case, backend="chromium", value=statistics.median(ours[key]), unit="ms",
            baseline=echo, higher_is_better=False, extra={"samples": ours[key]}))
    report.rows.append(BenchRow(case="server RSS, idle", backend="process group",
                                value=idle["webnova"], unit="MiB", baseline=idle["bare"],
                                higher_is_better=False))
    report.rows.append(BenchRow(case="server RSS, peak over the rounds",
                                backend="process group", value=servers["webnova"].peak,
                                unit="MiB", baseline=servers["bare"].peak,
                                higher_is_better=False))
    report.notes.append(f"baseline = a bare Chainlit app echoing the message (median "
                        f"{echo:.0f} ms over {ROUNDS} rounds); ratio = baseline / WebNova.")
    report.notes.append("The approval prompt comes after intent analysis, blueprint synthesis "
                        "and the compliance review of the offline brain.")

