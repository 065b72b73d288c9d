"""Chat history: Chainlit's `SQLAlchemyDataLayer`, kept apart from WebNova's own tables.

Chainlit's queries name their tables `users`, `threads`, `steps`, `elements` and `feedbacks`
without a schema, and WebNova already has a `users` table. So the chat history lives in its own
SQLite file (`<home>/chat.sqlite`) by default, or in the `chainlit` schema of the configured
PostgreSQL database (`search_path` set per connection). The layer runs no migrations;
`create_schema` creates the tables once, including `steps."autoCollapse"`, which Chainlit 2.12
writes for every step and the documented schema lacks (STACK-NOTES 2.5).

Threads belong to a Chainlit user whose identifier is `<tenant>:<email>` (see `webnova.chat.auth`),
so the sidebar of one tenant's member never lists another tenant's conversations.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webnova.settings import Settings

if TYPE_CHECKING:
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

CHAT_SCHEMA: Final = "chainlit"
CHAT_SQLITE_FILE: Final = "chat.sqlite"

# One DDL for both databases; the type words differ, so they are filled in per dialect.
_TABLES: Final = """
CREATE TABLE IF NOT EXISTS users ("id" {uuid} PRIMARY KEY, "identifier" TEXT NOT NULL UNIQUE,
  "metadata" {json} NOT NULL, "createdAt" TEXT);
CREATE TABLE IF NOT EXISTS threads ("id" {uuid} PRIMARY KEY, "createdAt" TEXT, "name" TEXT,
  "userId" {uuid}, "userIdentifier" TEXT, "tags" {tags}, "metadata" {json},
  FOREIGN KEY ("userId") REFERENCES users("id") ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS steps ("id" {uuid} PRIMARY KEY, "name" TEXT NOT NULL,
  "type" TEXT NOT NULL, "threadId" {uuid} NOT NULL, "parentId" {uuid}, "streaming" BOOLEAN NOT NULL,
  "waitForAnswer" BOOLEAN, "isError" BOOLEAN, "metadata" {json}, "tags" {tags}, "input" TEXT,
  "output" TEXT, "createdAt" TEXT, "command" TEXT, "start" TEXT, "end" TEXT, "generation" {json},
  "showInput" TEXT, "language" TEXT, "indent" INT, "defaultOpen" BOOLEAN, "modes" {json},
  "autoCollapse" BOOLEAN,
  FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS elements ("id" {uuid} PRIMARY KEY, "threadId" {uuid}, "type" TEXT,
  "url" TEXT, "chainlitKey" TEXT, "name" TEXT NOT NULL, "display" TEXT, "objectKey" TEXT,
  "size" TEXT, "page" INT, "language" TEXT, "forId" {uuid}, "mime" TEXT, "props" {json},
  "autoPlay" BOOLEAN, "playerConfig" {json},
  FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS feedbacks ("id" {uuid} PRIMARY KEY, "forId" {uuid} NOT NULL,
  "threadId" {uuid} NOT NULL, "value" INT NOT NULL, "comment" TEXT,
  FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS threads_user_idx ON threads ("userId");
CREATE INDEX IF NOT EXISTS steps_thread_idx ON steps ("threadId");
"""
_TYPES: Final = {
    "sqlite": {"uuid": "TEXT", "json": "TEXT", "tags": "TEXT"},
    "postgresql": {"uuid": "UUID", "json": "JSONB", "tags": "TEXT[]"},
}


def chat_database_url(settings: Settings, *, admin: bool = False) -> str:
    """The async SQLAlchemy URL of the chat history (SQLite under home, or PostgreSQL).

    With `admin`, the URL of the role that owns the schema (creates the tables).
    """
    configured = settings.database_url
    if admin and configured:
        configured = settings.effective_admin_url
    if configured and configured.startswith("postgresql"):
        return make_url(configured).set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False)
    return f"sqlite+aiosqlite:///{settings.home / CHAT_SQLITE_FILE}"


def _sync_url(async_url: str) -> str:
    url = make_url(async_url)
    driver = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return url.set(drivername=driver).render_as_string(hide_password=False)


def _connect_args(url: str) -> dict[str, str]:
    if make_url(url).get_backend_name() == "postgresql":
        # Chainlit's unqualified table names resolve into our schema, never WebNova's tables.
        return {"options": f"-csearch_path={CHAT_SCHEMA}"}
    return {}


def schema_statements(backend: str, app_role: str | None = None) -> list[str]:
    """The DDL statements for `backend` ('sqlite' or 'postgresql'), idempotent.

    On PostgreSQL `app_role` (the role the UI connects as, when it is not the owner) is granted
    use of the schema and its tables.
    """
    ddl = _TABLES.format(**_TYPES[backend])
    statements = [s.strip() for s in ddl.split(";") if s.strip()]
    if backend == "postgresql":
        statements.insert(0, f"CREATE SCHEMA IF NOT EXISTS {CHAT_SCHEMA}")
        if app_role:
            role = '"' + app_role.replace('"', '""') + '"'
            statements += [
                f"GRANT USAGE ON SCHEMA {CHAT_SCHEMA} TO {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {CHAT_SCHEMA} "
                f"TO {role}",
            ]
    return statements


def create_schema(async_url: str, app_role: str | None = None) -> None:
    """Create the chat history tables if they do not exist yet (safe to call on every start)."""
    url = _sync_url(async_url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        database = make_url(url).database
        if database:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args=_connect_args(url))
    try:
        with engine.begin() as conn:
            for statement in schema_statements(backend, app_role):
                conn.execute(text(statement))
    finally:
        engine.dispose()


def make_data_layer(settings: Settings) -> SQLAlchemyDataLayer:
    """The data layer for `@cl.data_layer`, its tables created first."""
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer

    url = chat_database_url(settings)
    admin_url = chat_database_url(settings, admin=True)
    app_role = make_url(url).username
    create_schema(admin_url, app_role if app_role != make_url(admin_url).username else None)
    return SQLAlchemyDataLayer(conninfo=url, connect_args=_connect_args(url))
