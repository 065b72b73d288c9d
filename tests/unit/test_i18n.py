"""Catalog completeness, Arabic plurals, negotiation and locale formatting."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from webnova import i18n
from webnova.i18n import _, format_number, is_rtl, negotiate, ngettext, use_locale

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _sync_module() -> object:
    spec = importlib.util.spec_from_file_location("sync_catalogs", ROOT / "scripts" /
                                                  "sync_catalogs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sync_catalogs"] = module
    spec.loader.exec_module(module)
    return module


def _catalog(locale: str) -> dict[str, object]:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "webnova.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_message_in_the_code_is_translated_in_both_catalogs(locale: str) -> None:
    messages = _sync_module().extract()  # type: ignore[attr-defined]
    catalog = _catalog(locale)
    missing = []
    for key in messages:
        singular = key if isinstance(key, str) else key[0]
        string = catalog.get(singular)
        forms = [string] if isinstance(string, str) else list(string or [])
        expected_forms = 1 if isinstance(key, str) else (6 if locale == "ar" else 2)
        if len(forms) != expected_forms or not all(forms):
            missing.append(singular)
    assert missing == [], f"untranslated in {locale}: run scripts/sync_catalogs.py"


def test_arabic_translations_only_use_placeholders_the_message_provides() -> None:
    wrong = []
    for msgid, string in _catalog("ar").items():
        allowed = set(PLACEHOLDER.findall(msgid))
        for form in [string] if isinstance(string, str) else list(string):  # type: ignore[call-overload]
            if not set(PLACEHOLDER.findall(form)) <= allowed:
                wrong.append(msgid)
    assert wrong == []


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "(لا قيود)"),
        (1, "(قيد واحد)"),
        (2, "(قيدان)"),
        (3, "(3 قيود)"),
        (11, "(11 قيدًا)"),
        (100, "(100 قيد)"),
        (101, "(101 قيد)"),
    ],
)
def test_arabic_plural_forms_follow_cldr(n: int, expected: str) -> None:
    with use_locale("ar"):
        text = ngettext("Tenant {tenant}: audit chain intact ({count} entry).",
                        "Tenant {tenant}: audit chain intact ({count} entries).", n)
    assert text.format(tenant="acme", count=n).endswith(expected + ".")


def test_english_plurals_have_two_forms() -> None:
    with use_locale("en"):
        one = ngettext("Exported {count} audit entry.", "Exported {count} audit entries.", 1)
        many = ngettext("Exported {count} audit entry.", "Exported {count} audit entries.", 2)
    assert (one, many) == ("Exported {count} audit entry.", "Exported {count} audit entries.")


def test_the_active_language_is_per_context_and_restored() -> None:
    with use_locale("ar-EG"):
        assert _("Component") == "المكوّن"
        with use_locale("en-US"):
            assert _("Component") == "Component"
        assert _("Component") == "المكوّن"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("ar-EG",), "ar"),
        (("ar_SA.UTF-8",), "ar"),
        (("AR",), "ar"),
        (("fr-FR,ar;q=0.8",), "ar"),
        (("en-GB",), "en"),
        (("de",), "en"),
        (("",), "en"),
        ((None, "ar"), "ar"),
        (("*",), "en"),
    ],
)
def test_language_tags_negotiate_to_a_shipped_catalog(tags: tuple[str | None, ...],
                                                      expected: str) -> None:
    assert negotiate(*tags) == expected


def test_arabic_is_right_to_left_and_english_is_not() -> None:
    assert is_rtl("ar-SA")
    assert not is_rtl("en-US")


def test_numbers_use_arabic_separators_in_arabic() -> None:
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(1234.5, "ar") == "1٬234٫5"


def test_a_missing_catalog_is_an_error_not_a_silent_english_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "catalog_dir", lambda: tmp_path)
    i18n.translations.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="catalog missing"):
            i18n.translations("ar")
    finally:
        i18n.translations.cache_clear()


def test_compiled_catalogs_match_the_po_files(tmp_path: Path) -> None:
    written = i18n.compile_catalogs(ROOT / "locales")
    assert {p.parent.parent.name for p in written} >= {"en", "ar"}
    assert all(p.stat().st_size > 0 for p in written)
