"""The chat in Chromium: sign in, upload specs, commands in English and Arabic (all slow).

A root owner is created in the isolated home before the server starts, exactly as
`webnova users create-owner` would. Arabic text is computed in-process from the same catalogs the
server uses, so the assertions hold before and after locales/pending/chat2.po is merged; the
"no English left" check is an expected failure until then.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from tests.acceptance.chatpage import (
    ARABIC,
    EMAIL,
    PASSWORD,
    UI_TIMEOUT_MS,
    assistant_text,
    login,
    pdf,
    send,
    upload,
)
from tests.acceptance.conftest import (
    REPO_ROOT,
    OpenedPage,
    RunningUi,
    free_port,
    isolated_settings,
    launch_ui,
)
from webnova.chat.commands import help_text
from webnova.chat.server import APP_FILES, start_ui, ui_command, wait_ready
from webnova.core.platform import Platform
from webnova.generator.catalog import load_catalog, preset_yaml
from webnova.governance.service import Governance
from webnova.i18n import _, use_locale

if TYPE_CHECKING:
    from playwright.sync_api import Page

@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUi]:
    workdir = tmp_path_factory.mktemp("chat-ui")
    with Platform.open(settings=isolated_settings(workdir / "home")) as platform:
        Governance(platform, "default").people.create_owner(EMAIL, PASSWORD)
    ui = launch_ui(workdir)
    try:
        yield ui
    finally:
        ui.stop()


@pytest.mark.slow
def test_wrong_password_is_refused_and_the_owner_signs_in(
    chat_server: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = opened.page
    page.goto(chat_server.base_url)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill("not the password")
    page.locator("button[type=submit]").click()
    page.wait_for_timeout(1500)
    assert page.locator("#chat-input").count() == 0
    screenshot(page, "chat-login-refused-en-US")

    page = login(opened, chat_server.base_url)
    assert "Welcome to WebNova" in assistant_text(page)

    send(page, "/audit")  # the owner's creation and the refused sign-in are in the log
    page.get_by_text("Latest audit entries").first.wait_for(timeout=UI_TIMEOUT_MS)
    assert "user.create_owner" in assistant_text(page)
    assert "auth.failed" in assistant_text(page)
    assert not opened.page_errors


@pytest.mark.slow
def test_uploaded_blueprint_is_validated_and_a_broken_one_explained(
    chat_server: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = login(opened, chat_server.base_url)
    entry = load_catalog().templates[0]

    upload(page, "shop.yaml", preset_yaml(entry).encode(), "application/x-yaml")
    page.get_by_text("is a valid blueprint").first.wait_for(timeout=UI_TIMEOUT_MS)

    upload(page, "brief.pdf", pdf("A marketplace for local bakeries"), "application/pdf")
    page.get_by_text("characters of specification").first.wait_for(timeout=UI_TIMEOUT_MS)

    document = yaml.safe_load(preset_yaml(entry))
    document["entities"][0]["fields"][0]["type"] = "teleporter"
    upload(page, "broken.yaml", yaml.safe_dump(document).encode(), "application/x-yaml")
    page.get_by_text("is not a valid blueprint").first.wait_for(timeout=UI_TIMEOUT_MS)
    assert "entities[0].fields[0].type" in assistant_text(page)

    upload(page, "<b>evil</b>.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    page.get_by_text("is damaged or not really a PDF file").first.wait_for(
        timeout=UI_TIMEOUT_MS)
    assert page.locator("b", has_text="evil").count() == 0  # shown as text, never as HTML
    screenshot(page, "chat-uploads-en-US")
    assert not opened.page_errors


@pytest.mark.slow
def test_arabic_help_and_templates_are_right_to_left(
    chat_server: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("ar-SA")
    page = login(opened, chat_server.base_url)
    assert page.evaluate("() => document.documentElement.dir") == "rtl"

    send(page, "/مساعدة")
    with use_locale("ar"):
        heading = _("Commands")
        expected_help = help_text()
    page.get_by_text(heading, exact=True).first.wait_for(timeout=UI_TIMEOUT_MS)
    assert "/القوالب" in assistant_text(page)

    send(page, "/القوالب")
    arabic_name = load_catalog().templates[0].name.ar
    page.get_by_text(arabic_name).first.wait_for(timeout=UI_TIMEOUT_MS)
    screenshot(page, "chat-help-templates-ar-SA")
    assert not opened.page_errors

    if not ARABIC.search(expected_help.splitlines()[0]):
        pytest.xfail("locales/pending/chat2.po is not merged into the Arabic catalog yet")
    shown = assistant_text(page)
    for english in ("Commands", "Templates", "this list"):
        assert english not in shown


# --- approvals, with the fake engine standing in for the factory graph ----------------------

_FAKE_APP = '''
import sys
sys.path.insert(0, {repo!r})
from tests.unit.chat_fake_engine import FakeEngine
from webnova.chat import ui
ui.set_engine(FakeEngine())
exec(compile(open({app!r}, encoding="utf-8").read(), {app!r}, "exec"))
'''


@pytest.fixture(scope="module")
def fake_engine_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUi]:
    """The real app.py with `FakeEngine` connected, served from a copy of the app files."""
    workdir = tmp_path_factory.mktemp("chat-fake")
    settings = isolated_settings(workdir / "home")
    with Platform.open(settings=settings) as platform:
        Governance(platform, "default").people.create_owner(EMAIL, PASSWORD)
    root = workdir / "app"
    root.mkdir()
    for name in APP_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            shutil.copy2(source, root / name)
    (root / "app.py").write_text(
        _FAKE_APP.format(repo=str(REPO_ROOT), app=str(REPO_ROOT / "app.py")), encoding="utf-8")
    port = free_port()
    log_path = workdir / "chainlit.log"
    with log_path.open("wb") as log:
        process = start_ui(ui_command(settings, "127.0.0.1", port, app_root=root), log=log)
    ui = RunningUi(f"http://127.0.0.1:{port}", process, settings, log_path)
    try:
        if not wait_ready(process, ui.base_url, timeout=60):
            pytest.fail(f"the UI did not answer /health:\n{ui.log_tail()}")
        yield ui
    finally:
        ui.stop()


@pytest.mark.slow
def test_approvals_are_buttons_a_decision_counts_once_and_a_reload_asks_again(
    fake_engine_server: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = login(opened, fake_engine_server.base_url)

    send(page, "a booking site for my clinic")
    page.get_by_text("Approve the blueprint?").first.wait_for(timeout=UI_TIMEOUT_MS)
    screenshot(page, "chat-approval-blueprint-en-US")
    page.get_by_role("button", name="Approve").first.click()
    page.get_by_text("Approved by owner@example.com.").first.wait_for(timeout=UI_TIMEOUT_MS)
    page.get_by_text("Approve the deployment?").first.wait_for(timeout=UI_TIMEOUT_MS)
    assert "Selected" not in assistant_text(page)
    # Only the pending question keeps its buttons: one "Approve" button on the page.
    assert page.get_by_role("button", name="Approve", exact=True).count() == 1

    send(page, "what happens next?")
    page.get_by_text("An approval is still waiting").first.wait_for(timeout=UI_TIMEOUT_MS)

    page.wait_for_url("**/thread/**", timeout=UI_TIMEOUT_MS)  # saved: a reload reopens it
    page.reload()
    page.locator('[data-step-type="assistant_message"]').first.wait_for(timeout=UI_TIMEOUT_MS)
    page.get_by_role("button", name="Reject", exact=True).wait_for(timeout=UI_TIMEOUT_MS)
    page.get_by_role("button", name="Reject", exact=True).click()
    page.get_by_text("Rejected by owner@example.com.").first.wait_for(timeout=UI_TIMEOUT_MS)
    screenshot(page, "chat-approval-rejected-en-US")
    assert not opened.page_errors
