"""Gettext for WebNova: English and Arabic catalogs, locale negotiation, locale-aware formatting.

The active language is a context variable, so one process can serve an Arabic and an English user at
once (each Chainlit session and each CLI call sets its own). Usage::

    from webnova.i18n import _, ngettext, use_locale
    with use_locale("ar-EG"):
        print(_("Deployed {name}").format(name="shop"))
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_datetime as _babel_format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from webnova.resources import data_path

DOMAIN = "webnova"
LOCALES: tuple[str, ...] = ("en", "ar")
DEFAULT_LOCALE = "en"
_RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})

_current: ContextVar[str] = ContextVar("webnova_locale", default=DEFAULT_LOCALE)


def negotiate(*preferences: str | None) -> str:
    """Map browser/CLI language tags to a shipped catalog: `ar-EG` -> `ar`, `fr` -> `en`.

    Accepts plain tags (`ar-SA`, `ar_SA.UTF-8`) and Accept-Language headers (`ar;q=0.9, en`).
    """
    tags: list[str] = []
    for pref in preferences:
        for part in (pref or "").split(","):
            tag = part.split(";", 1)[0].split(".", 1)[0].strip().replace("_", "-").lower()
            if tag and tag != "*":
                tags.append(tag)
    chosen = negotiate_locale(tags, list(LOCALES), sep="-") if tags else None
    if chosen is None:
        # negotiate_locale only matches whole tags and known aliases; a regional variant such as
        # ar-EG must still fall back to its base language.
        chosen = next((t.split("-")[0].lower() for t in tags if t.split("-")[0].lower() in LOCALES),
                      None)
    return chosen or DEFAULT_LOCALE


def is_rtl(locale: str) -> bool:
    """Whether `locale` is written right to left."""
    return negotiate(locale).split("-")[0] in _RTL_LANGUAGES


def catalog_dir() -> Path:
    """The `locales/` directory (checkout or wheel)."""
    return data_path("locales")


def compile_catalogs(directory: Path | None = None) -> list[Path]:
    """Compile every `.po` file into the `.mo` beside it; returns the written files."""
    written: list[Path] = []
    for po_path in sorted((directory or catalog_dir()).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


@cache
def translations(locale: str) -> NullTranslations:
    """The catalog for `locale`; a missing catalog is an error, never a silent English fallback."""
    lang = negotiate(locale)
    po_path = catalog_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        raise FileNotFoundError(f"translation catalog missing: {po_path}")
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as mo_file:
            return Translations(mo_file, domain=DOMAIN)
    # No compiled catalog (fresh checkout, read-only install): read the .po directly.
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=lang)
    return Translations(_mo_buffer(catalog), domain=DOMAIN)


def _mo_buffer(catalog: Catalog) -> io.BytesIO:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return buffer


def current_locale() -> str:
    """The language of the current context (`en` or `ar`)."""
    return _current.get()


def set_locale(locale: str | None) -> str:
    """Set the language of the current context; returns the negotiated catalog name."""
    lang = negotiate(locale)
    _current.set(lang)
    return lang


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Run a block in another language and restore the previous one afterwards."""
    token = _current.set(negotiate(locale))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count by the language's plural rules (Arabic has six forms)."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it yet (translated where it is shown)."""
    return message


def _babel_locale(locale: str | None) -> Locale:
    lang = negotiate(locale or _current.get())
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def format_number(value: float | int, locale: str | None = None) -> str:
    """Format a number for the reader's locale (Arabic uses Arabic separators)."""
    loc = _babel_locale(locale)
    system = "arab" if loc.language == "ar" else "latn"
    return format_decimal(value, locale=loc, numbering_system=system)


def format_datetime(value: dt.datetime, locale: str | None = None) -> str:
    """Format a timestamp for the reader's locale, medium length."""
    return _babel_format_datetime(value, "medium", locale=_babel_locale(locale))
