"""Generated migrations on a database that already holds data (a platform that keeps its data).

The SQL of a generated project's `server/src/migrations.ts` is applied to real PostgreSQL for
version 1, rows are written, and version 2 (a required field and a required link added) is
applied on top: it must start, keep the rows, and make the new columns NOT NULL as soon as no
row lacks them. On an empty database every required column is NOT NULL at once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from webnova.adapters.appdb import driver_url
from webnova.core import db
from webnova.generator.generate import generate_project

pytestmark = pytest.mark.postgres

_SQL = re.compile(r"sql: `(.*?)`,", re.DOTALL)


def _blueprint(version: int) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [{"name": "title", "type": "string", "required": True}]
    entities: list[dict[str, Any]] = [{"name": "Ward", "fields": [
        {"name": "name", "type": "string", "required": True}]}]
    relations: list[dict[str, Any]] = []
    if version > 1:
        fields.append({"name": "priority", "type": "integer", "required": True})
        relations.append({"source": "Note", "target": "Ward", "kind": "many-to-one",
                          "required": True})
    return {"name": "Ward Notes", "slug": "ward-notes", "template": "api-only",
            "domain": "general", "version": version,
            "stack": {"frontend": "none", "backend": "express", "language": "typescript",
                      "database": "postgresql"},
            "entities": [{"name": "Note", "fields": fields}, *entities], "relations": relations}


def _migrations(tmp_path: Path, version: int) -> list[str]:
    out = tmp_path / f"v{version}"
    outcome = generate_project(_blueprint(version), out)
    assert outcome.status == "created", outcome
    return _SQL.findall((out / "server" / "src" / "migrations.ts").read_text(encoding="utf-8"))


@pytest.fixture
def database(pg_server: tuple[str, str]) -> Iterator[str]:
    name = f"webnova_m_{uuid.uuid4().hex[:12]}"
    owner = driver_url(pg_server[0])
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield owner.rsplit("/", 1)[0] + f"/{name}"
    db.drop_database(pg_server[0], name)


def _apply(url: str, migrations: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in migrations:
            conn.execute(sql.encode())  # as the generated server does: one statement batch each


def _nullable(url: str) -> dict[str, bool]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT column_name, is_nullable FROM information_schema.columns "
                            "WHERE table_name = 'notes'").fetchall()
    return {name: flag == "YES" for name, flag in rows}


def test_a_version_that_adds_required_columns_starts_on_a_database_with_rows(
        database: str, tmp_path: Path) -> None:
    _apply(database, _migrations(tmp_path, 1))
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO notes (title) VALUES ('written by version 1')")
    second = _migrations(tmp_path, 2)
    _apply(database, second)
    _apply(database, second)  # every start runs them again
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT title, priority, ward_id FROM notes").fetchall() == [
            ("written by version 1", None, None)]
    assert _nullable(database)["priority"] and not _nullable(database)["title"]
    with psycopg.connect(database, autocommit=True) as conn:  # once the old rows are filled in
        ward = conn.execute("INSERT INTO wards (name) VALUES ('A') RETURNING id").fetchone()
        assert ward is not None
        conn.execute("UPDATE notes SET priority = 1, ward_id = %s", (ward[0],))
    _apply(database, second)
    assert not _nullable(database)["priority"] and not _nullable(database)["ward_id"]


def test_on_an_empty_database_every_required_column_is_not_null_at_once(
        database: str, tmp_path: Path) -> None:
    _apply(database, _migrations(tmp_path, 2))
    nullable = _nullable(database)
    assert not nullable["title"] and not nullable["priority"] and not nullable["ward_id"]
    with psycopg.connect(database, autocommit=True) as conn, \
            pytest.raises(psycopg.errors.NotNullViolation):
        conn.execute("INSERT INTO notes (title) VALUES ('no priority')")
