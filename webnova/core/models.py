"""SQLAlchemy 2 models of the core tables.

The migrations are the source of the schema; these mappings must match them (a test compares
the two on both backends).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of WebNova's tables."""


class Tenant(Base):
    """A customer organisation; every other row belongs to exactly one."""

    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    """One stored domain event (see webnova.core.eventstore)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "stream_id", "version", name="uq_events_stream_version"),
        Index("ix_events_tenant_position", "tenant_id", "position"),
    )
    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[str] = mapped_column(String(64))
    stream_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    event_type: Mapped[str] = mapped_column(String(200))
    schema_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One link of a tenant's hash-chained audit log (see webnova.core.audit)."""

    __tablename__ = "audit_log"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TenantSettingRow(Base):
    """A per-tenant setting (e.g. the approval threshold of the governor)."""

    __tablename__ = "tenant_settings"
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------- governance (revision 0002)


def _stamp() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """A person who can sign in; roles and status live in their tenant memberships."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = _stamp()
    updated_at: Mapped[dt.datetime] = _stamp()


class MembershipRow(Base):
    """A user's role, status, custom permissions and session version in one tenant."""

    __tablename__ = "memberships"
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    permissions: Mapped[list[str]] = mapped_column(JSONType)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = _stamp()
    updated_at: Mapped[dt.datetime] = _stamp()


class ConstitutionRow(Base):
    """One version of a tenant's constitution (append-only)."""

    __tablename__ = "constitutions"
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = _stamp()


class WaiverRow(Base):
    """An owner's reasoned waiver of a failed compliance control for a project (append-only)."""

    __tablename__ = "compliance_waivers"
    __table_args__ = (Index("ix_compliance_waivers_project", "tenant_id", "project"),)
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project: Mapped[str] = mapped_column(String(200))
    control_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    waived_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = _stamp()


class UsageRow(Base):
    """Resource use of one run in one metric (append-only)."""

    __tablename__ = "usage_records"
    __table_args__ = (
        Index("ix_usage_records_metric_time", "tenant_id", "metric", "recorded_at"),
    )
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(50))
    quantity: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[dt.datetime] = _stamp()
