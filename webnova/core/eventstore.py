"""The tenant-scoped event store.

Append with optimistic concurrency, read a stream, read the global log from a position, and follow
it with a catch-up subscription.

PostgreSQL appends are one call of `webnova_append_events` (one network round trip, no table lock);
a stale expected version raises inside the function and two racing appends are settled by the
(tenant, stream, version) key. On SQLite a single event is one checked INSERT ... SELECT statement
and a batch runs in a BEGIN IMMEDIATE transaction (SQLite has one writer at a time).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import (
    BigInteger,
    ColumnClause,
    Connection,
    Row,
    Table,
    literal_column,
    select,
)

from webnova.core.errors import ConcurrencyError
from webnova.core.events import (
    AppendResult,
    DomainEvent,
    EventMetadata,
    RecordedEvent,
    as_utc,
    utcnow,
)
from webnova.core.models import EventRow
from webnova.core.tenancy import TenantScope

MAX_BATCH = 10_000  # positions reserve 16 bits for the ordinal inside one transaction
MAX_STREAM_ID = 200
_EVENTS = cast(Table, EventRow.__table__)
_COLUMNS = (
    _EVENTS.c.position, _EVENTS.c.tenant_id, _EVENTS.c.stream_id, _EVENTS.c.version,
    _EVENTS.c.event_id, _EVENTS.c.event_type, _EVENTS.c.schema_version, _EVENTS.c.payload,
    _EVENTS.c.metadata, _EVENTS.c.recorded_at,
)
_PG_APPEND = (
    "SELECT first_position, last_version FROM webnova_append_events("
    "%s::text, %s::text, %s::integer, %s::uuid[], %s::text[], %s::integer[], "
    "%s::text[]::jsonb[], %s::jsonb, %s::timestamptz)"
)
_SQLITE_VERSION = (
    "SELECT coalesce((SELECT version FROM events WHERE tenant_id = ? AND stream_id = ? "
    "ORDER BY version DESC LIMIT 1), 0)"
)
_SQLITE_APPEND_ONE = (
    "INSERT INTO events (tenant_id, stream_id, version, event_id, event_type, schema_version, "
    "payload, metadata, recorded_at) "
    "SELECT ?1, ?2, cur.v + 1, ?4, ?5, ?6, ?7, ?8, ?9 FROM (SELECT coalesce((SELECT version "
    "FROM events WHERE tenant_id = ?1 AND stream_id = ?2 ORDER BY version DESC LIMIT 1), 0) "
    "AS v) AS cur WHERE ?3 IS NULL OR cur.v = ?3 RETURNING position, version"
)
_SQLITE_INSERT = (
    "INSERT INTO events (tenant_id, stream_id, version, event_id, event_type, schema_version, "
    "payload, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Only events of transactions older than every running one: nothing can commit below this later.
_PG_VISIBLE_BELOW: ColumnClause[int] = literal_column(
    "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 16)", BigInteger()
)


class EventStore:
    """Append-only event streams of one tenant."""

    def __init__(self, scope: TenantScope, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._scope = scope
        self._clock = clock

    @property
    def tenant_id(self) -> str:
        """The tenant whose streams this store reads and writes."""
        return self._scope.tenant_id

    def append(
        self,
        stream_id: str,
        events: Sequence[DomainEvent],
        *,
        expected_version: int | None,
        metadata: EventMetadata,
    ) -> AppendResult:
        """Append `events` to `stream_id` in one transaction.

        `expected_version` is the version the caller last saw (0: the stream must not exist yet;
        None: append whatever the version). A mismatch raises ConcurrencyError and appends nothing.
        """
        _check_append(stream_id, events, expected_version)
        ids = [uuid.uuid4() for _ in events]
        if self._scope.backend == "postgresql":
            first, version = self._append_pg(stream_id, events, expected_version, metadata, ids)
            positions = tuple(first + i for i in range(len(events)))
        else:
            positions, version = self._append_sqlite(stream_id, events, expected_version,
                                                     metadata, ids)
        return AppendResult(stream_id=stream_id, version=version, positions=positions,
                            event_ids=tuple(ids))

    def _append_pg(self, stream_id: str, events: Sequence[DomainEvent], expected: int | None,
                   metadata: EventMetadata, ids: list[uuid.UUID]) -> tuple[int, int]:
        meta = metadata.model_dump_json()
        params = (self.tenant_id, stream_id, expected, ids, [e.event_type for e in events],
                  [e.schema_version for e in events], [e.model_dump_json() for e in events],
                  meta, self._clock())
        try:
            with self._scope.raw.postgres() as conn:
                row = conn.execute(_PG_APPEND, params).fetchone()
        except psycopg.Error as exc:
            raise self._concurrency_error(exc, stream_id, expected) from exc
        return int(row[0]), int(row[1])

    def _concurrency_error(self, exc: psycopg.Error, stream_id: str,
                           expected: int | None) -> Exception:
        if exc.sqlstate == "WN409":
            return ConcurrencyError(stream_id, expected, int(exc.diag.message_detail or 0))
        if exc.sqlstate == "23505" and exc.diag.constraint_name == "uq_events_stream_version":
            return ConcurrencyError(stream_id, expected, self.stream_version(stream_id))
        return exc

    def _append_sqlite(self, stream_id: str, events: Sequence[DomainEvent], expected: int | None,
                       metadata: EventMetadata, ids: list[uuid.UUID]
                       ) -> tuple[tuple[int, ...], int]:
        meta = metadata.model_dump_json()
        # The format SQLAlchemy's SQLite DateTime reads back (reads go through SQLAlchemy).
        at = self._clock().astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        rows = [(self.tenant_id, stream_id, expected, ids[i].hex, e.event_type, e.schema_version,
                 e.model_dump_json(), meta, at, i + 1) for i, e in enumerate(events)]
        if len(rows) == 1:
            # One statement, checked and inserted atomically: no explicit transaction needed.
            landed = self._scope.raw.sqlite().execute(_SQLITE_APPEND_ONE, rows[0][:9]).fetchall()
            if not landed:
                raise ConcurrencyError(stream_id, expected, self.stream_version(stream_id))
            return (int(landed[0][0]),), int(landed[0][1])
        with self._scope.raw_write() as conn:
            actual = conn.execute(_SQLITE_VERSION, (self.tenant_id, stream_id)).fetchone()[0]
            if expected is not None and expected != actual:
                raise ConcurrencyError(stream_id, expected, actual)
            conn.executemany(_SQLITE_INSERT, [(*r[:2], actual + r[9], *r[3:9]) for r in rows])
            last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        # One writer holds the database, so AUTOINCREMENT handed out a contiguous range.
        return tuple(range(last - len(events) + 1, last + 1)), actual + len(events)

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 when it has no events)."""
        with self._scope.transaction() as conn:
            return self._version(conn, stream_id)

    def _version(self, conn: Connection, stream_id: str) -> int:
        # ORDER BY .. LIMIT 1 rather than max(): see the append function in migration 0001.
        query = (
            select(_EVENTS.c.version)
            .where(_EVENTS.c.tenant_id == self.tenant_id, _EVENTS.c.stream_id == stream_id)
            .order_by(_EVENTS.c.version.desc())
            .limit(1)
        )
        return int(conn.execute(query).scalar_one_or_none() or 0)

    def read_stream(self, stream_id: str, *, from_version: int = 1,
                    limit: int | None = None) -> list[RecordedEvent]:
        """The stream's events in version order, starting at `from_version`."""
        query = (
            select(*_COLUMNS)
            .where(_EVENTS.c.tenant_id == self.tenant_id, _EVENTS.c.stream_id == stream_id,
                   _EVENTS.c.version >= from_version)
            .order_by(_EVENTS.c.version)
            .limit(limit)
        )
        with self._scope.transaction() as conn:
            return [_recorded(r) for r in conn.execute(query)]

    def read_all(self, *, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """This tenant's events with a global position greater than `after`, in position order.

        Positions only grow in commit order, so `after=<last position seen>` never skips an event.
        """
        query = (
            select(*_COLUMNS)
            .where(_EVENTS.c.tenant_id == self.tenant_id, _EVENTS.c.position > after)
            .order_by(_EVENTS.c.position)
            .limit(limit)
        )
        if self._scope.backend == "postgresql":
            query = query.where(_EVENTS.c.position < _PG_VISIBLE_BELOW)
        with self._scope.transaction() as conn:
            return [_recorded(r) for r in conn.execute(query)]

    def subscribe(self, *, after: int = 0, poll_interval: float = 0.2,
                  batch_size: int = 500) -> CatchUpSubscription:
        """Follow the global log from `after`: first the history, then new events as they land."""
        return CatchUpSubscription(self, after=after, poll_interval=poll_interval,
                                   batch_size=batch_size)


class CatchUpSubscription:
    """Reads history in batches, then polls for new events; iterate it sync or async."""

    def __init__(self, store: EventStore, *, after: int, poll_interval: float,
                 batch_size: int) -> None:
        self.position = after
        self.caught_up = False
        self._store = store
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._stopped = threading.Event()

    def poll(self) -> list[RecordedEvent]:
        """Read the next batch and advance the position; an empty batch means caught up."""
        batch = self._store.read_all(after=self.position, limit=self._batch_size)
        if batch:
            self.position = batch[-1].position
        self.caught_up = len(batch) < self._batch_size
        return batch

    def stop(self) -> None:
        """End the iteration at the next poll."""
        self._stopped.set()

    def __iter__(self) -> Iterator[RecordedEvent]:
        while not self._stopped.is_set():
            batch = self.poll()
            yield from batch
            if self.caught_up:
                self._stopped.wait(self._poll_interval)

    async def __aiter__(self) -> AsyncIterator[RecordedEvent]:
        while not self._stopped.is_set():
            batch = await asyncio.to_thread(self.poll)
            for recorded in batch:
                yield recorded
            if self.caught_up:
                await asyncio.sleep(self._poll_interval)


def _check_append(stream_id: str, events: Sequence[DomainEvent], expected: int | None) -> None:
    if not stream_id or len(stream_id) > MAX_STREAM_ID:
        raise ValueError(f"stream id must have 1-{MAX_STREAM_ID} characters")
    if not events:
        raise ValueError("append needs at least one event")
    if len(events) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} events per append")
    if expected is not None and expected < 0:
        raise ValueError("expected_version must be >= 0 or None")



def _recorded(row: Row[Any]) -> RecordedEvent:
    return RecordedEvent(
        position=row.position, tenant_id=row.tenant_id, stream_id=row.stream_id,
        version=row.version, event_id=row.event_id, event_type=row.event_type,
        schema_version=row.schema_version, payload=row.payload,
        metadata=EventMetadata.model_validate(row._mapping["metadata"]),
        recorded_at=as_utc(row.recorded_at),
    )
