"""The tenant-scoped event store: append with optimistic concurrency, read a stream, read the global
log from a position, and follow it with a catch-up subscription.

PostgreSQL appends are one call of `webnova_append_events` (one network round trip, no table lock);
a stale expected version raises inside the function and two racing appends are settled by the
(tenant, stream, version) key. SQLite appends run in a BEGIN IMMEDIATE transaction (one writer).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Row, func, insert, literal_column, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from webnova.core.errors import ConcurrencyError
from webnova.core.events import (
    AppendResult,
    as_utc,
    DomainEvent,
    EventMetadata,
    RecordedEvent,
    utcnow,
)
from webnova.core.models import EventRow
from webnova.core.tenancy import TenantScope

MAX_BATCH = 10_000  # positions reserve 16 bits for the ordinal inside one transaction
MAX_STREAM_ID = 200
_EVENTS = EventRow.__table__
_COLUMNS = (
    _EVENTS.c.position, _EVENTS.c.tenant_id, _EVENTS.c.stream_id, _EVENTS.c.version,
    _EVENTS.c.event_id, _EVENTS.c.event_type, _EVENTS.c.schema_version, _EVENTS.c.payload,
    _EVENTS.c.metadata, _EVENTS.c.recorded_at,
)
_PG_APPEND = text(
    "SELECT first_position, last_version FROM webnova_append_events("
    "CAST(:tenant AS text), CAST(:stream AS text), CAST(:expected AS integer), "
    "CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:versions AS integer[]), "
    "CAST(:payloads AS jsonb[]), CAST(:metadata AS jsonb[]), CAST(:at AS timestamptz))"
)
# Only events of transactions older than every running one: nothing can commit below this later.
_PG_VISIBLE_BELOW = literal_column(
    "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 16)"
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
        meta = Jsonb(metadata.model_dump(mode="json"))
        params = {
            "tenant": self.tenant_id, "stream": stream_id, "expected": expected, "ids": ids,
            "types": [e.event_type for e in events],
            "versions": [e.schema_version for e in events],
            "payloads": [Jsonb(e.model_dump(mode="json")) for e in events],
            "metadata": [meta] * len(events), "at": self._clock(),
        }
        try:
            with self._scope.autocommit() as conn:
                row = conn.execute(_PG_APPEND, params).one()
        except DBAPIError as exc:
            raise self._concurrency_error(exc, stream_id, expected) from exc
        return int(row[0]), int(row[1])

    def _concurrency_error(self, exc: DBAPIError, stream_id: str,
                           expected: int | None) -> Exception:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate == "WN409":
            detail = getattr(getattr(exc.orig, "diag", None), "message_detail", None)
            return ConcurrencyError(stream_id, expected, int(detail or 0))
        if sqlstate == "23505" and "uq_events_stream_version" in str(exc.orig):
            return ConcurrencyError(stream_id, expected, self.stream_version(stream_id))
        return exc

    def _append_sqlite(self, stream_id: str, events: Sequence[DomainEvent], expected: int | None,
                       metadata: EventMetadata, ids: list[uuid.UUID]
                       ) -> tuple[tuple[int, ...], int]:
        meta = metadata.model_dump(mode="json")
        at = self._clock()
        with self._scope.transaction(write=True) as conn:
            actual = self._version(conn, stream_id)
            if expected is not None and expected != actual:
                raise ConcurrencyError(stream_id, expected, actual)
            rows = [
                {"tenant_id": self.tenant_id, "stream_id": stream_id, "version": actual + i + 1,
                 "event_id": ids[i], "event_type": e.event_type,
                 "schema_version": e.schema_version, "payload": e.model_dump(mode="json"),
                 "metadata": meta, "recorded_at": at}
                for i, e in enumerate(events)
            ]
            try:
                result = conn.execute(
                    insert(_EVENTS).returning(_EVENTS.c.position, sort_by_parameter_order=True),
                    rows,
                )
            except IntegrityError as exc:  # pragma: no cover - BEGIN IMMEDIATE serialises writers
                raise ConcurrencyError(stream_id, expected, actual) from exc
            positions = tuple(int(r[0]) for r in result)
        return positions, actual + len(events)

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 when it has no events)."""
        with self._scope.transaction() as conn:
            return self._version(conn, stream_id)

    def _version(self, conn: Connection, stream_id: str) -> int:
        query = select(func.coalesce(func.max(_EVENTS.c.version), 0)).where(
            _EVENTS.c.tenant_id == self.tenant_id, _EVENTS.c.stream_id == stream_id
        )
        return int(conn.execute(query).scalar_one())

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
        metadata=EventMetadata.model_validate(row._mapping["metadata"]), recorded_at=as_utc(row.recorded_at),
    )
