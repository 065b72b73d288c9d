"""`webnova bench eventstore`: our event store and audit chain next to raw-driver inserts.

Every case runs against a baseline measured in the same run on the same database with the same
durability: SQLite in WAL mode with synchronous=NORMAL for both; PostgreSQL over TCP as the
non-superuser app role, into a baseline table with the same columns, keys and forced RLS policy.
Rounds alternate ours/baseline so machine noise hits both; the median round is reported.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from webnova.benchkit import BenchReport, BenchRow, percentile
from webnova.core import db
from webnova.core.events import DomainEvent, EventMetadata
from webnova.core.platform import Platform, TenantHandle
from webnova.settings import Settings

ROUNDS = 5
SINGLE = 600
BATCHES = 30
BATCH_SIZE = 100
WRITERS = 4
AUDIT = 600
VERIFY = 20_000
META = EventMetadata(actor="bench")


class BenchItemAdded(DomainEvent, event_type="bench.ItemAdded"):
    """A small, typical payload."""

    sku: str
    quantity: int
    note: str


def _event(i: int) -> BenchItemAdded:
    return BenchItemAdded(sku=f"SKU-{i:06d}", quantity=i % 7 + 1, note="طلب عادي / normal order")


def _row(i: int) -> tuple[str, str, str]:
    event = _event(i)
    return (str(uuid.uuid4()), json.dumps(event.model_dump()), json.dumps(META.model_dump(
        mode="json")))


def run(settings: Settings) -> BenchReport:
    """Measure SQLite always and PostgreSQL when the test server is configured and reachable."""
    report = BenchReport(name="eventstore")
    with tempfile.TemporaryDirectory() as tmp:
        _bench_sqlite(report, Path(tmp), settings)
    with _postgres(settings, report) as urls:
        if urls:
            _bench_postgres(report, urls, settings)
    return report


# --- helpers shared by both backends ---------------------------------------------------------


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def _timed_calls(fn: Callable[[int], object], count: int) -> tuple[float, list[float]]:
    """Run fn(0..count-1); return events-per-call-agnostic total seconds and each call's latency."""
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        fn(i)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - start, latencies


def _alternate(ours: Callable[[int], tuple[float, list[float]]],
               base: Callable[[int], tuple[float, list[float]]]
               ) -> tuple[float, float, list[float]]:
    """Alternate rounds; return median ours seconds, median baseline seconds, our latencies."""
    ours_s, base_s, lat = [], [], []
    for r in range(ROUNDS):
        seconds, latencies = ours(r)
        ours_s.append(seconds)
        lat.extend(latencies)
        base_s.append(base(r)[0])
    return statistics.median(ours_s), statistics.median(base_s), lat


def _latency_extra(latencies: list[float]) -> dict[str, object]:
    return {"p50_ms": round(percentile(latencies, 50) * 1000, 3),
            "p95_ms": round(percentile(latencies, 95) * 1000, 3)}


def _append_single(handle: TenantHandle, tag: str) -> Callable[[int], tuple[float, list[float]]]:
    def go(r: int) -> tuple[float, list[float]]:
        stream = f"single-{tag}-{r}"
        return _timed_calls(lambda i: handle.events.append(
            stream, [_event(i)], expected_version=i, metadata=META), SINGLE)
    return go


def _append_batch(handle: TenantHandle, tag: str) -> Callable[[int], tuple[float, list[float]]]:
    events = [_event(i) for i in range(BATCH_SIZE)]

    def go(r: int) -> tuple[float, list[float]]:
        stream = f"batch-{tag}-{r}"
        return _timed_calls(lambda i: handle.events.append(
            stream, events, expected_version=i * BATCH_SIZE, metadata=META), BATCHES)
    return go


def _writers(handle: TenantHandle, tag: str) -> tuple[float, list[float]]:
    """WRITERS threads, each appending SINGLE events to its own stream."""
    latencies: list[list[float]] = [[] for _ in range(WRITERS)]

    def writer(n: int) -> None:
        latencies[n] = _timed_calls(lambda i: handle.events.append(
            f"w-{tag}-{n}", [_event(i)], expected_version=i, metadata=META), SINGLE)[1]

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, [x for lat in latencies for x in lat]


def _add_common_rows(report: BenchReport, backend: str, handle: TenantHandle,
                     single: tuple[float, float, list[float]],
                     batch: tuple[float, float, list[float]],
                     targets: dict[str, float]) -> None:
    ours_single = _rate(SINGLE, single[0])
    report.rows.append(BenchRow("append 1 event/tx", backend, ours_single, "events/s",
                                baseline=_rate(SINGLE, single[1]), target=targets["single"],
                                extra=_latency_extra(single[2])))
    report.rows.append(BenchRow("append 100 events/tx", backend,
                                _rate(BATCHES * BATCH_SIZE, batch[0]), "events/s",
                                baseline=_rate(BATCHES * BATCH_SIZE, batch[1]),
                                target=targets["batch"], extra=_latency_extra(batch[2])))
    seconds, latencies = statistics.median_low(
        [_writers(handle, f"{backend}-{r}") for r in range(ROUNDS)])
    report.rows.append(BenchRow(f"{WRITERS} writers, separate streams", backend,
                                _rate(WRITERS * SINGLE, seconds), "events/s",
                                baseline=ours_single, target=targets.get("writers"),
                                extra=_latency_extra(latencies) | {
                                    "baseline": "our single writer"}))


def _audit_rows(report: BenchReport, backend: str, handle: TenantHandle,
                plain_insert: Callable[[int], tuple[float, list[float]]]) -> None:
    def ours(_r: int) -> tuple[float, list[float]]:
        return _timed_calls(lambda i: handle.audit.record("bench", "approve", f"run/{i}",
                                                          {"reason": "ok", "n": i}), AUDIT)

    ours_s, base_s, lat = _alternate(ours, plain_insert)
    report.rows.append(BenchRow("audit append (chained)", backend, _rate(AUDIT, ours_s),
                                "entries/s", baseline=_rate(AUDIT, base_s), target=0.6,
                                extra=_latency_extra(lat) | {
                                    "baseline": "insert of the same row, unchained"}))
    for i in range(VERIFY - ROUNDS * AUDIT):
        handle.audit.record("bench", "approve", f"run/{i}", {"n": i})
    start = time.perf_counter()
    result = handle.audit.verify()
    seconds = time.perf_counter() - start
    report.rows.append(BenchRow("audit verify", backend, _rate(result.checked, seconds),
                                "entries/s", extra={"entries": result.checked, "ok": result.ok,
                                                    "target": ">= 100000 entries/s"}))


# --- SQLite ----------------------------------------------------------------------------------


def _bench_sqlite(report: BenchReport, tmp: Path, settings: Settings) -> None:
    with Platform.open(f"sqlite:///{tmp / 'bench.db'}", settings=settings) as platform:
        handle = platform.tenant("bench")
        raw = sqlite3.connect(tmp / "raw.db", isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
            raw.execute(f"PRAGMA {pragma}")
        raw.execute("CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, "
                    "tenant_id TEXT, stream_id TEXT, version INT, event_id TEXT UNIQUE, "
                    "event_type TEXT, schema_version INT, payload TEXT, metadata TEXT, "
                    "recorded_at TEXT, UNIQUE (tenant_id, stream_id, version))")
        raw.execute("CREATE TABLE plain (tenant_id TEXT, seq INTEGER, prev_hash TEXT, "
                    "hash TEXT, actor TEXT, action TEXT, target TEXT, body TEXT, "
                    "recorded_at TEXT, PRIMARY KEY (tenant_id, seq))")
        single = _alternate(_append_single(handle, "sqlite"), _sqlite_raw(raw, 1, SINGLE))
        batch = _alternate(_append_batch(handle, "sqlite"),
                           _sqlite_raw(raw, BATCH_SIZE, BATCHES))
        _add_common_rows(report, "sqlite", handle, single, batch,
                         {"single": 0.6, "batch": 0.5})
        _audit_rows(report, "sqlite", handle, _sqlite_plain(raw))
        raw.close()
    report.notes.append("SQLite allows one writer at a time: the 4-writer row is informative.")


def _sqlite_raw(raw: sqlite3.Connection, per_tx: int, count: int
                ) -> Callable[[int], tuple[float, list[float]]]:
    rows = [_row(i) for i in range(per_tx)]

    def go(r: int) -> tuple[float, list[float]]:
        def tx(i: int) -> None:
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(
                "INSERT INTO events (tenant_id, stream_id, version, event_id, event_type, "
                "schema_version, payload, metadata, recorded_at) "
                "VALUES ('bench', ?, ?, ?, 'bench.ItemAdded', 1, ?, ?, datetime('now'))",
                [(f"raw-{per_tx}-{r}", i * per_tx + k + 1, str(uuid.uuid4()), p, m)
                 for k, (_, p, m) in enumerate(rows)])
            raw.execute("COMMIT")
        return _timed_calls(tx, count)
    return go


def _plain_audit_row(i: int) -> tuple[str, int, str, str, str, str, str, str]:
    """The row a chained append writes, with the chain's work (head read, hash) left out."""
    body = json.dumps({"actor": "bench", "action": "approve", "target": f"run/{i}",
                       "detail": {"reason": "ok", "n": i}})
    return ("bench", i + 1, "0" * 64, "f" * 64, "bench", "approve", f"run/{i}", body)


def _sqlite_plain(raw: sqlite3.Connection) -> Callable[[int], tuple[float, list[float]]]:
    def go(_r: int) -> tuple[float, list[float]]:
        raw.execute("DELETE FROM plain")
        return _timed_calls(lambda i: raw.execute(
            "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, datetime('now'))",
            _plain_audit_row(i)), AUDIT)
    return go


# --- PostgreSQL ------------------------------------------------------------------------------


@contextlib.contextmanager
def _postgres(settings: Settings, report: BenchReport) -> Iterator[tuple[str, str] | None]:
    """A scratch database on the test server, migrated, dropped afterwards."""
    if settings.test_database_url is None or settings.test_app_database_url is None:
        report.notes.append("PostgreSQL skipped: WEBNOVA_TEST_DATABASE_URL / "
                            "WEBNOVA_TEST_APP_DATABASE_URL not set (`make bench` sets them).")
        yield None
        return
    owner = db.normalize_url(settings.test_database_url.get_secret_value())
    app = db.normalize_url(settings.test_app_database_url.get_secret_value())
    name = f"webnova_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(_dsn(owner), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        report.notes.append(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
        yield None
        return
    urls = (_with_db(owner, name), _with_db(app, name))
    try:
        db.upgrade(urls[0], app_url=urls[1])
        yield urls
    finally:
        db.drop_database(owner, name)


def _with_db(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _bench_postgres(report: BenchReport, urls: tuple[str, str], settings: Settings) -> None:
    owner, app = urls
    with psycopg.connect(_dsn(owner), autocommit=True) as conn:
        conn.execute("CREATE TABLE raw_events (LIKE events INCLUDING ALL)")
        conn.execute("ALTER TABLE raw_events ALTER position ADD GENERATED ALWAYS AS IDENTITY")
        conn.execute("CREATE TABLE plain (LIKE audit_log INCLUDING ALL)")
        for table in ("raw_events", "plain"):
            conn.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            conn.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            conn.execute(f"CREATE POLICY t ON {table} USING (tenant_id = NULLIF(current_setting("
                         "'app.tenant_id', true), '')) WITH CHECK (tenant_id = NULLIF("
                         "current_setting('app.tenant_id', true), ''))")
            conn.execute(f"GRANT SELECT, INSERT, DELETE ON {table} TO {make_url(app).username}")
    with Platform.open(app, settings=settings) as platform, \
            psycopg.connect(_dsn(app), autocommit=True) as raw:
        raw.execute("SELECT set_config('app.tenant_id', 'bench', false)")
        handle = platform.tenant("bench")
        single = _alternate(_append_single(handle, "pg"), _pg_raw(raw, 1, SINGLE))
        batch = _alternate(_append_batch(handle, "pg"), _pg_raw(raw, BATCH_SIZE, BATCHES))
        _add_common_rows(report, "postgresql", handle, single, batch,
                         {"single": 0.6, "batch": 0.8, "writers": 1.8})
        _audit_rows(report, "postgresql", handle, _pg_plain(raw))


def _pg_raw(raw: psycopg.Connection[tuple[object, ...]], per_tx: int, count: int
            ) -> Callable[[int], tuple[float, list[float]]]:
    rows = [_row(i) for i in range(per_tx)]
    sql = ("INSERT INTO raw_events (tenant_id, stream_id, version, event_id, event_type, "
           "schema_version, payload, metadata, recorded_at) "
           "VALUES ('bench', %s, %s, %s, 'bench.ItemAdded', 1, %s, %s, now())")

    def go(r: int) -> tuple[float, list[float]]:
        def tx(i: int) -> None:
            params = [(f"raw-{per_tx}-{r}", i * per_tx + k + 1, uuid.uuid4(), p, m)
                      for k, (_, p, m) in enumerate(rows)]
            if per_tx == 1:
                raw.execute(sql, params[0])  # autocommit: one round trip
                return
            with raw.transaction(), raw.cursor() as cur:
                cur.executemany(sql, params)
        return _timed_calls(tx, count)
    return go


def _pg_plain(raw: psycopg.Connection[tuple[object, ...]]
              ) -> Callable[[int], tuple[float, list[float]]]:
    def go(_r: int) -> tuple[float, list[float]]:
        raw.execute("DELETE FROM plain")
        return _timed_calls(lambda i: raw.execute(
            "INSERT INTO plain (tenant_id, seq, prev_hash, hash, actor, action, target, body, "
            "recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())",
            _plain_audit_row(i)), AUDIT)
    return go
