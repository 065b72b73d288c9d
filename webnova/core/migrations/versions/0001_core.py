"""Core schema: tenants, tenant-scoped event store, hash-chained audit log, tenant settings.

The same revision runs on SQLite and PostgreSQL. On PostgreSQL every table holding tenant data has
Row Level Security enabled and forced, keyed on the transaction-local `app.tenant_id` setting
(NULLIF so an unset tenant sees nothing), and the append paths are single-round-trip functions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TENANT_TABLES = ("events", "audit_log", "tenant_settings")
CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')"


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _create_events(pg)
    op.create_table(
        "audit_log",
        sa.Column("tenant_id", sa.String(64), primary_key=True),  # no FK: see events
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        # The canonical JSON the hash covers; the columns above are kept for queries and are
        # checked against it by verify().
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    if pg:
        _postgres_security()
        _postgres_functions()
    else:
        _sqlite_triggers()


def _create_events(pg: bool) -> None:
    position = (
        sa.Column("position", sa.BigInteger(), primary_key=True, autoincrement=False)
        if pg
        else sa.Column("position", sa.Integer(), primary_key=True, autoincrement=True)
    )
    op.create_table(
        "events",
        position,
        # No foreign key to tenants on the two append-only tables: the key check takes a share
        # lock on the tenant's row for every insert, which serialises a tenant's concurrent
        # writers (measured: 4 writers slower than 1). Tenants are never deleted, ids are
        # validated before any write and RLS pins tenant_id to the transaction's tenant.
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "stream_id", "version", name="uq_events_stream_version"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_tenant_position", "events", ["tenant_id", "position"])


def _postgres_security() -> None:
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})"
        )
    op.execute("""
        CREATE FUNCTION webnova_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'WN403';
        END $$""")
    for table in ("events", "audit_log"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION webnova_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION webnova_refuse_change()"
        )


def _postgres_functions() -> None:
    # One network round trip per append: tenant setting, version check and insert in one call.
    # Positions are (transaction id << 16) + ordinal, so they grow in the order transactions can
    # become visible; readers of the global log stop below the oldest running transaction's
    # position and can never skip an event that commits late.
    op.execute("""
        CREATE FUNCTION webnova_append_events(
            p_tenant text, p_stream text, p_expected integer, p_event_ids uuid[],
            p_types text[], p_schema_versions integer[], p_payloads jsonb[], p_metadata jsonb,
            p_recorded_at timestamptz)
        RETURNS TABLE (first_position bigint, last_version integer)
        LANGUAGE plpgsql AS $$
        DECLARE
          v_actual integer;
          v_base bigint;
        BEGIN
          PERFORM set_config('app.tenant_id', p_tenant, true);
          -- ORDER BY .. LIMIT 1, not max(): under RLS the planner does not turn max() into a
          -- backward index scan and reads the whole stream (measured 5x slower at 600 events).
          SELECT e.version INTO v_actual FROM events e
            WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream
            ORDER BY e.version DESC LIMIT 1;
          v_actual := coalesce(v_actual, 0);
          IF p_expected IS NOT NULL AND p_expected <> v_actual THEN
            RAISE EXCEPTION 'wrong expected version'
              USING ERRCODE = 'WN409', DETAIL = v_actual::text;
          END IF;
          v_base := (pg_current_xact_id()::text::bigint) << 16;
          INSERT INTO events (position, tenant_id, stream_id, version, event_id, event_type,
                              schema_version, payload, metadata, recorded_at)
          SELECT v_base + u.i - 1, p_tenant, p_stream, v_actual + u.i, u.id, u.t, u.sv, u.p,
                 p_metadata, p_recorded_at
          FROM unnest(p_event_ids, p_types, p_schema_versions, p_payloads)
               WITH ORDINALITY AS u(id, t, sv, p, i);
          RETURN QUERY SELECT v_base, v_actual + cardinality(p_types);
        END $$""")
    # The chain is serial per tenant by nature; the advisory lock makes concurrent writers queue
    # instead of failing on the (tenant_id, seq) key.
    op.execute("""
        CREATE FUNCTION webnova_audit_append(
            p_tenant text, p_actor text, p_action text, p_target text, p_body text,
            p_recorded_at timestamptz)
        RETURNS TABLE (seq bigint, prev_hash text, hash text)
        LANGUAGE plpgsql AS $$
        DECLARE
          v_seq bigint;
          v_prev text;
          v_hash text;
        BEGIN
          PERFORM set_config('app.tenant_id', p_tenant, true);
          PERFORM pg_advisory_xact_lock(hashtext('webnova.audit'), hashtext(p_tenant));
          SELECT a.seq, a.hash INTO v_seq, v_prev FROM audit_log a
            WHERE a.tenant_id = p_tenant ORDER BY a.seq DESC LIMIT 1;
          v_seq := coalesce(v_seq, 0) + 1;
          v_prev := coalesce(v_prev, repeat('0', 64));
          v_hash := encode(sha256(convert_to(
              v_prev || E'\\n' || v_seq::text || E'\\n' || p_body, 'UTF8')), 'hex');
          INSERT INTO audit_log (tenant_id, seq, prev_hash, hash, actor, action, target, body,
                                 recorded_at)
          VALUES (p_tenant, v_seq, v_prev, v_hash, p_actor, p_action, p_target, p_body,
                  p_recorded_at);
          RETURN QUERY SELECT v_seq, v_prev, v_hash;
        END $$""")


def _sqlite_triggers() -> None:
    for table in ("events", "audit_log"):
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS webnova_audit_append")
        op.execute("DROP FUNCTION IF EXISTS webnova_append_events")
    for table in ("tenant_settings", "audit_log", "events", "tenants"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS webnova_refuse_change")
