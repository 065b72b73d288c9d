"""The audit log: append-only and hash-chained per tenant.

Each entry's hash is sha256 over `prev_hash + "\\n" + seq + "\\n" + body`, where `body` is the
canonical JSON (sorted keys, no spaces, UTF-8) of the entry's tenant, actor, action, target, detail
and time. Triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL); `verify()` recomputes the
chain and names the first entry that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import insert, select, text

from webnova.core.events import as_utc, utcnow
from webnova.core.models import AuditRow
from webnova.core.tenancy import TenantScope

GENESIS_HASH = "0" * 64
_AUDIT = AuditRow.__table__
_PG_APPEND = text(
    "SELECT seq, prev_hash, hash FROM webnova_audit_append(CAST(:tenant AS text), "
    "CAST(:actor AS text), CAST(:action AS text), CAST(:target AS text), CAST(:body AS text), "
    "CAST(:at AS timestamptz))"
)
_VERIFY_BATCH = 5000


def canonical_json(value: Any) -> str:
    """The one JSON encoding the chain hashes: sorted keys, compact, non-ASCII kept as UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


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


class AuditLog:
    """The audit chain of one tenant."""

    def __init__(self, scope: TenantScope, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._scope = scope
        self._clock = clock

    def record(self, actor: str, action: str, target: str,
               detail: dict[str, Any] | None = None) -> AuditEntry:
        """Append one entry (who did what to which target, with details) and return it."""
        _check_text(actor=actor, action=action, target=target)
        at = self._clock().astimezone(dt.UTC)
        detail = json.loads(canonical_json(detail or {}))  # the stored detail is what was hashed
        body = canonical_json({"tenant": self._scope.tenant_id, "actor": actor, "action": action,
                               "target": target, "detail": detail, "at": at.isoformat()})
        if self._scope.backend == "postgresql":
            seq, prev, digest = self._append_pg(actor, action, target, body, at)
        else:
            seq, prev, digest = self._append_sqlite(actor, action, target, body, at)
        return AuditEntry(tenant_id=self._scope.tenant_id, seq=seq, actor=actor, action=action,
                          target=target, detail=detail, recorded_at=at, prev_hash=prev,
                          hash=digest)

    def _append_pg(self, actor: str, action: str, target: str, body: str,
                   at: dt.datetime) -> tuple[int, str, str]:
        params = {"tenant": self._scope.tenant_id, "actor": actor, "action": action,
                  "target": target, "body": body, "at": at}
        with self._scope.autocommit() as conn:
            row = conn.execute(_PG_APPEND, params).one()
        return int(row[0]), str(row[1]), str(row[2])

    def _append_sqlite(self, actor: str, action: str, target: str, body: str,
                       at: dt.datetime) -> tuple[int, str, str]:
        with self._scope.transaction(write=True) as conn:
            head = conn.execute(
                select(_AUDIT.c.seq, _AUDIT.c.hash)
                .where(_AUDIT.c.tenant_id == self._scope.tenant_id)
                .order_by(_AUDIT.c.seq.desc()).limit(1)
            ).first()
            seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, GENESIS_HASH)
            digest = chain_hash(prev, seq, body)
            conn.execute(insert(_AUDIT).values(
                tenant_id=self._scope.tenant_id, seq=seq, prev_hash=prev, hash=digest,
                actor=actor, action=action, target=target, body=body, recorded_at=at))
        return seq, prev, digest

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
                                 detail=data["detail"], recorded_at=as_utc(at), prev_hash=prev,
                                 hash=digest)

    def _batches(self, after_seq: int) -> Iterator[list[tuple[Any, ...]]]:
        columns = (_AUDIT.c.seq, _AUDIT.c.prev_hash, _AUDIT.c.hash, _AUDIT.c.actor,
                   _AUDIT.c.action, _AUDIT.c.target, _AUDIT.c.body, _AUDIT.c.recorded_at)
        while True:
            with self._scope.transaction() as conn:
                rows = [tuple(r) for r in conn.execute(
                    select(*columns)
                    .where(_AUDIT.c.tenant_id == self._scope.tenant_id, _AUDIT.c.seq > after_seq)
                    .order_by(_AUDIT.c.seq).limit(_VERIFY_BATCH)
                )]
            if not rows:
                return
            yield rows
            after_seq = int(rows[-1][0])

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
    ) or dt.datetime.fromisoformat(data["at"]) != as_utc(at):
        return "stored columns differ from the hashed content"
    return None


def _check_text(**values: str) -> None:
    limits = {"actor": 200, "action": 200, "target": 500}
    for name, value in values.items():
        if not value or len(value) > limits[name]:
            raise ValueError(f"audit {name} must have 1-{limits[name]} characters")

