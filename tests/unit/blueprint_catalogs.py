"""Blueprint tests' translations: English is the msgid, Arabic comes from this area's catalog
source, so the blueprint tests do not depend on the state of the merged catalogs."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

import webnova.i18n

ROOT = Path(__file__).resolve().parents[2]


def arabic_po_path() -> Path:
    """The pending fragment until it is merged into the Arabic catalog."""
    fragment = ROOT / "locales" / "pending" / "blueprint.po"
    return fragment if fragment.exists() else ROOT / "locales" / "ar" / "LC_MESSAGES" / "webnova.po"


@cache
def arabic_translations() -> Translations:
    """The Arabic messages of the blueprint area as a gettext catalog."""
    with arabic_po_path().open("rb") as po_file:
        catalog = read_po(po_file, locale="ar")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain="webnova")


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route webnova.i18n to these catalogs for the current test."""
    def fake(locale: str) -> NullTranslations:
        if webnova.i18n.negotiate(locale) == "ar":
            return arabic_translations()
        return NullTranslations()

    monkeypatch.setattr(webnova.i18n, "translations", fake)
