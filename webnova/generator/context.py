"""The render context: a blueprint turned into plain, JSON-like data the template trees read.

Everything a template needs is computed here, once, in Python (identifiers, SQL and Drizzle column
definitions, zod validators, sample values for the generated tests, foreign keys), so templates
stay declarative and the sandboxed Jinja environment never calls back into Python objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from webnova.generator.blueprint import Blueprint, EntityField, FieldType, Relation
from webnova.generator.naming import EntityNames, FieldNames, entity_names, snake_case
from webnova.generator.pycontext import python_field

GENERATOR_VERSION: Final = "0.1.0"

_DEFAULT_MAX: Final[Mapping[FieldType, int]] = {
    "string": 255, "email": 254, "url": 2048, "text": 20000,
}
_SQL_TYPES: Final[Mapping[FieldType, str]] = {
    "integer": "integer", "decimal": "numeric(14, 2)", "boolean": "boolean", "date": "date",
    "datetime": "timestamptz", "uuid": "uuid", "json": "jsonb", "text": "text",
    "enum": "varchar(64)",
}
_TS_TYPES: Final[Mapping[FieldType, str]] = {
    "string": "string", "text": "string", "email": "string", "url": "string", "enum": "string",
    "uuid": "string", "date": "string", "datetime": "string", "integer": "number",
    "decimal": "number", "boolean": "boolean", "json": "unknown",
}
_INPUT_TYPES: Final[Mapping[FieldType, str]] = {
    "string": "text", "text": "textarea", "email": "email", "url": "url", "enum": "select",
    "uuid": "text", "date": "date", "datetime": "datetime-local", "integer": "number",
    "decimal": "number", "boolean": "checkbox", "json": "textarea",
}


def stored_encrypted(f: EntityField) -> bool:
    """Whether a field is encrypted at rest: flagged so, or health (PHI) or card (PCI) data."""
    return f.encrypted or f.phi or f.pci


def _sql_type(f: EntityField, max_length: int | None) -> str:
    if stored_encrypted(f):
        return "text"  # ciphertext: base64 of IV, tag and data, longer than the plaintext
    if f.type in ("string", "email", "url"):
        return f"varchar({max_length})"
    return _SQL_TYPES[f.type]


def _drizzle(f: EntityField, names: FieldNames, max_length: int | None, unique: bool) -> str:
    col = json.dumps(names.column)
    if stored_encrypted(f):
        expr = f"text({col})"
    elif f.type in ("string", "email", "url"):
        expr = f"varchar({col}, {{ length: {max_length} }})"
    else:
        expr = {
            "text": f"text({col})",
            "enum": f"varchar({col}, {{ length: 64 }})",
            "integer": f"integer({col})",
            "decimal": f"numeric({col}, {{ precision: 14, scale: 2 }})",
            "boolean": f"boolean({col})",
            "date": f"date({col}, {{ mode: 'string' }})",
            "datetime": f"timestamp({col}, {{ withTimezone: true, mode: 'date' }})",
            "uuid": f"uuid({col})",
            "json": f"jsonb({col})",
        }[f.type]
    if f.required:
        expr += ".notNull()"
    if unique:
        expr += ".unique()"
    return expr


def _zod(f: EntityField, max_length: int | None) -> str:
    base = {
        "string": "z.string().trim().min(1)",
        "text": "z.string()",
        "email": "z.string().trim().email()",
        "url": "z.string().trim().url()",
        "integer": "z.number().int().min(-2147483648).max(2147483647)",
        "decimal": "z.number().finite().min(-1e12).max(1e12)",
        "boolean": "z.boolean()",
        "date": "z.string().regex(/^\\d{4}-\\d{2}-\\d{2}$/).refine(isDate, 'Invalid date')",
        # Four-digit years: the PostgreSQL drivers misread years below 100 (0099 comes back as
        # 1999, 0014 with an offset throws), and a business record has no use for them.
        "datetime": "z.string().datetime({ offset: true }).regex(/^[1-9]\\d{3}-/, "
                    "'Use a year from 1000 to 9999')",
        "uuid": "z.string().uuid()",
        "json": "z.unknown()",
        "enum": "z.enum([" + ", ".join(json.dumps(v) for v in f.enum_values or []) + "])",
    }[f.type]
    if max_length is not None:
        base += f".max({max_length})"
    return base if f.required else base + ".nullable().optional()"


def _samples(f: EntityField, max_length: int | None) -> dict[str, str]:
    """TypeScript expressions of valid values; `n` is a counter in scope so unique fields differ."""
    limit = max_length or 0
    text = {
        "string": f"uniq('sample', n, {limit})",
        "text": f"uniq('sample text', n, {limit})",
        "email": "`user${n}@example.com`",
        "url": "`https://example.com/${n}`",
    }
    arabic = {
        "string": f"uniq('نص عربي', n, {limit})",
        "text": f"uniq('نص عربي طويل', n, {limit})",
    }
    other = {
        "integer": "n", "decimal": "n + 0.5", "boolean": "n % 2 === 0",
        "date": "'2024-01-15'", "datetime": "'2024-01-15T10:30:00.000Z'",
        "uuid": "randomUUID()", "json": "{ n }",
        "enum": json.dumps((f.enum_values or ["x"])[0]),
    }
    valid = text.get(f.type) or other[f.type]
    changed = {
        "integer": "n + 1", "decimal": "n + 1.25", "boolean": "n % 2 !== 0",
        "date": "'2024-02-20'", "datetime": "'2024-02-20T08:00:00.000Z'",
        "enum": json.dumps((f.enum_values or ["x"])[-1]),
        "string": f"uniq('changed', n + 1000, {limit})",
        "text": f"uniq('changed text', n + 1000, {limit})",
        "email": "`changed${n}@example.org`", "url": "`https://example.org/${n}`",
        "uuid": "randomUUID()", "json": "{ n: n + 1 }",
    }[f.type]
    bad = {
        "integer": "'not a number'", "decimal": "'not a number'", "boolean": "'yes'",
        "date": "'15/01/2024'", "datetime": "'yesterday'", "uuid": "'not-a-uuid'",
        "email": "'not an email'", "url": "'not a url'", "enum": "'__not_an_option__'",
        "string": "12345", "text": "12345", "json": "undefined",
    }[f.type]
    return {"valid": valid, "changed": changed, "arabic": arabic.get(f.type, ""), "bad": bad}


@dataclass(frozen=True)
class ForeignKey:
    """A reference column on `owner` pointing at `target`."""

    owner: str
    column: str
    prop: str
    target: str
    required: bool
    unique: bool


def _foreign_keys(bp: Blueprint, names: Mapping[str, EntityNames]) -> list[ForeignKey]:
    # Relations resolve by name_key; find_entity does that, then names are looked up by original.
    keys: list[ForeignKey] = []
    taken: dict[str, set[str]] = {n.snake: {f.column for f in n.fields} for n in names.values()}
    for relation in bp.relations:
        owner, target, unique = _fk_ends(bp, relation)
        if owner is None or target is None:
            continue
        owner_n, target_n = names[owner], names[target]
        stem = snake_case(relation.name) if relation.name and relation.kind != "one-to-many" else ""
        column = f"{stem or target_n.snake}_id"
        base, counter = column, 2
        while column in taken[owner_n.snake] or column in ("id", "created_at", "updated_at"):
            column, counter = f"{base[:-3]}_{counter}_id", counter + 1
        taken[owner_n.snake].add(column)
        required = relation.required and relation.kind != "one-to-many"
        keys.append(ForeignKey(owner_n.snake, column, _camel(column), target_n.snake,
                               required, unique))
    return _break_required_cycles(keys)


def _fk_ends(bp: Blueprint, relation: Relation) -> tuple[str | None, str | None, bool]:
    source, target = bp.find_entity(relation.source), bp.find_entity(relation.target)
    if source is None or target is None or relation.kind == "many-to-many":
        return None, None, False
    if relation.kind == "one-to-many":
        return target.name, source.name, False
    return source.name, target.name, relation.kind == "one-to-one"


def _break_required_cycles(keys: list[ForeignKey]) -> list[ForeignKey]:
    """Make a required reference optional when required references form a cycle.

    A record on a required cycle could never be inserted first; the later edge (in blueprint
    order) becomes nullable, so the result is deterministic.
    """
    result: list[ForeignKey] = []
    for key in keys:
        if key.required and _reaches(result, key.target, key.owner):
            key = ForeignKey(key.owner, key.column, key.prop, key.target, False, key.unique)
        result.append(key)
    return result


def _reaches(keys: list[ForeignKey], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(k.target for k in keys if k.required and k.owner == node)
    return False


def _camel(snake: str) -> str:
    parts = snake.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _field_context(f: EntityField, names: FieldNames) -> dict[str, Any]:
    max_length = f.max_length or _DEFAULT_MAX.get(f.type)
    encrypted = stored_encrypted(f)
    unique = f.unique and not encrypted  # random IVs make equal plaintexts differ
    return {
        "name": f.name, "column": names.column, "prop": names.prop,
        "label_en": names.label_en, "label_ar": names.label_ar,
        "type": f.type, "required": f.required, "unique": unique, "max_length": max_length,
        "enum_values": list(f.enum_values or []),
        "sensitive": f.pii or f.phi or f.pci, "encrypted": encrypted,
        "flags": [flag for flag in ("pii", "phi", "pci") if getattr(f, flag)],
        "sql_type": _sql_type(f, max_length), "drizzle": _drizzle(f, names, max_length, unique),
        "zod": _zod(f, max_length), "ts_type": _TS_TYPES[f.type],
        "input_type": _INPUT_TYPES[f.type], "sample": _samples(f, max_length),
        "is_text": f.type in ("string", "text"),
        "py": python_field(f, names.column, max_length, encrypted),
    }


def _entity_context(
    entity_names_: EntityNames, bp: Blueprint, fks: list[ForeignKey]
) -> dict[str, Any]:
    entity = bp.find_entity(entity_names_.original)
    assert entity is not None  # names were built from bp.entities
    fields = [_field_context(f, n)
              for f, n in zip(entity.fields, entity_names_.fields, strict=True)]
    own_fks = [fk for fk in fks if fk.owner == entity_names_.snake]
    return {
        "name": entity.name, "snake": entity_names_.snake, "pascal": entity_names_.pascal,
        "camel": entity_names_.camel, "table": entity_names_.table, "route": entity_names_.route,
        "label_en": entity_names_.label_en, "label_ar": entity_names_.label_ar,
        "fields": fields,
        "foreign_keys": [fk.__dict__ for fk in own_fks],
        "sensitive_props": [f["prop"] for f in fields if f["sensitive"]],
        "encrypted_props": [f["prop"] for f in fields if f["encrypted"]],
        "list_fields": [f for f in fields if not f["sensitive"]][:4],
        "phi": any(f.phi for f in entity.fields),
        "personal": any(f.pii or f.phi for f in entity.fields),
        "title_field": next((f for f in fields if f["is_text"] and not f["sensitive"]), None),
    }


def _page_path(path: str) -> str:
    # Next.js-style `[id]` and React Router `:id` both become `:id`.
    return "/".join(f":{p[1:-1]}" if p.startswith("[") and p.endswith("]") else p
                    for p in path.split("/"))


def _pages(bp: Blueprint, entities: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    pages = []
    for index, page in enumerate(bp.pages):
        entity = bp.find_entity(page.entity) if page.entity else None
        route = _page_path(page.path)
        slug = snake_case(page.path) or "home"
        pages.append({
            "name": page.name, "path": route, "kind": page.kind, "index": index,
            "entity": entities[entity.name]["route"] if entity else None,
            "has_param": ":" in route, "slug": slug,
            "file": "index.html" if page.path == "/" else f"{page.path.strip('/')}/index.html",
        })
    if not any(p["path"] == "/" for p in pages):
        pages.insert(0, {"name": bp.name, "path": "/", "kind": "landing", "index": -1,
                         "entity": None, "has_param": False, "slug": "home",
                         "file": "index.html"})
    return pages


def build_context(bp: Blueprint) -> dict[str, Any]:
    """The complete, JSON-serializable context every template of `bp` is rendered with."""
    names = {n.original: n for n in entity_names(bp)}
    fks = _foreign_keys(bp, names)
    entities = {n.original: _entity_context(n, bp, fks) for n in names.values()}
    by_snake = {e["snake"]: e for e in entities.values()}
    for entity in entities.values():
        for fk in entity["foreign_keys"]:
            target = by_snake[fk["target"]]
            fk.update(target_table=target["table"], target_route=target["route"],
                      target_pascal=target["pascal"], target_camel=target["camel"],
                      target_label_en=target["label_en"], target_label_ar=target["label_ar"])
    for entity in entities.values():
        entity["referenced_by"] = [
            {"camel": other["camel"], "snake": other["snake"], "pascal": other["pascal"],
             "route": other["route"], "prop": fk["prop"], "column": fk["column"],
             "required": fk["required"]}
            for other in entities.values() for fk in other["foreign_keys"]
            if fk["target"] == entity["snake"] and other is not entity]
    many = _many_to_many(bp, entities)
    stack = bp.stack.model_dump(mode="json")
    return {
        "project": {
            "name": bp.name, "slug": bp.slug, "description": bp.description,
            "version": bp.version, "template": bp.template, "domain": bp.domain,
            "locales": list(bp.locales), "default_locale": bp.default_locale,
            "rtl_default": bp.default_locale == "ar", "compliance": list(bp.compliance),
        },
        "stack": stack,
        "auth": bp.stack.auth == "jwt",
        "multi_tenant": bp.tenancy.mode == "multi",
        "has_frontend": bp.stack.frontend != "none",
        "has_backend": bp.stack.backend != "none",
        "pwa": bp.template == "mobile-pwa",
        "features": bp.features.model_dump(mode="json"),
        "entities": list(entities.values()),
        "join_tables": many,
        "has_encrypted": any(e["encrypted_props"] for e in entities.values()),
        "security": _security(bp, list(entities.values())),
        "pages": _pages(bp, entities),
        "generator_version": GENERATOR_VERSION,
    }


def _security(bp: Blueprint, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """The compliance measures the blueprint asks for, by pack or by what its data implies.

    HIPAA (a pack, PHI fields or the healthcare domain): audit records of every PHI request and
    15-minute sessions. GDPR: consent records plus export (Art. 20) and erasure (Art. 17)
    endpoints. A Stripe payment flow adds the tokenizing SDK (PCI-DSS). HTTPS, request logging and
    database TLS in production are in every backend.
    """
    packs = set(bp.compliance)
    hipaa = "hipaa" in packs or bp.domain == "healthcare" or any(e["phi"] for e in entities)
    gdpr = "gdpr" in packs
    stripe = "stripe" in bp.features.payments or any(
        i.kind == "payment" and i.provider == "stripe" for i in bp.integrations)
    personal = [e for e in entities if e["personal"]] if gdpr else []
    # Every entity the privacy routes read: the personal ones and those referring to them.
    touched = {e["snake"]: (e["camel"], e["pascal"]) for e in personal}
    touched.update((r["snake"], (r["camel"], r["pascal"]))
                   for e in personal for r in e["referenced_by"])
    return {
        "hipaa": hipaa, "gdpr": gdpr, "stripe": stripe,
        "audit": any(e["phi"] for e in entities),
        "token_ttl": "15m" if hipaa else "12h",
        "personal_entities": personal,
        "privacy_entities": [{"snake": k, "camel": v[0], "pascal": v[1]}
                             for k, v in sorted(touched.items())],
    }


def _many_to_many(bp: Blueprint, entities: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    tables: list[dict[str, str]] = []
    for relation in bp.relations:
        if relation.kind != "many-to-many":
            continue
        source, target = bp.find_entity(relation.source), bp.find_entity(relation.target)
        if source is None or target is None:
            continue
        left, right = entities[source.name], entities[target.name]
        name = f"{left['table']}_{right['table']}"
        while name in {t["table"] for t in tables}:
            name += "_2"
        right_column = f"{right['snake']}_id"
        if left is right:
            right_column = f"related_{right_column}"
        tables.append({"table": name, "camel": _camel(name),
                       "left_table": left["table"], "left_column": f"{left['snake']}_id",
                       "right_table": right["table"], "right_column": right_column})
    return tables
