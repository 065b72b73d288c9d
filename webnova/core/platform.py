"""`Platform`: the public entry to WebNova's core (database, tenants, events, audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self, cast

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from webnova.core import db
from webnova.core.audit import AuditHeads, AuditLog
from webnova.core.errors import DatabaseConfigError
from webnova.core.events import utcnow
from webnova.core.eventstore import EventStore
from webnova.core.models import Tenant, TenantSettingRow
from webnova.core.tenancy import TenantScope, check_tenant_id
from webnova.settings import Settings, load_settings

_TENANTS = cast(Table, Tenant.__table__)
_SETTINGS = cast(Table, TenantSettingRow.__table__)


class TenantSettings:
    """Small per-tenant key/value settings (JSON values), scoped like every tenant table."""

    def __init__(self, scope: TenantScope) -> None:
        self._scope = scope

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value of `key`, or `default`."""
        with self._scope.transaction() as conn:
            value = conn.execute(select(_SETTINGS.c.value).where(
                _SETTINGS.c.tenant_id == self._scope.tenant_id, _SETTINGS.c.key == key
            )).scalar_one_or_none()
        return default if value is None else value

    def set(self, key: str, value: Any) -> None:
        """Store `value` under `key` (insert or replace)."""
        row = {"tenant_id": self._scope.tenant_id, "key": key, "value": value,
               "updated_at": utcnow()}
        dialect = postgresql if self._scope.backend == "postgresql" else sqlite
        stmt = dialect.insert(_SETTINGS).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "key"],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
        with self._scope.transaction(write=True) as conn:
            conn.execute(stmt)

    def delete(self, key: str) -> bool:
        """Remove `key`; returns whether it existed."""
        with self._scope.transaction(write=True) as conn:
            result = conn.execute(delete(_SETTINGS).where(
                _SETTINGS.c.tenant_id == self._scope.tenant_id, _SETTINGS.c.key == key))
        return bool(result.rowcount)


class TenantHandle:
    """Everything of one tenant: `.events`, `.audit`, `.settings`."""

    def __init__(self, scope: TenantScope, audit_heads: AuditHeads) -> None:
        self.id = scope.tenant_id
        self.scope = scope  # for repositories of other areas (governance) on the same binding
        self.events = EventStore(scope)
        self.audit = AuditLog(scope, heads=audit_heads)
        self.settings = TenantSettings(scope)


class Platform:
    """An open WebNova database. Create with `Platform.open()`; close when done (or use `with`)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.backend = db.backend_of(str(engine.url))
        self._raw = db.RawConnections(engine)
        self._audit_heads = AuditHeads()
        self._known_tenants: set[str] = set()

    @classmethod
    def open(cls, database_url: str | None = None, *, settings: Settings | None = None,
             migrate: bool | None = None) -> Self:
        """Connect to the configured database (embedded SQLite by default) and check its schema.

        The embedded default is migrated automatically; a PostgreSQL database must be migrated
        with `webnova db upgrade` (or `migrate=True`), and the app must not connect as a role that
        bypasses Row Level Security.
        """
        settings = settings or load_settings()
        url = database_url or settings.effective_database_url
        backend = db.backend_of(url)
        if migrate is None:
            migrate = backend == "sqlite"
        if migrate:
            admin_url = url if database_url else settings.effective_admin_url
            db.upgrade(admin_url, app_url=url)
        engine = db.make_engine(url)
        try:
            _check_ready(engine, backend)
        except Exception:
            engine.dispose()
            raise
        return cls(engine, settings)

    def tenant(self, tenant_id: str, *, name: str | None = None) -> TenantHandle:
        """The handle of tenant `tenant_id`, registering the tenant on first use."""
        tenant_id = check_tenant_id(tenant_id)
        if tenant_id not in self._known_tenants:
            self._register(tenant_id, name or tenant_id)
            self._known_tenants.add(tenant_id)
        scope = TenantScope(self.engine, self.backend, tenant_id, self._raw)
        return TenantHandle(scope, self._audit_heads)

    def tenant_ids(self) -> list[str]:
        """Every registered tenant id (the registry holds ids and names, no tenant data)."""
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(_TENANTS.c.id).order_by(_TENANTS.c.id))]

    def _register(self, tenant_id: str, name: str) -> None:
        dialect = postgresql if self.backend == "postgresql" else sqlite
        stmt = dialect.insert(_TENANTS).values(id=tenant_id, name=name,
                                               created_at=dt.datetime.now(dt.UTC))
        with self.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))

    def close(self) -> None:
        """Release every pooled connection."""
        self._raw.close()
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _check_ready(engine: Engine, backend: db.Backend) -> None:
    current, head = db.current_revision(engine), db.head_revision()
    if current != head:
        raise DatabaseConfigError(
            f"database schema is at {current or 'nothing'}, WebNova needs {head}: "
            "run `webnova db upgrade`"
        )
    if backend == "postgresql":
        role = db.check_role(engine)
        if not role.rls_enforced:
            raise DatabaseConfigError(
                f"role {role.name!r} bypasses Row Level Security (superuser or BYPASSRLS); "
                "connect WebNova as a non-superuser application role"
            )
