"""The chat's Arabic: every string of the chat modules is translated in locales/pending/chat2.po,
and with that fragment loaded the commands and approvals show no English WebNova text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from webnova import i18n
from webnova.chat.approvals import approval_actions, approval_text, reask_text
from webnova.chat.commands import help_text
from webnova.chat.engine import PendingApproval
from webnova.chat.uploads import describe_upload, read_upload
from webnova.generator.catalog import load_catalog, preset_yaml
from webnova.governance.policy import Risk
from webnova.i18n import use_locale

REPO = Path(__file__).resolve().parents[2]
FRAGMENT = REPO / "locales" / "pending" / "chat2.po"
MODULES = ("uploads", "approvals", "commands", "conversation", "ui", "artifacts", "factory_engine",
           "preview")
ARABIC = re.compile(r"[\u0600-\u06FF]")
PLACEHOLDER = re.compile(r"\{\w+\}")


def _fragment() -> Catalog:
    with FRAGMENT.open("rb") as handle:
        return read_po(handle, locale="ar")


def _source_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    keywords = {"_": None, "ngettext": (1, 2)}
    for module in MODULES:
        path = REPO / "webnova" / "chat" / f"{module}.py"
        for _line, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=keywords):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_every_chat_string_has_an_arabic_translation_with_the_same_placeholders() -> None:
    catalog = _fragment()
    messages = _source_messages()

    assert len(messages) > 50
    for msgid in messages:
        entry = catalog.get(msgid)
        assert entry is not None, f"missing from chat2.po: {msgid!r}"
        forms = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
        wanted = set(PLACEHOLDER.findall(msgid if isinstance(msgid, str) else msgid[1]))
        for index, form in enumerate(forms):
            assert ARABIC.search(form), msgid
            # Arabic zero/one/two forms may spell the number out instead of using {count}.
            expected = wanted - {"{count}"} if index < 3 and len(forms) == 6 else wanted
            assert expected <= set(PLACEHOLDER.findall(form)) <= wanted, (msgid, form)


@pytest.fixture
def arabic_catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fragment as the Arabic catalog, as it will be once merged."""
    for lang, catalog in (("en", Catalog(locale="en")), ("ar", _fragment())):
        folder = tmp_path / "locales" / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "webnova.po").open("wb") as handle:
            write_po(handle, catalog)
    monkeypatch.setattr(i18n, "catalog_dir", lambda: tmp_path / "locales")
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def _english_sentences() -> list[str]:
    return [m if isinstance(m, str) else m[1] for m in _source_messages()]


def _no_english(text: str) -> None:
    for english in _english_sentences():
        # Compare the literal part before the first placeholder; short words are too ambiguous.
        head = PLACEHOLDER.split(english)[0].strip()
        if len(head) >= 8:
            assert head not in text, head


@pytest.mark.usefixtures("arabic_catalogs")
def test_arabic_help_and_approval_have_no_english_left() -> None:
    approval = PendingApproval(id="i1", kind="deploy", summary="نشر المتجر", risk=Risk.EXTERNAL)
    with use_locale("ar"):
        texts = [help_text(), approval_text(approval), reask_text(),
                 *(a.label for a in approval_actions(approval))]

    for text in texts:
        assert ARABIC.search(text)
        _no_english(text)
    assert [a.label for a in approval_actions(approval)] == ["Approve", "Reject",
                                                             "Request changes"]
    with use_locale("ar"):
        assert [a.label for a in approval_actions(approval)] == ["موافقة", "رفض", "طلب تعديلات"]


@pytest.mark.usefixtures("arabic_catalogs")
def test_arabic_plurals_follow_the_count() -> None:
    catalog = load_catalog()
    two = read_upload("a.yaml", preset_yaml(catalog.templates[0]).encode())  # 2 entities
    five = read_upload("b.yaml", preset_yaml(catalog.get("ecommerce") or catalog.templates[0])
                       .encode())

    with use_locale("ar"):
        texts = describe_upload(two), describe_upload(five)
        spec = describe_upload(read_upload("a.md", b"ab"))

    assert "كيانان" in texts[0]
    assert "كيانات" in texts[1]
    assert "حرفان" in spec
