"""Building a platform from the chat in Chromium, with the real factory graph (all slow).

The UI runs exactly as `webnova ui` does, on the embedded database with the offline brain: a
description becomes a blueprint approval, then a generated, installed, built and tested project,
a deployment approval, and a running deployment shown in the preview. Screenshots of every flow
go to `test-artifacts/`. Expected Arabic text is computed in-process from the same catalogs the
server uses.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.acceptance.chatpage import (
    ARABIC,
    EMAIL,
    PASSWORD,
    assistant_text,
    login,
    pdf,
    send,
    upload,
)
from tests.acceptance.conftest import OpenedPage, RunningUi, isolated_settings, launch_ui
from webnova.adapters.runtime import ProjectRuntime
from webnova.core.platform import Platform
from webnova.generator.catalog import load_catalog, preset_yaml
from webnova.governance.service import Governance
from webnova.i18n import _, use_locale

if TYPE_CHECKING:
    from playwright.sync_api import Page

LANDING_EN = "A landing page for my bakery with a contact form"
LANDING_AR = "صفحة هبوط لمخبزي مع نموذج تواصل"
# Generating, installing, building and testing a project on a shared 2-core machine.
BUILD_TIMEOUT_MS = 300_000
STEP_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def factory_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUi]:
    """The real UI with the real factory; every deployment it started is stopped afterwards."""
    workdir = tmp_path_factory.mktemp("chat-build")
    settings = isolated_settings(workdir / "home")
    with Platform.open(settings=settings) as platform:
        Governance(platform, "default").people.create_owner(EMAIL, PASSWORD)
    ui = launch_ui(workdir)
    try:
        yield ui
    finally:
        ui.stop()
        runtime = ProjectRuntime(settings.home)
        runtime.stop_all()
        runtime.close()


def _texts(language: str) -> dict[str, str]:
    with use_locale(language):
        return {
            "approve": _("Approve"), "reject": _("Reject"), "changes": _("Request changes"),
            "blueprint": _("Approve the blueprint?"), "deploy": _("Approve the deployment?"),
            "intent": _("Intent"), "architect": _("Architect"), "tester": _("Tester"),
            "files": _("Generated files"), "tests": _("Test report"),
            "history": _("Git history"), "preview": _("Live preview"),
            "mobile": _("Mobile"), "dark": _("Dark"), "what": _(
                "What should change? Write it in your next message."),
            "rejected": _("The run stopped because it was rejected. Nothing was deployed. "
                          "Describe what you want to start again."),
            "running_at": _("Your platform is running at {url}").split("{url}")[0].strip(),
            "version2": _("Blueprint {name}, version {version}").split("{name}")[0].strip(),
        }


def _click(page: Page, label: str) -> None:
    button = page.get_by_role("button", name=label, exact=True)
    button.wait_for(timeout=STEP_TIMEOUT_MS)
    button.click()


def _wait_text(page: Page, text: str, timeout: int = STEP_TIMEOUT_MS) -> None:
    page.get_by_text(text).first.wait_for(timeout=timeout)


def _build_to_deployment(page: Page, texts: dict[str, str], description: str) -> str:
    """Describe, approve the blueprint, approve the release; return the deployment URL."""
    send(page, description)
    _wait_text(page, texts["blueprint"])
    shown = assistant_text(page)
    assert "template: landing-page" in shown  # the blueprint's YAML is shown before approval
    # The agents' steps come before the question they led to, not after it.
    step = page.get_by_text(texts["architect"]).first.bounding_box()
    question = page.get_by_text(texts["blueprint"]).first.bounding_box()
    assert step is not None and question is not None and step["y"] < question["y"]
    _click(page, texts["approve"])
    _wait_text(page, texts["deploy"], BUILD_TIMEOUT_MS)
    for artifact in ("files", "tests"):
        _wait_text(page, texts[artifact])
    _click(page, texts["approve"])
    _wait_text(page, texts["running_at"], BUILD_TIMEOUT_MS)
    preview = page.locator('[data-testid="webnova-preview"]')
    preview.wait_for(timeout=STEP_TIMEOUT_MS)
    url = str(preview.locator("iframe").get_attribute("src"))
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:  # the deployment really serves
        assert response.status == 200
    return url


def _check_preview(page: Page, texts: dict[str, str]) -> None:
    preview = page.locator('[data-testid="webnova-preview"]')
    preview.get_by_role("button", name=texts["mobile"]).click()
    frame = preview.locator("iframe")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=webnova-preview] iframe')"
        ".style.width === '375px'", timeout=STEP_TIMEOUT_MS)
    preview.get_by_role("button", name=texts["dark"]).click()
    assert "dark" in str(frame.evaluate("f => f.style.colorScheme"))
    body = page.frame_locator('[data-testid="webnova-preview"] iframe').locator("body")
    body.wait_for(timeout=STEP_TIMEOUT_MS)
    assert body.inner_text(timeout=STEP_TIMEOUT_MS).strip()


@pytest.mark.slow
def test_english_describe_approve_watch_deploy_and_preview(
    factory_ui: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = login(opened, factory_ui.base_url)
    texts = _texts("en")
    _build_to_deployment(page, texts, LANDING_EN)
    for step in ("intent", "architect", "tester"):
        assert texts[step] in page.inner_text("body")
    for artifact in ("history", "preview"):
        _wait_text(page, texts[artifact])
    _check_preview(page, texts)
    screenshot(page, "chat-build-deployed-en-US")
    assert "Selected" not in assistant_text(page)
    assert not opened.page_errors


@pytest.mark.slow
def test_arabic_build_is_right_to_left_with_arabic_buttons_and_no_english(
    factory_ui: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("ar-SA")
    page = login(opened, factory_ui.base_url)
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    texts = _texts("ar")
    assert all(ARABIC.search(texts[k]) for k in ("approve", "reject", "changes", "preview"))
    send(page, LANDING_AR)
    _wait_text(page, texts["blueprint"])
    for label in ("approve", "reject", "changes"):
        page.get_by_role("button", name=texts[label], exact=True).wait_for()
    screenshot(page, "chat-build-blueprint-ar-SA")
    _click(page, texts["approve"])
    _wait_text(page, texts["deploy"], BUILD_TIMEOUT_MS)
    _click(page, texts["approve"])
    _wait_text(page, texts["running_at"], BUILD_TIMEOUT_MS)
    _check_preview(page, texts)
    screenshot(page, "chat-build-deployed-ar-SA")

    shown = page.inner_text("body")
    english = _texts("en")
    for key in ("approve", "reject", "changes", "blueprint", "deploy", "intent", "architect",
                "files", "tests", "history", "preview", "mobile", "running_at"):
        assert english[key] not in shown, f"English left in the Arabic UI: {english[key]!r}"
    assert "Selected" not in shown and "Risk:" not in shown
    assert not opened.page_errors


@pytest.mark.slow
def test_reject_then_request_changes_shows_the_revised_blueprint(
    factory_ui: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = login(opened, factory_ui.base_url)
    texts = _texts("en")
    send(page, LANDING_EN)
    _wait_text(page, texts["blueprint"])
    _click(page, texts["reject"])
    _wait_text(page, texts["rejected"])

    send(page, LANDING_EN)  # the run ended; a new message starts a new one
    page.get_by_role("button", name=texts["changes"], exact=True).wait_for(
        timeout=STEP_TIMEOUT_MS)
    _click(page, texts["changes"])
    _wait_text(page, texts["what"])
    send(page, "Add a testimonials section and a newsletter signup")
    _wait_text(page, "version: 2")
    page.get_by_role("button", name=texts["approve"], exact=True).wait_for(
        timeout=STEP_TIMEOUT_MS)
    screenshot(page, "chat-build-changes-en-US")
    assert not opened.page_errors


@pytest.mark.slow
def test_reload_during_a_pending_approval_asks_it_again(
    factory_ui: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = login(opened, factory_ui.base_url)
    texts = _texts("en")
    send(page, LANDING_EN)
    _wait_text(page, texts["blueprint"])
    # Chainlit moves to /thread/<id> once the thread is saved; reloading before that would open
    # a new, empty conversation (a slow machine can take a moment to save it).
    page.wait_for_url("**/thread/**", timeout=STEP_TIMEOUT_MS)
    page.reload()
    page.locator('[data-step-type="assistant_message"]').first.wait_for(timeout=STEP_TIMEOUT_MS)
    _click(page, texts["approve"])  # the question asked again after the reload
    _wait_text(page, texts["deploy"], BUILD_TIMEOUT_MS)
    screenshot(page, "chat-build-reload-en-US")
    assert not opened.page_errors


@pytest.mark.slow
def test_an_uploaded_blueprint_starts_a_run_and_so_does_a_pdf_spec(
    factory_ui: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = login(opened, factory_ui.base_url)
    texts = _texts("en")
    entry = next(t for t in load_catalog().templates if t.id == "landing-page")
    upload(page, "landing.yaml", preset_yaml(entry).encode(), "application/x-yaml")
    _wait_text(page, "is a valid blueprint")
    _wait_text(page, texts["blueprint"])
    assert entry.name.en in assistant_text(page)
    _click(page, texts["reject"])
    _wait_text(page, texts["rejected"])

    upload(page, "brief.pdf", pdf(LANDING_EN), "application/pdf")
    _wait_text(page, "characters of specification")
    page.get_by_text(texts["blueprint"]).nth(1).wait_for(timeout=STEP_TIMEOUT_MS)
    screenshot(page, "chat-build-upload-en-US")
    assert not opened.page_errors


@pytest.mark.slow
def test_html_in_messages_stays_text_and_a_double_click_decides_once(
    factory_ui: RunningUi, open_page: Callable[[str], OpenedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    opened = open_page("en-US")
    page = login(opened, factory_ui.base_url)
    texts = _texts("en")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    send(page, LANDING_EN + ' <img src=x onerror="alert(1)"><b>bold</b><script>alert(2)</script>'
               " 🍞 مع نموذج تواصل")
    _wait_text(page, texts["blueprint"])
    assert page.locator("[data-step-type] b", has_text="bold").count() == 0
    assert page.locator("[data-step-type] img[src=x]").count() == 0
    button = page.get_by_role("button", name=texts["approve"], exact=True)
    button.dblclick()
    _wait_text(page, texts["deploy"], BUILD_TIMEOUT_MS)
    with use_locale("en"):
        approved = _("Approved by {who}.").format(who=EMAIL)
    assert assistant_text(page).count(approved) == 1
    screenshot(page, "chat-build-hostile-input-en-US")
    assert not dialogs and not opened.page_errors
