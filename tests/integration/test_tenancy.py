"""Tenant isolation: through the public API on both backends, and inside PostgreSQL itself (raw SQL
through the application role, with Row Level Security doing the refusing)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy.exc
from sqlalchemy import Connection, create_engine, text

from tests.conftest import PgUrls
from webnova.core import db
from webnova.core.errors import DatabaseConfigError, TenantError
from webnova.core.events import DomainEvent, EventMetadata
from webnova.core.platform import Platform
from webnova.settings import Settings

META = EventMetadata(actor="tester")


class Note(DomainEvent, event_type="test.Note"):
    text: str


def test_a_tenant_never_sees_another_tenants_streams_audit_or_settings(
    platform: Platform, tenant_id: str
) -> None:
    acme, globex = platform.tenant(f"{tenant_id}-a"), platform.tenant(f"{tenant_id}-b")
    acme.events.append("orders", [Note(text="acme secret")], expected_version=0, metadata=META)
    acme.audit.record("alice", "approve", "blueprint")
    acme.settings.set("approve_below", "write")

    assert globex.events.read_stream("orders") == []
    assert globex.events.read_all() == []
    assert globex.events.stream_version("orders") == 0
    assert globex.audit.head() is None
    assert globex.settings.get("approve_below") is None
    # The same stream name in another tenant is another stream, starting at version 1.
    result = globex.events.append("orders", [Note(text="globex")], expected_version=0,
                                  metadata=META)
    assert result.version == 1
    assert [e.decode() for e in acme.events.read_stream("orders")] == [Note(text="acme secret")]
    assert not globex.settings.delete("approve_below")
    assert acme.settings.get("approve_below") == "write"


@pytest.mark.parametrize("bad", ["", None, "Acme", "a b", "x" * 64, "../etc", "ن"])
def test_a_missing_or_malformed_tenant_is_refused(platform: Platform, bad: object) -> None:
    with pytest.raises(TenantError):
        platform.tenant(bad)  # type: ignore[arg-type]


def test_tenants_are_registered_on_first_use(platform: Platform, tenant_id: str) -> None:
    platform.tenant(tenant_id)
    assert tenant_id in platform.tenant_ids()


# --- PostgreSQL: the database itself enforces the boundary --------------------------------------


def _as_tenant(conn: Connection, tenant: str | None) -> None:
    if tenant is not None:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant})


@pytest.fixture
def seeded(pg_database: PgUrls, settings: Settings, tenant_id: str) -> tuple[str, str]:
    """Two tenants with an event, an audit entry and a setting each."""
    a, b = f"{tenant_id}-a", f"{tenant_id}-b"
    with Platform.open(pg_database.app, settings=settings) as platform:
        for t in (a, b):
            handle = platform.tenant(t)
            handle.events.append("s", [Note(text=t)], expected_version=0, metadata=META)
            handle.audit.record("system", "seed", t)
            handle.settings.set("k", t)
    return a, b


@pytest.fixture
def app_engine(pg_database: PgUrls) -> Iterator[sqlalchemy.Engine]:
    engine = create_engine(db.normalize_url(pg_database.app))
    yield engine
    engine.dispose()


TENANT_TABLES = ("events", "audit_log", "tenant_settings")


@pytest.mark.postgres
def test_raw_sql_as_the_app_role_reads_only_the_current_tenant(
    app_engine: sqlalchemy.Engine, seeded: tuple[str, str]
) -> None:
    a, b = seeded
    with app_engine.begin() as conn:
        _as_tenant(conn, a)
        for table in TENANT_TABLES:
            rows = conn.execute(text(f"SELECT DISTINCT tenant_id FROM {table} "
                                     "WHERE tenant_id IN (:a, :b)"), {"a": a, "b": b}).all()
            assert rows == [(a,)], table


@pytest.mark.postgres
def test_raw_sql_with_no_tenant_set_sees_and_writes_nothing(
    app_engine: sqlalchemy.Engine, seeded: tuple[str, str]
) -> None:
    a, _ = seeded
    with app_engine.begin() as conn:
        for table in TENANT_TABLES:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
        _as_tenant(conn, "")  # an empty setting counts as unset (NULLIF)
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0
    with pytest.raises(sqlalchemy.exc.ProgrammingError, match="row-level security"), \
            app_engine.begin() as conn:
        conn.execute(text("INSERT INTO tenant_settings (tenant_id, key, value, updated_at) "
                          "VALUES (:a, 'x', '1', now())"), {"a": a})


@pytest.mark.postgres
def test_raw_sql_cannot_insert_rows_for_another_tenant(
    app_engine: sqlalchemy.Engine, seeded: tuple[str, str]
) -> None:
    a, b = seeded
    statements = [
        "INSERT INTO tenant_settings (tenant_id, key, value, updated_at) "
        "VALUES (:b, 'stolen', '1', now())",
        "INSERT INTO events (position, tenant_id, stream_id, version, event_id, event_type, "
        "schema_version, payload, metadata, recorded_at) VALUES (1, :b, 's', 99, "
        "gen_random_uuid(), 'x', 1, '{}', '{}', now())",
        "INSERT INTO audit_log (tenant_id, seq, prev_hash, hash, actor, action, target, body, "
        "recorded_at) VALUES (:b, 99, 'x', 'y', 'a', 'b', 'c', '{}', now())",
    ]
    for statement in statements:
        with pytest.raises(sqlalchemy.exc.ProgrammingError, match="row-level security"), \
                app_engine.begin() as conn:
            _as_tenant(conn, a)
            conn.execute(text(statement), {"b": b})


@pytest.mark.postgres
def test_raw_sql_cannot_update_or_delete_another_tenants_rows(
    app_engine: sqlalchemy.Engine, seeded: tuple[str, str]
) -> None:
    a, b = seeded
    with app_engine.begin() as conn:
        _as_tenant(conn, a)
        updated = conn.execute(text("UPDATE tenant_settings SET value = '\"hacked\"' "
                                    "WHERE tenant_id = :b"), {"b": b})
        deleted = conn.execute(text("DELETE FROM tenant_settings WHERE tenant_id = :b"),
                               {"b": b})
        assert (updated.rowcount, deleted.rowcount) == (0, 0)
        # Moving one's own row into the other tenant is refused as well.
        with pytest.raises(sqlalchemy.exc.ProgrammingError, match="row-level security"):
            conn.execute(text("UPDATE tenant_settings SET tenant_id = :b WHERE tenant_id = :a"),
                         {"a": a, "b": b})
    with app_engine.begin() as conn:
        _as_tenant(conn, b)
        value = conn.execute(text("SELECT value FROM tenant_settings WHERE key = 'k'"))
        assert value.scalar_one() == b


@pytest.mark.postgres
def test_the_tenant_setting_ends_with_its_transaction(
    app_engine: sqlalchemy.Engine, seeded: tuple[str, str]
) -> None:
    a, _ = seeded
    with app_engine.connect() as conn:
        with conn.begin():
            _as_tenant(conn, a)
            assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 1
        with conn.begin():  # same pooled connection, next transaction
            assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0


@pytest.mark.postgres
def test_rls_is_enabled_and_forced_and_the_app_role_cannot_bypass_it(
    app_engine: sqlalchemy.Engine,
) -> None:
    with app_engine.connect() as conn:
        flags = dict(conn.execute(text(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
            "WHERE relname IN ('events', 'audit_log', 'tenant_settings')")).all())
    assert flags == dict.fromkeys(TENANT_TABLES, True)
    role = db.check_role(app_engine)
    assert role.rls_enforced and not role.superuser


@pytest.mark.postgres
def test_events_are_immutable_for_the_app_role(
    app_engine: sqlalchemy.Engine, seeded: tuple[str, str]
) -> None:
    a, _ = seeded
    for statement in ("UPDATE events SET event_type = 'x'", "DELETE FROM events"):
        with pytest.raises(sqlalchemy.exc.ProgrammingError, match="permission denied"), \
                app_engine.begin() as conn:
            _as_tenant(conn, a)
            conn.execute(text(statement))


@pytest.mark.postgres
def test_a_role_that_bypasses_rls_is_refused_at_open(
    pg_database: PgUrls, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "check_role",
                        lambda _engine: db.RoleCheck("postgres", superuser=True, bypass_rls=True))
    with pytest.raises(DatabaseConfigError, match="bypasses Row Level Security"):
        Platform.open(pg_database.app, settings=settings)
