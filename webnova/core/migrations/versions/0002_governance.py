"""Governance schema: people (users, tenant memberships), constitutions, compliance waivers, usage.

`users` is a global identity table (an e-mail signs in once and may belong to several tenants); it
holds no tenant data, like `tenants`. Everything else belongs to one tenant: on PostgreSQL Row
Level Security is enabled and forced with the same policy as revision 0001. Constitutions, waivers
and usage records are append-only (a new constitution is a new version; triggers refuse UPDATE
and DELETE on both backends).

Revision ID: 0002
Revises: 0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TENANT_TABLES = ("memberships", "constitutions", "compliance_waivers", "usage_records")
APPEND_ONLY = ("constitutions", "compliance_waivers", "usage_records")
CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')"


def _timestamps() -> list[sa.Column[dt.datetime]]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        # scrypt$N$r$p$salt$hash; never the password itself.
        sa.Column("password_hash", sa.String(300), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "memberships",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("permissions", JSON, nullable=False),
        # Bumped on suspend, ban and role change: a session carrying an older value has ended.
        sa.Column("session_version", sa.Integer(), nullable=False),
        *_timestamps(),
    )
    op.create_table(
        "constitutions",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "compliance_waivers",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("control_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("waived_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_compliance_waivers_project", "compliance_waivers",
                    ["tenant_id", "project"])
    op.create_table(
        "usage_records",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("run_id", sa.String(200), nullable=False),
        sa.Column("metric", sa.String(50), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_usage_records_metric_time", "usage_records",
                    ["tenant_id", "metric", "recorded_at"])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_security()
    else:
        _sqlite_triggers()


def _postgres_security() -> None:
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})"
        )
    for table in APPEND_ONLY:  # webnova_refuse_change() comes from revision 0001
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION webnova_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION webnova_refuse_change()"
        )


def _sqlite_triggers() -> None:
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    for table in ("usage_records", "compliance_waivers", "constitutions", "memberships",
                  "users"):
        op.drop_table(table)
