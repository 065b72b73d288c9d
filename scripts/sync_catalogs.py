"""Keep the gettext catalogs in step with the code.

Extracts every message from `webnova/` and `app.py`, writes `locales/webnova.pot`, and rewrites
`locales/en/LC_MESSAGES/webnova.po` (English: the message itself) and
`locales/ar/LC_MESSAGES/webnova.po` (Arabic: kept from the existing catalog, or taken from the
fragments in `locales/pending/*.po`; `--merge` deletes them once everything is translated).
Exits 1 listing any message that still has no Arabic translation.

Run: .venv/bin/python scripts/sync_catalogs.py   (`make catalogs-sync`)
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
# Babel's own Plural-Forms for Arabic orders "many" (11-99) after "other" (100-102); translators and
# CLDR use zero, one, two, few, many, other, so the catalog states that order explicitly.
AR_PLURAL_FORMS = ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                   "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);")
METHOD_MAP = [("webnova/_data/**", "ignore"), ("webnova/**.py", "python"), ("app.py", "python")]

MessageId = str | tuple[str, str]


def extract() -> dict[MessageId, list[tuple[str, int]]]:
    """Every message id in the code with the places it occurs."""
    found: dict[MessageId, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=DEFAULT_KEYWORDS
    ):
        key: MessageId = message if isinstance(message, str) else (message[0], message[1])
        if key:
            found.setdefault(key, []).append((filename, lineno))
    return found


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def known_arabic() -> dict[str, str | tuple[str, ...]]:
    """Arabic translations from the current catalog; the pending fragments only fill its gaps.

    The catalog wins so an edit made there (a translator's fix) is never undone by a fragment.
    """
    sources = [LOCALES / "ar" / "LC_MESSAGES" / "webnova.po",
               *sorted((LOCALES / "pending").glob("*.po"))]
    known: dict[str, str | tuple[str, ...]] = {}
    for path in sources:
        if path.exists():
            for message in _read(path, "ar"):
                if message.id and _complete(message.string):
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    known.setdefault(key, message.string)
    return known


def _complete(string: object) -> bool:
    if isinstance(string, str):
        return bool(string)
    return isinstance(string, tuple | list) and all(string)


def build(locale: str, messages: dict[MessageId, list[tuple[str, int]]],
          arabic: dict[str, str | tuple[str, ...]]) -> tuple[Catalog, list[str]]:
    """A catalog for `locale` and the message ids it could not translate."""
    catalog = Catalog(locale=locale, domain="webnova", project="WebNova", version="0.1.0",
                      copyright_holder="WebNova", charset="utf-8")
    if locale == "ar":
        catalog.mime_headers = [("Plural-Forms", AR_PLURAL_FORMS)]
    missing: list[str] = []
    for key, places in sorted(messages.items(), key=lambda item: str(item[0])):
        singular = key if isinstance(key, str) else key[0]
        if locale == "en":
            string: str | tuple[str, ...] = key if isinstance(key, str) else (key[0], key[1])
        else:
            string = arabic.get(singular, "" if isinstance(key, str) else ("",) * 6)
            if not _complete(string):
                missing.append(singular)
        flags = ["python-brace-format"] if "{" in singular else []
        catalog.add(key, string, locations=places, flags=flags)
    return catalog, missing


def main() -> int:
    """Extract, rebuild both catalogs, merge and drop finished fragments, report gaps."""
    messages = extract()
    arabic = known_arabic()
    template = Catalog(domain="webnova", project="WebNova", version="0.1.0", charset="utf-8")
    for key, places in messages.items():
        template.add(key, locations=places)
    with (LOCALES / "webnova.pot").open("wb") as handle:
        write_po(handle, template, width=100, sort_output=True)
    missing: list[str] = []
    for locale in ("en", "ar"):
        catalog, gaps = build(locale, messages, arabic)
        missing += gaps
        path = LOCALES / locale / "LC_MESSAGES" / "webnova.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True, omit_header=False)
    if missing:
        print("Messages without an Arabic translation:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    if "--merge" in sys.argv:
        for fragment in (LOCALES / "pending").glob("*.po"):
            fragment.unlink()
    print(f"{len(messages)} messages, both catalogs complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
