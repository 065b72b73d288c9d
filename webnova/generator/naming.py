"""Safe, deterministic identifiers for entity and field names written in any script.

Blueprint names are free text ("Order", "تاريخ الميلاد", "class"); generated code needs names that
are valid and unreserved in TypeScript, Python and SQL at once. The rules, applied in order:

1. NFKC-normalize, transliterate Arabic letters to Latin (a fixed table, so the result never
   depends on the machine), strip remaining accents, and reduce to `[a-z0-9_]` snake case.
2. Nothing left (emoji only, say): use `entity_<n>` / `field_<n>` (1-based position).
3. A leading digit gets an `n` prefix (`2fa` -> `n2fa`).
4. A reserved word (in any of the target languages, or a name the generator itself uses such as
   `id` or `created_at`) gets a `_value` (fields) or `_item` (entities) suffix.
5. Names that collide after all this get `_2`, `_3`, ... in blueprint order, so the first keeps
   its natural identifier and later ones are stable as long as the order is.

The original name stays the display label when the blueprint gives none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from webnova.generator.blueprint import Blueprint, Entity, EntityField

# Buckwalter-like, readable rather than reversible: identifiers are for code, labels for people.
_ARABIC: Final[dict[str, str]] = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "aa", "ٱ": "a", "ء": "", "ؤ": "w", "ئ": "y", "ب": "b",
    "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r",
    "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "a",
    "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    "ة": "a", "و": "w", "ي": "y", "ى": "a", "ـ": "", "گ": "g", "پ": "p", "چ": "ch", "ژ": "zh",
    "ک": "k", "ی": "y",
}
_ARABIC_DIGITS: Final = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_TS_RESERVED: Final = frozenset("""
break case catch class const continue debugger default delete do else enum export extends false
finally for function if import in instanceof new null return super switch this throw true try
typeof var void while with yield let static implements interface package private protected public
await constructor prototype arguments eval
""".split())
_PY_RESERVED: Final = frozenset("""
false none true and as assert async await break class continue def del elif else except finally
for from global if import in is lambda nonlocal not or pass raise return try while with yield
self cls
""".split())
_SQL_RESERVED: Final = frozenset("""
all analyse analyze and any array as asc asymmetric authorization binary both case cast check
collate column constraint create cross current_date current_role current_time current_timestamp
current_user default deferrable desc distinct do else end except false fetch for foreign freeze
from full grant group having ilike in initially inner intersect into is isnull join lateral
leading left like limit localtime localtimestamp natural not notnull null offset on only or
order outer overlaps placing primary references returning right select session_user similar some
symmetric table tablesample then to trailing true union unique user using variadic verbose when
where window with
""".split())
RESERVED_WORDS: Final = _TS_RESERVED | _PY_RESERVED | _SQL_RESERVED

# Columns the generator adds itself, and route segments it serves beside the entity routes.
GENERATED_FIELDS: Final = frozenset({"id", "created_at", "updated_at", "tenant_id"})
GENERATED_ENTITIES: Final = frozenset({
    "auth", "health", "openapi", "docs", "webnova_user", "webnova_users", "api", "assets",
})


@dataclass(frozen=True)
class FieldNames:
    """Identifiers of one field, plus the labels shown to people."""

    original: str
    column: str
    prop: str
    label_en: str
    label_ar: str


@dataclass(frozen=True)
class EntityNames:
    """Identifiers of one entity, plus the labels shown to people."""

    original: str
    snake: str
    pascal: str
    camel: str
    table: str
    route: str
    label_en: str
    label_ar: str
    fields: tuple[FieldNames, ...]


def transliterate(text: str) -> str:
    """Latin approximation of `text`: Arabic letters mapped, accents stripped, case kept."""
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_DIGITS)
    text = "".join(_ARABIC.get(char, char) for char in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def snake_case(text: str) -> str:
    """`OrderItem`, `order-item`, `Order item`, `طلب شراء` -> `order_item`, ..., `tlb_shra`."""
    latin = transliterate(text)
    latin = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", latin)
    latin = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", latin)
    return "_".join(re.findall(r"[a-z0-9]+", latin.lower()))


def _pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def _camel(snake: str) -> str:
    pascal = _pascal(snake)
    return pascal[:1].lower() + pascal[1:]


def pluralize(word: str) -> str:
    """English plural of the last word of a snake_case name (`category` -> `categories`)."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def safe_identifiers(
    names: Sequence[str], *, kind: str, reserved: Iterable[str] = RESERVED_WORDS
) -> list[str]:
    """Snake-case identifiers for `names`, unique and unreserved, in the same order.

    Args:
        names: Original names in blueprint order.
        kind: `entity` or `field`; picks the fallback stem and the reserved-word suffix.
        reserved: Identifiers to avoid.
    """
    suffix = "_item" if kind == "entity" else "_value"
    avoid = frozenset(reserved)
    result: list[str] = []
    used: set[str] = set()
    for position, name in enumerate(names, start=1):
        base = snake_case(name) or f"{kind}_{position}"
        if base[0].isdigit():
            base = f"n{base}"
        if base in avoid:
            base += suffix
        candidate, counter = base, 2
        while candidate in used:
            candidate, counter = f"{base}_{counter}", counter + 1
        used.add(candidate)
        result.append(candidate)
    return result


def _unique_plurals(snakes: Sequence[str]) -> list[str]:
    # "status" and "statuses" would share a table; the later one gets a suffix.
    result: list[str] = []
    for snake in snakes:
        plural, counter = pluralize(snake), 2
        while plural in result or plural in RESERVED_WORDS or plural in GENERATED_ENTITIES:
            plural, counter = f"{pluralize(snake)}_{counter}", counter + 1
        result.append(plural)
    return result


def field_names(entity: Entity) -> tuple[FieldNames, ...]:
    """Identifiers for every field of `entity`, in order."""
    columns = safe_identifiers(
        [f.name for f in entity.fields], kind="field", reserved=RESERVED_WORDS | GENERATED_FIELDS)
    return tuple(_field(f, column) for f, column in zip(entity.fields, columns, strict=True))


def _field(entity_field: EntityField, column: str) -> FieldNames:
    label = entity_field.label
    return FieldNames(
        original=entity_field.name,
        column=column,
        prop=_camel(column),
        label_en=(label.en if label and label.en else _humanize(entity_field.name, column)),
        label_ar=(label.ar if label and label.ar else entity_field.name),
    )


def _humanize(original: str, identifier: str) -> str:
    # An English label from an ASCII name ("full_name" -> "Full name"); other scripts keep theirs.
    if original.isascii():
        words = identifier.replace("_", " ").strip()
        return words[:1].upper() + words[1:]
    return original


def entity_names(bp: Blueprint) -> tuple[EntityNames, ...]:
    """Identifiers for every entity of `bp` and its fields, in blueprint order."""
    # Singular names live in TypeScript and Python code; only the plural table names meet SQL.
    snakes = safe_identifiers([e.name for e in bp.entities], kind="entity",
                              reserved=_TS_RESERVED | _PY_RESERVED | GENERATED_ENTITIES)
    tables = _unique_plurals(snakes)
    result = []
    for entity, snake, table in zip(bp.entities, snakes, tables, strict=True):
        label = entity.label
        result.append(EntityNames(
            original=entity.name,
            snake=snake,
            pascal=_pascal(snake),
            camel=_camel(snake),
            table=table,
            route=table.replace("_", "-"),
            label_en=(label.en if label and label.en else _humanize(entity.name, snake)),
            label_ar=(label.ar if label and label.ar else entity.name),
            fields=field_names(entity),
        ))
    return tuple(result)
