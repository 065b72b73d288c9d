"""Engines, migrations and schema status for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from webnova.core.errors import DatabaseConfigError

Backend = Literal["sqlite", "postgresql"]
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Tables the application role may use; each entry is the privilege list. Events and the audit log
# are insert-only by grant as well as by trigger.
APP_GRANTS: dict[str, str] = {
    "tenants": "SELECT, INSERT",
    "events": "SELECT, INSERT",
    "audit_log": "SELECT, INSERT",
    "tenant_settings": "SELECT, INSERT, UPDATE, DELETE",
    # Governance (revision 0002). Users are global identities (no tenant data); constitutions,
    # waivers and usage records are append-only, memberships change with roles and statuses.
    "users": "SELECT, INSERT, UPDATE",
    "memberships": "SELECT, INSERT, UPDATE",
    "constitutions": "SELECT, INSERT",
    "compliance_waivers": "SELECT, INSERT",
    "usage_records": "SELECT, INSERT",
    "alembic_version": "SELECT",  # so the app can check the schema is current
}
APP_FUNCTIONS = ("webnova_append_events", "webnova_audit_append")


def backend_of(url: str) -> Backend:
    """Which database family a URL points at; anything else is a configuration error."""
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise DatabaseConfigError(f"unsupported database URL scheme {name!r}")


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (plain `postgresql://` too)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 5, autocommit: bool = False) -> Engine:
    """Create an engine tuned for WebNova's access patterns on either backend.

    No pre-ping on checkout: it would add a round trip to every append; stale connections are
    recycled by age instead.
    """
    backend = backend_of(url)
    if backend == "sqlite":
        return _sqlite_engine(url)
    return create_engine(normalize_url(url), pool_size=pool_size, max_overflow=10,
                         pool_recycle=1800,
                         isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED")


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        configure_sqlite(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: a deferred transaction that reads and then writes
        # can fail with SQLITE_BUSY instead of waiting, which breaks version checks under load.
        mode = "IMMEDIATE" if conn.get_execution_options().get("webnova_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def configure_sqlite(conn: sqlite3.Connection) -> None:
    """Set WebNova's SQLite connection options.

    WAL with synchronous=NORMAL (durable across process crashes, fast commits), foreign keys, a
    generous busy timeout; transactions are begun explicitly (BEGIN IMMEDIATE for writers).
    """
    conn.isolation_level = None
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")


class RawConnections:
    """Driver-level connections for the append hot paths (events, audit).

    PostgreSQL: a pool whose connections stay in autocommit, so one function call is one round
    trip. SQLite: one connection per thread, kept open, so an append costs no pool bookkeeping
    (a pool checkout cost as much as the insert itself).
    """

    def __init__(self, engine: Engine) -> None:
        self.backend = backend_of(str(engine.url))
        self._url = engine.url.render_as_string(hide_password=False)
        self._autocommit = make_engine(self._url, autocommit=True) if self.backend == "postgresql" \
            else None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def postgres(self) -> Iterator[Any]:
        """A pooled psycopg connection in autocommit mode."""
        assert self._autocommit is not None, "postgres() on a SQLite database"
        pooled = self._autocommit.raw_connection()
        try:
            yield pooled.driver_connection
        finally:
            pooled.close()

    def sqlite(self) -> sqlite3.Connection:
        """This thread's SQLite connection (autocommit; begin transactions explicitly)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            database = make_url(self._url).database or ":memory:"
            conn = sqlite3.connect(database, timeout=30, check_same_thread=False)
            configure_sqlite(conn)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this object opened."""
        if self._autocommit is not None:
            self._autocommit.dispose()
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version of WebNova."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(admin_url: str, app_url: str | None = None) -> str:
    """Migrate to the newest schema (same migrations on both backends) and grant the app role.

    Returns the revision reached. On PostgreSQL, when the app connects as another role than the
    one that owns the schema, that role gets exactly the privileges in APP_GRANTS.
    """
    engine = make_engine(admin_url, pool_size=1)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
        if backend_of(admin_url) == "postgresql" and app_url:
            _grant_app_role(engine, admin_url, app_url)
        return head_revision()
    finally:
        engine.dispose()


def _grant_app_role(engine: Engine, admin_url: str, app_url: str) -> None:
    app_user = make_url(app_url).username
    if not app_user or app_user == make_url(admin_url).username:
        return
    role = '"' + app_user.replace('"', '""') + '"'
    with engine.begin() as conn:
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {role}")
        for table, privileges in APP_GRANTS.items():
            conn.exec_driver_sql(f"GRANT {privileges} ON {table} TO {role}")
        for function in APP_FUNCTIONS:
            conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {function} TO {role}")


@dataclass(frozen=True)
class RoleCheck:
    """What the connected PostgreSQL role is allowed to bypass."""

    name: str
    superuser: bool
    bypass_rls: bool

    @property
    def rls_enforced(self) -> bool:
        """Row Level Security only binds roles that are neither superusers nor BYPASSRLS."""
        return not (self.superuser or self.bypass_rls)


def check_role(engine: Engine) -> RoleCheck:
    """Inspect the role an engine connects as (PostgreSQL only)."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )).one()
    return RoleCheck(name=row[0], superuser=bool(row[1]), bypass_rls=bool(row[2]))


def drop_database(admin_url: str, name: str, *, wait_seconds: float = 10.0) -> None:
    """Drop a scratch database (tests, benchmarks) once its last sessions have gone.

    A closed connection's server process exits a moment after the client returns, and the admin
    role may not terminate another role's sessions itself, so wait for them to end first.
    """
    engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            deadline = time.monotonic() + wait_seconds
            others = text("SELECT count(*) FROM pg_stat_activity "
                          "WHERE datname = :n AND pid <> pg_backend_pid()")
            while time.monotonic() < deadline and conn.execute(others, {"n": name}).scalar_one():
                time.sleep(0.05)
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@contextlib.contextmanager
def scoped_engine(url: str) -> Iterator[Engine]:
    """An engine disposed of when the block ends (CLI commands, benchmarks)."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
