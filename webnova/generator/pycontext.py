"""The Python (FastAPI + SQLAlchemy + pydantic) side of a field's render context.

Like `context`, everything is computed here so the `py-fastapi` templates stay declarative:
column types, pydantic annotations and Python expressions of sample values for the generated
tests (`n` is a counter in scope and `uniq(prefix, n, limit)` a helper of the generated tests).
"""

from __future__ import annotations

import json
import keyword
from typing import Any, Final

from pydantic import BaseModel

from webnova.generator.blueprint import EntityField

EMAIL_PATTERN: Final = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL_PATTERN: Final = r"^https?://[^\s/$.?#][^\s]*$"
INT_RANGE: Final = "ge=-2147483648, le=2147483647"
# Names a model attribute may not take: Python keywords, SQLAlchemy's and pydantic's own.
_TAKEN: Final = frozenset({*keyword.kwlist, *keyword.softkwlist, "metadata", "registry", "id",
                           "created_at", "updated_at", *dir(BaseModel)})


def _sa_type(f: EntityField, max_length: int | None, encrypted: bool) -> str:
    if encrypted:
        return "EncryptedText"
    if f.type in ("string", "email", "url"):
        return f"String({max_length})"
    return {
        "text": "Text", "integer": "Integer", "decimal": "Numeric(14, 2)", "boolean": "Boolean",
        "date": "Date", "datetime": "DateTime(timezone=True)", "uuid": "String(36)",
        "json": "JSON", "enum": "String(64)",
    }[f.type]


def _annotation(f: EntityField, max_length: int | None) -> str:
    limit = f", max_length={max_length}" if max_length else ""
    if f.type == "string":
        return ("Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1"
                f"{limit})]")
    if f.type == "text":
        return f"Annotated[StrictStr, StringConstraints({limit[2:]})]"
    if f.type in ("email", "url"):
        pattern = EMAIL_PATTERN if f.type == "email" else URL_PATTERN
        return (f"Annotated[StrictStr, StringConstraints(strip_whitespace=True{limit}, "
                f"pattern={pattern!r})]")
    if f.type == "enum":
        return "Literal[" + ", ".join(json.dumps(v) for v in f.enum_values or []) + "]"
    return {
        "integer": f"Annotated[StrictInt, Field({INT_RANGE})]",
        "decimal": "Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False, strict=False)]",
        "boolean": "StrictBool", "date": "date", "datetime": "AwareDatetime", "uuid": "UUID",
        "json": "Any",
    }[f.type]


_OUT: Final = {
    "string": "str", "text": "str", "email": "str", "url": "str", "enum": "str", "uuid": "str",
    "date": "str", "datetime": "str", "integer": "int", "decimal": "float", "boolean": "bool",
    "json": "Any",
}


def _samples(f: EntityField, max_length: int | None) -> dict[str, str]:
    limit = max_length or 0
    first = (f.enum_values or ["x"])[0]
    last = (f.enum_values or ["x"])[-1]
    valid = {
        "string": f"uniq('sample', n, {limit})", "text": f"uniq('sample text', n, {limit})",
        "email": "f'user{n}@example.com'", "url": "f'https://example.com/{n}'",
        "integer": "n", "decimal": "n + 0.5", "boolean": "n % 2 == 0", "date": "'2024-01-15'",
        "datetime": "'2024-01-15T10:30:00.000Z'", "uuid": "str(uuid4())", "json": "{'n': n}",
        "enum": json.dumps(first),
    }[f.type]
    changed = {
        "string": f"uniq('changed', n + 1000, {limit})",
        "text": f"uniq('changed text', n + 1000, {limit})",
        "email": "f'changed{n}@example.org'", "url": "f'https://example.org/{n}'",
        "integer": "n + 1", "decimal": "n + 1.25", "boolean": "n % 2 != 0",
        "date": "'2024-02-20'", "datetime": "'2024-02-20T08:00:00.000Z'",
        "uuid": "str(uuid4())", "json": "{'n': n + 1}", "enum": json.dumps(last),
    }[f.type]
    bad = {
        "integer": "'not a number'", "decimal": "'not a number'", "boolean": "'yes'",
        "date": "'15/01/2024'", "datetime": "'yesterday'", "uuid": "'not-a-uuid'",
        "email": "'not an email'", "url": "'not a url'", "enum": "'__not_an_option__'",
        "string": "12345", "text": "12345", "json": "",
    }[f.type]
    arabic = {"string": f"uniq('نص عربي', n, {limit})",
              "text": f"uniq('نص عربي طويل', n, {limit})"}.get(f.type, "")
    return {"valid": valid, "changed": changed, "bad": bad, "arabic": arabic}


def python_attr(column: str) -> str:
    """The model attribute of a column: the column name, unless Python or a base class owns it."""
    return f"{column}_" if column in _TAKEN or column.startswith("model_") else column


def python_field(f: EntityField, column: str, max_length: int | None, encrypted: bool) -> (
    dict[str, Any]
):
    """What the FastAPI templates need of one field."""
    return {
        "attr": python_attr(column),
        "sa": _sa_type(f, max_length, encrypted), "ann": _annotation(f, max_length),
        "out": _OUT[f.type], "sample": _samples(f, max_length),
    }
