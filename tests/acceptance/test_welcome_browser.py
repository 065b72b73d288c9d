"""The bilingual UI as people get it: a real Chainlit server, and (slow) a real Chromium.

Arabic is asserted through what ships with the UI (Chainlit's Arabic translations, chainlit_ar.md,
`dir="rtl"`) and through the greeting computed in-process from the same catalogs the server uses,
so the tests hold before and after the chat strings are merged into locales/ar.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.acceptance.conftest import REPO_ROOT, OpenedPage, RunningUi, launch_ui
from webnova.chat.welcome import welcome_text
from webnova.i18n import _, use_locale

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARABIC = re.compile(r"[\u0600-\u06FF]")
ARABIC_PLACEHOLDER = "اكتب رسالتك هنا..."
ENGLISH_PLACEHOLDER = "Type your message here..."
# Chainlit's React bundle takes 1-2 s to render on the shared 2-core machine; leave headroom.
UI_TIMEOUT_MS = 30_000


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_ui_server_answers_health_and_serves_arabic_to_arabic_browsers(tmp_path: Path) -> None:
    ui = launch_ui(tmp_path)
    try:
        assert _get_json(f"{ui.base_url}/health") == {"status": "ok"}
        egyptian = _get_json(f"{ui.base_url}/project/translations?language=ar-EG")
        english = _get_json(f"{ui.base_url}/project/translations?language=en-US")
        assert egyptian["translation"]["chat"]["input"]["placeholder"] == ARABIC_PLACEHOLDER
        assert english["translation"]["chat"]["input"]["placeholder"] == ENGLISH_PLACEHOLDER
        page_ar = _get_json(f"{ui.base_url}/project/settings?language=ar")["markdown"]
        page_en = _get_json(f"{ui.base_url}/project/settings?language=en-US")["markdown"]
        assert page_ar == (REPO_ROOT / "chainlit_ar.md").read_text(encoding="utf-8")
        assert page_en == (REPO_ROOT / "chainlit.md").read_text(encoding="utf-8")
        assert page_ar != page_en
    finally:
        ui.stop()  # asserts that no process of the UI's group survived


# --- in Chromium (slow) ------------------------------------------------------------------


def _brain_line(ui: RunningUi, language: str) -> str:
    """The greeting's brain line as the server renders it in `language` (same catalogs)."""
    text = welcome_text(ui.settings, language)
    return next(line[2:] for line in text.splitlines() if line.startswith("- "))


def _open_chat(opened: OpenedPage, url: str) -> Page:
    page = opened.page
    page.goto(url)
    # The greeting proves on_chat_start ran, i.e. the socket session exists (STACK-NOTES 3.1).
    page.locator('[data-step-type="assistant_message"]').first.wait_for(timeout=UI_TIMEOUT_MS)
    return page


def _document(page: Page) -> dict[str, str]:
    result: dict[str, str] = page.evaluate(
        "() => ({dir: document.documentElement.dir, lang: document.documentElement.lang})"
    )
    return result


def _placeholder(page: Page) -> str:
    return page.locator("#chat-input").get_attribute("placeholder") or ""


def _greeting(page: Page) -> str:
    return page.locator('[data-step-type="assistant_message"]').first.inner_text()


@pytest.mark.slow
def test_english_browser_gets_the_english_welcome_left_to_right(
    ui_server: RunningUi,
    open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = _open_chat(opened, ui_server.base_url)
    assert _document(page) == {"dir": "ltr", "lang": "en-US"}
    assert "Welcome to WebNova" in _greeting(page)
    assert _brain_line(ui_server, "en") in _greeting(page)
    assert _placeholder(page) == ENGLISH_PLACEHOLDER
    screenshot(page, "welcome-en-US")
    assert not opened.page_errors


@pytest.mark.slow
def test_arabic_browser_gets_the_arabic_ui_right_to_left(
    ui_server: RunningUi,
    open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("ar-SA")
    page = _open_chat(opened, ui_server.base_url)
    assert _document(page) == {"dir": "rtl", "lang": "ar-SA"}
    assert _placeholder(page) == ARABIC_PLACEHOLDER
    assert _brain_line(ui_server, "ar") in _greeting(page)
    screenshot(page, "welcome-ar-SA")

    page.locator("#chat-input").fill("أريد متجرًا إلكترونيًا")
    page.keyboard.press("Enter")
    # The message starts a run: the factory answers with the blueprint question, in Arabic.
    with use_locale("ar"):
        question, approve = _("Approve the blueprint?"), _("Approve")
    page.get_by_text(question).first.wait_for(timeout=UI_TIMEOUT_MS)
    page.get_by_role("button", name=approve, exact=True).wait_for(timeout=UI_TIMEOUT_MS)
    screenshot(page, "reply-ar-SA")
    assert not opened.page_errors


@pytest.mark.slow
def test_arabic_welcome_page_is_shown_from_chainlit_ar_md(
    ui_server: RunningUi, open_page: Callable[[str], OpenedPage]
) -> None:
    page = _open_chat(open_page("ar-SA"), ui_server.base_url)
    markdown = _get_json(f"{ui_server.base_url}/project/settings?language=ar-SA")["markdown"]
    heading = markdown.splitlines()[0].lstrip("# ")
    assert ARABIC.search(heading)
    page.get_by_role("button", name="اقرأني").click()  # Chainlit's Arabic "Readme"
    page.get_by_text(heading).first.wait_for(timeout=UI_TIMEOUT_MS)


@pytest.mark.slow
def test_lang_query_switches_an_english_browser_to_arabic_and_back(
    ui_server: RunningUi,
    open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = _open_chat(opened, f"{ui_server.base_url}/?lang=ar")
    assert _document(page) == {"dir": "rtl", "lang": "ar"}
    assert _placeholder(page) == ARABIC_PLACEHOLDER
    assert _brain_line(ui_server, "ar") in _greeting(page)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("ui_lang") == "ar"
    screenshot(page, "welcome-en-US-lang-ar")

    _open_chat(opened, ui_server.base_url)  # the choice survives a visit without ?lang
    assert _document(page)["dir"] == "rtl"

    _open_chat(opened, f"{ui_server.base_url}/?lang=en")
    assert _document(page) == {"dir": "ltr", "lang": "en"}
    assert _placeholder(page) == ENGLISH_PLACEHOLDER
    assert _brain_line(ui_server, "en") in _greeting(page)
    assert not opened.page_errors


@pytest.mark.slow
def test_the_greeting_link_switches_to_arabic_and_back(
    ui_server: RunningUi,
    open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = _open_chat(opened, ui_server.base_url)
    with page.context.expect_page(timeout=UI_TIMEOUT_MS) as popup:
        page.get_by_role("link", name="العربية").click()
    arabic = popup.value
    arabic.locator("#chat-input").wait_for(timeout=UI_TIMEOUT_MS)
    assert _document(arabic)["dir"] == "rtl"
    assert _placeholder(arabic) == ARABIC_PLACEHOLDER
    arabic.get_by_role("link", name="English").wait_for(timeout=UI_TIMEOUT_MS)
    screenshot(arabic, "welcome-switched-ar")
    assert not opened.page_errors
