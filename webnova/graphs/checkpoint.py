"""Checkpointers: a SQLite file under WEBNOVA_HOME by default, PostgreSQL next to the data.

PostgreSQL follows STACK-NOTES 1: a psycopg pool with autocommit, prepare_threshold=0 and dict
rows, and an explicit `setup()` (without autocommit `setup()` fails on a fresh database).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from webnova.settings import Settings


def psycopg_dsn(url: str) -> str:
    """A SQLAlchemy URL (`postgresql+psycopg://...`) as a libpq DSN psycopg understands."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgresql") else url


@contextmanager
def open_checkpointer(settings: Settings, url: str | None = None) -> (
        Iterator[BaseCheckpointSaver[Any]]):
    """The configured checkpointer, open for the duration of the `with` block."""
    target = url or settings.checkpoint_url
    if target.startswith("postgresql"):
        admin = psycopg_dsn(settings.effective_admin_url if url is None else url)
        setup_postgres_checkpoints(admin, psycopg_dsn(target))
        with _postgres(psycopg_dsn(target)) as saver:
            yield saver
        return
    path = Path(target.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        saver = SqliteSaver(conn)
        saver.setup()
        yield saver
    finally:
        conn.close()


CHECKPOINT_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes",
                     "checkpoint_migrations")


def setup_postgres_checkpoints(admin_dsn: str, app_dsn: str) -> None:
    """Create the checkpoint tables as the schema owner and let the app role use them.

    The app role (Row Level Security applies to it) may not create tables, so `setup()` runs
    with the admin URL, in autocommit as it needs, and the app role gets row privileges only.
    """
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection, conninfo, sql
    from psycopg.rows import dict_row

    with Connection.connect(admin_dsn, autocommit=True, prepare_threshold=0,
                            row_factory=dict_row) as conn:
        PostgresSaver(conn).setup()
        app_user = conninfo.conninfo_to_dict(app_dsn).get("user")
        admin_user = conninfo.conninfo_to_dict(admin_dsn).get("user")
        if app_user and app_user != admin_user:
            for table in CHECKPOINT_TABLES:
                conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                    sql.Identifier(table), sql.Identifier(str(app_user))))


@contextmanager
def _postgres(dsn: str) -> Iterator[BaseCheckpointSaver[Any]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import DictRow, dict_row
    from psycopg_pool import ConnectionPool

    kwargs: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0,
                              "row_factory": dict_row}
    with ConnectionPool[Connection[DictRow]](dsn, min_size=1, max_size=4, kwargs=kwargs,
                                             open=True) as pool:
        yield PostgresSaver(pool)
