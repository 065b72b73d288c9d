r"""The audit log: append-only and hash-chained per tenant.

Each entry's hash is sha256 over `prev_hash + "\\n" + seq + "\\n" + body`, where `body` is the
canonical JSON (sorted keys, no spaces, UTF-8) of the entry's tenant, actor, action, target, detail
and time. Triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL); `verify()` recomputes the
chain and names the first entry that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Table, select

from webnova.core.events import utcnow
from webnova.core.models import AuditRow
from webnova.core.tenancy import TenantScope

GENESIS_HASH = "0" * 64
_AUDIT = cast(Table, AuditRow.__table__)
_PG_APPEND = (
    "SELECT seq, prev_hash, hash FROM webnova_audit_append("
    "%s::text, %s::text, %s::text, %s::text, %s::text, %s::timestamptz)"
)
_BATCH_COLUMNS = "seq, prev_hash, hash, actor, action, target, body, recorded_at"
_SQLITE_BATCH = (
    f"SELECT {_BATCH_COLUMNS} FROM audit_log WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?"
)
# The timestamp comes back as text in SQLite's stored format: parsing it into a datetime and
# formatting it again cost more than hashing the entry.
_PG_BATCH = (
    "SELECT seq, prev_hash, hash, actor, action, target, body, "
    "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') "
    "FROM audit_log WHERE tenant_id = %s AND seq > %s ORDER BY seq LIMIT %s"
)
_SQLITE_HEAD = "SELECT seq, hash FROM audit_log WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1"
_SQLITE_INSERT = (
    "INSERT INTO audit_log (tenant_id, seq, prev_hash, hash, actor, action, target, body, "
    "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_VERIFY_BATCH = 5000


# Built once: json.dumps with non-default options constructs a new encoder on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)


def canonical_json(value: Any) -> str:
    """The one JSON encoding the chain hashes: sorted keys, compact, non-ASCII kept as UTF-8."""
    return _CANONICAL.encode(value)


def chain_hash(prev_hash: str, seq: int, body: str) -> str:
    """The hash of one link."""
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{body}".encode()).hexdigest()


class AuditEntry(BaseModel):
    """One audit record as stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant_id: str
    seq: int
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    recorded_at: dt.datetime
    prev_hash: str
    hash: str


class AuditHead(BaseModel):
    """The newest link of a tenant's chain: publishing it elsewhere pins the whole history."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant_id: str
    seq: int
    hash: str


class VerifyResult(BaseModel):
    """Outcome of a chain check: `first_broken` names the first entry that does not verify."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant_id: str
    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str | None = None


class AuditHeads:
    """The newest (seq, hash) of each tenant's chain as this process last wrote it (SQLite)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._heads: dict[str, tuple[int, str]] = {}

    def get(self, tenant_id: str) -> tuple[int, str] | None:
        """The remembered head, if this process has written or read one."""
        return self._heads.get(tenant_id)

    def set(self, tenant_id: str, head: tuple[int, str]) -> None:
        """Remember a head just written."""
        self._heads[tenant_id] = head


class AuditLog:
    """The audit chain of one tenant."""

    def __init__(self, scope: TenantScope, *, heads: AuditHeads | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._scope = scope
        self._heads = heads or AuditHeads()
        self._clock = clock

    def record(self, actor: str, action: str, target: str,
               detail: dict[str, Any] | None = None) -> AuditEntry:
        """Append one entry (who did what to which target, with details) and return it."""
        _check_text(actor=actor, action=action, target=target)
        at = self._clock().astimezone(dt.UTC)
        detail = detail or {}
        body = canonical_json({"tenant": self._scope.tenant_id, "actor": actor, "action": action,
                               "target": target, "detail": detail,
                               "at": at.isoformat(timespec="microseconds")})
        if self._scope.backend == "postgresql":
            seq, prev, digest = self._append_pg(actor, action, target, body, at)
        else:
            seq, prev, digest = self._append_sqlite(actor, action, target, body, at)
        # Built from values this method just produced and stored: no need to validate them again.
        return AuditEntry.model_construct(tenant_id=self._scope.tenant_id, seq=seq, actor=actor,
                                          action=action, target=target, detail=detail,
                                          recorded_at=at, prev_hash=prev, hash=digest)

    def _append_pg(self, actor: str, action: str, target: str, body: str,
                   at: dt.datetime) -> tuple[int, str, str]:
        params = (self._scope.tenant_id, actor, action, target, body, at)
        with self._scope.raw.postgres() as conn:
            row = conn.execute(_PG_APPEND, params).fetchone()
        return int(row[0]), str(row[1]), str(row[2])

    def _append_sqlite(self, actor: str, action: str, target: str, body: str,
                       at: dt.datetime) -> tuple[int, str, str]:
        # The process remembers each chain's head, so an append is one INSERT. A head that went
        # stale (another process appended) makes the (tenant, seq) key refuse the insert; the
        # head is then re-read and the link recomputed. Entries are never deleted, so a stale
        # head can only be behind, never ahead.
        tenant = self._scope.tenant_id
        stored_at = at.replace(tzinfo=None).isoformat(" ", "microseconds")
        conn = self._scope.raw.sqlite()
        with self._heads.lock:
            head = self._heads.get(tenant) or self._read_head(conn)
            for _attempt in range(5):
                seq, prev = head[0] + 1, head[1]
                digest = chain_hash(prev, seq, body)
                try:
                    conn.execute(_SQLITE_INSERT, (tenant, seq, prev, digest, actor, action,
                                                  target, body, stored_at))
                except sqlite3.IntegrityError:
                    head = self._read_head(conn)
                    continue
                self._heads.set(tenant, (seq, digest))
                return seq, prev, digest
        raise RuntimeError("audit head kept moving; another writer is appending in a loop")

    def _read_head(self, conn: sqlite3.Connection) -> tuple[int, str]:
        row = conn.execute(_SQLITE_HEAD, (self._scope.tenant_id,)).fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)

    def head(self) -> AuditHead | None:
        """The newest entry's sequence number and hash, or None for an empty log."""
        with self._scope.transaction() as conn:
            row = conn.execute(
                select(_AUDIT.c.seq, _AUDIT.c.hash)
                .where(_AUDIT.c.tenant_id == self._scope.tenant_id)
                .order_by(_AUDIT.c.seq.desc()).limit(1)
            ).first()
        if row is None:
            return None
        return AuditHead(tenant_id=self._scope.tenant_id, seq=int(row[0]), hash=str(row[1]))

    def entries(self, *, after_seq: int = 0) -> Iterator[AuditEntry]:
        """Every entry after `after_seq`, oldest first, read in batches."""
        for rows in self._batches(after_seq):
            for seq, prev, digest, _actor, _action, _target, body, at in rows:
                data = json.loads(body)
                yield AuditEntry(tenant_id=self._scope.tenant_id, seq=seq, actor=data["actor"],
                                 action=data["action"], target=data["target"],
                                 detail=data["detail"],
                                 recorded_at=dt.datetime.fromisoformat(_at_text(at)),
                                 prev_hash=prev,
                                 hash=digest)

    def _batches(self, after_seq: int) -> Iterator[list[tuple[Any, ...]]]:
        # Read through the driver: verify must reach 100k entries/s, and SQLAlchemy's row and
        # type processing alone cost more than hashing.
        while True:
            rows = self._read_batch(after_seq)
            if not rows:
                return
            yield rows
            after_seq = int(rows[-1][0])

    def _read_batch(self, after_seq: int) -> list[tuple[Any, ...]]:
        params = (self._scope.tenant_id, after_seq, _VERIFY_BATCH)
        if self._scope.backend == "sqlite":
            return self._scope.raw.sqlite().execute(_SQLITE_BATCH, params).fetchall()
        with self._scope.raw.postgres() as conn, conn.transaction():
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (params[0],))
            rows: list[tuple[Any, ...]] = conn.execute(_PG_BATCH, params).fetchall()
            return rows

    def verify(self) -> VerifyResult:
        """Recompute the chain; the result names the first entry that was altered or removed."""
        tenant = self._scope.tenant_id
        expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
        for rows in self._batches(0):
            for row in rows:
                reason = _broken_link(tenant, row, expected_seq, expected_prev)
                if reason:
                    return VerifyResult(tenant_id=tenant, ok=False, checked=checked,
                                        first_broken=expected_seq if "missing" in reason
                                        else int(row[0]), reason=reason)
                expected_prev, expected_seq, checked = str(row[2]), expected_seq + 1, checked + 1
        return VerifyResult(tenant_id=tenant, ok=True, checked=checked)

    def export(self, out: IO[str]) -> int:
        """Write every entry as one JSON line; returns how many were written."""
        count = 0
        for entry in self.entries():
            out.write(entry.model_dump_json() + "\n")
            count += 1
        return count


def _broken_link(tenant: str, row: tuple[Any, ...], seq: int, prev: str) -> str | None:
    row_seq, row_prev, row_hash, actor, action, target, body, at = row
    if row_seq != seq:
        return f"entry {seq} is missing (next stored entry is {row_seq})"
    if row_prev != prev:
        return "previous-hash link does not match the entry before it"
    if chain_hash(row_prev, row_seq, body) != row_hash:
        return "hash does not match the entry's content"
    data = json.loads(body)
    if (data.get("tenant"), data.get("actor"), data.get("action"), data.get("target")) != (
        tenant, actor, action, target
    ) or data.get("at") != _at_text(at):
        return "stored columns differ from the hashed content"
    return None


def _at_text(value: dt.datetime | str) -> str:
    """A stored timestamp as the ISO text the body carries (both backends read it as text)."""
    if isinstance(value, str):
        return value.replace(" ", "T", 1) + "+00:00"
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _check_text(**values: str) -> None:
    limits = {"actor": 200, "action": 200, "target": 500}
    for name, value in values.items():
        if not value or len(value) > limits[name]:
            raise ValueError(f"audit {name} must have 1-{limits[name]} characters")

