"""Driving the chat page in Chromium: sign in, send, upload, read (shared by the chat suites)."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import pytest

from tests.acceptance.conftest import OpenedPage

if TYPE_CHECKING:
    from playwright.sync_api import Page

EMAIL = "owner@example.com"
PASSWORD = "a long enough password"
# The first chat opens the database (migrations) on a shared 2-core machine: leave headroom.
UI_TIMEOUT_MS = 60_000
ARABIC = re.compile(r"[\u0600-\u06FF]")


def login(opened: OpenedPage, base_url: str) -> Page:
    page = opened.page
    page.goto(base_url)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    # The greeting proves on_chat_start ran, i.e. the socket session exists.
    page.locator('[data-step-type="assistant_message"]').first.wait_for(timeout=UI_TIMEOUT_MS)
    wait_idle(page)
    return page


def wait_idle(page: Page) -> None:
    # While a handler runs Chainlit shows a stop button and ignores what is sent (no error).
    page.locator("#stop-button").wait_for(state="detached", timeout=UI_TIMEOUT_MS)
    page.locator("#chat-submit").wait_for(state="visible", timeout=UI_TIMEOUT_MS)


def send(page: Page, text: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # Chainlit re-renders the composer when the sidebar's thread list arrives, which can clear
    # text filled a moment before; fill and send again when the button stays disabled.
    for _attempt in range(3):
        wait_idle(page)
        page.locator("#chat-input").fill(text)
        try:
            page.locator("#chat-submit").click(timeout=5_000)
        except PlaywrightTimeout:
            continue
        return
    pytest.fail(f"could not send {text!r}")


def upload(page: Page, name: str, content: bytes, mime: str) -> None:
    wait_idle(page)
    from playwright.sync_api import FilePayload

    payload: FilePayload = {"name": name, "mimeType": mime, "buffer": content}
    page.locator("input[type=file]").first.set_input_files(files=[payload])
    # Chainlit uploads the file first; sending before that drops it.
    page.get_by_text(name).first.wait_for(timeout=UI_TIMEOUT_MS)
    wait_idle(page)
    page.locator("#chat-submit").click()


def pdf(text: str) -> bytes:
    """A one-page PDF that says `text` (built with pypdf, the library that reads uploads)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 150 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def assistant_text(page: Page) -> str:
    return "\n".join(page.locator('[data-step-type="assistant_message"]').all_inner_texts())
