"""The hash-chained audit log on both backends: chaining, immutability, tamper detection."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy.exc
from sqlalchemy import Engine, create_engine, text

from tests.conftest import PgUrls
from webnova.core import db
from webnova.core.audit import GENESIS_HASH, AuditLog, chain_hash
from webnova.core.platform import Platform


def _filled(platform: Platform, tenant_id: str, n: int = 5) -> AuditLog:
    audit = platform.tenant(tenant_id).audit
    for i in range(n):
        audit.record(f"user-{i}", "approve", f"run/{i}", {"reason": "looks right", "n": i})
    return audit


def test_entries_link_to_their_predecessor_from_the_genesis_hash(platform: Platform,
                                                                 tenant_id: str) -> None:
    audit = platform.tenant(tenant_id).audit
    first = audit.record("alice", "approve", "blueprint/1", {"why": "موافق"})
    second = audit.record("bob", "deploy", "project/shop")
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert first.hash != second.hash
    head = audit.head()
    assert head is not None and (head.seq, head.hash) == (2, second.hash)
    assert [e.detail for e in audit.entries()] == [{"why": "موافق"}, {}]


def test_an_intact_chain_verifies(platform: Platform, tenant_id: str) -> None:
    result = _filled(platform, tenant_id).verify()
    assert result.ok and result.checked == 5 and result.first_broken is None


def test_an_empty_chain_verifies(platform: Platform, tenant_id: str) -> None:
    result = platform.tenant(tenant_id).audit.verify()
    assert result.ok and result.checked == 0


def test_concurrent_writers_produce_one_unbroken_chain(platform: Platform,
                                                       tenant_id: str) -> None:
    audit = platform.tenant(tenant_id).audit

    def writer(n: int) -> None:
        for i in range(10):
            audit.record(f"w{n}", "act", f"t{i}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = audit.verify()
    assert result.ok and result.checked == 40


def test_the_app_cannot_update_or_delete_audit_entries(platform: Platform,
                                                       tenant_id: str) -> None:
    _filled(platform, tenant_id, 2)
    for statement in ("UPDATE audit_log SET actor = 'mallory' WHERE tenant_id = :t",
                      "DELETE FROM audit_log WHERE tenant_id = :t"):
        with pytest.raises(sqlalchemy.exc.DatabaseError), platform.engine.begin() as conn:
            if platform.backend == "postgresql":
                conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                             {"t": tenant_id})
            conn.execute(text(statement), {"t": tenant_id})
    assert platform.tenant(tenant_id).audit.verify().ok


def test_export_writes_every_entry_as_a_json_line(platform: Platform, tenant_id: str) -> None:
    audit = _filled(platform, tenant_id, 3)
    out = io.StringIO()
    assert audit.export(out) == 3
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3]
    assert lines[2]["actor"] == "user-2" and lines[2]["detail"] == {"n": 2, "reason": "looks right"}


@pytest.mark.parametrize(
    ("actor", "action", "target"),
    [("", "a", "t"), ("a", "", "t"), ("a", "b", ""), ("a" * 201, "b", "t")],
)
def test_entries_without_actor_action_or_target_are_refused(
    platform: Platform, tenant_id: str, actor: str, action: str, target: str
) -> None:
    with pytest.raises(ValueError, match="audit"):
        platform.tenant(tenant_id).audit.record(actor, action, target)


# --- tampering: bypass the guards the way an attacker with owner access would -------------------


@pytest.fixture
def tamper(platform: Platform, request: pytest.FixtureRequest
           ) -> Iterator[Callable[[str, dict[str, object]], None]]:
    """Run one statement against audit_log with the append-only triggers out of the way."""
    if platform.backend == "sqlite":
        engine = platform.engine
    else:
        pg: PgUrls = request.getfixturevalue("pg_database")
        engine = create_engine(db.normalize_url(pg.admin))

    def run(statement: str, params: dict[str, object]) -> None:
        with engine.begin() as conn:
            _disable_guards(engine, conn)
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), params)
            conn.execute(text(statement), params)
            _restore_guards(engine, conn)

    yield run
    if engine is not platform.engine:
        engine.dispose()


def _disable_guards(engine: Engine, conn: sqlalchemy.Connection) -> None:
    if engine.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")


def _restore_guards(engine: Engine, conn: sqlalchemy.Connection) -> None:
    if engine.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        return
    for op in ("UPDATE", "DELETE"):
        conn.exec_driver_sql(
            f"CREATE TRIGGER audit_log_no_{op.lower()} BEFORE {op} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {op} refused'); END")


def test_verify_names_an_entry_whose_content_was_edited(
    platform: Platform, tenant_id: str, tamper: Callable[[str, dict[str, object]], None]
) -> None:
    audit = _filled(platform, tenant_id)
    tamper("UPDATE audit_log SET body = replace(body, 'looks right', 'looks wrong') "
           "WHERE tenant_id = :t AND seq = 3", {"t": tenant_id})
    result = audit.verify()
    assert not result.ok and result.first_broken == 3 and result.checked == 2
    assert "hash" in (result.reason or "")


def test_verify_names_an_entry_whose_columns_were_edited(
    platform: Platform, tenant_id: str, tamper: Callable[[str, dict[str, object]], None]
) -> None:
    audit = _filled(platform, tenant_id)
    tamper("UPDATE audit_log SET actor = 'mallory' WHERE tenant_id = :t AND seq = 2",
           {"t": tenant_id})
    result = audit.verify()
    assert not result.ok and result.first_broken == 2


def test_verify_names_a_deleted_entry(
    platform: Platform, tenant_id: str, tamper: Callable[[str, dict[str, object]], None]
) -> None:
    audit = _filled(platform, tenant_id)
    tamper("DELETE FROM audit_log WHERE tenant_id = :t AND seq = 4", {"t": tenant_id})
    result = audit.verify()
    assert not result.ok and result.first_broken == 4 and "missing" in (result.reason or "")


def test_verify_catches_a_rewritten_chain_tail(
    platform: Platform, tenant_id: str, tamper: Callable[[str, dict[str, object]], None]
) -> None:
    audit = _filled(platform, tenant_id)
    # The forger recomputes entry 5's own hash but cannot know to fix every later published head;
    # within the database the broken prev link of the rewritten entry is what shows.
    entries = list(audit.entries())
    forged_body = '{"action":"approve","actor":"mallory"}'
    tamper("UPDATE audit_log SET body = :b, hash = :h WHERE tenant_id = :t AND seq = 4",
           {"t": tenant_id, "b": forged_body,
            "h": chain_hash(entries[2].hash, 4, forged_body)})
    result = audit.verify()
    assert not result.ok and result.first_broken in (4, 5)
