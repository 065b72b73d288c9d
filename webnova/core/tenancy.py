"""Tenant scoping: every read and write happens inside a transaction bound to exactly one tenant.

On PostgreSQL the binding is `set_config('app.tenant_id', ..., true)` (transaction-local, so a
pooled connection never carries a tenant into the next use) and Row Level Security does the
filtering inside the database. On SQLite the repositories add the tenant to every statement
themselves; both paths are exercised by the same tests through the public API.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, text

from webnova.core.db import Backend, RawConnections
from webnova.core.errors import TenantError

TENANT_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def check_tenant_id(tenant_id: object) -> str:
    """Return a valid tenant id or raise TenantError; an empty or unset tenant is refused."""
    if not isinstance(tenant_id, str) or not tenant_id:
        raise TenantError("a tenant is required")
    if not TENANT_ID_PATTERN.match(tenant_id):
        raise TenantError(
            f"invalid tenant id {tenant_id!r}: use 1-63 lowercase letters, digits, '-' or '_'"
        )
    return tenant_id


class TenantScope:
    """Opens transactions bound to one tenant on one engine."""

    def __init__(self, engine: Engine, backend: Backend, tenant_id: str,
                 raw: RawConnections) -> None:
        self.engine = engine
        self.backend = backend
        self.tenant_id = check_tenant_id(tenant_id)
        self.raw = raw

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        """A transaction in which only this tenant's rows exist (RLS on PostgreSQL)."""
        with self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(webnova_write=True)
            with conn.begin():
                if self.backend == "postgresql":
                    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                                 {"t": self.tenant_id})
                yield conn

    @contextlib.contextmanager
    def raw_write(self) -> Iterator[sqlite3.Connection]:
        """This thread's SQLite connection inside BEGIN IMMEDIATE, committed on success.

        The append paths use the driver directly: they are the hot path of every run, and
        SQLAlchemy's per-statement work cost more than the database itself (bench/eventstore).
        """
        conn = self.raw.sqlite()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
