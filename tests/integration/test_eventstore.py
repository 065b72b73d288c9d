"""The event store on both backends, through the public Platform API."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import psycopg
import pytest

from tests.conftest import PgUrls
from webnova.core.errors import ConcurrencyError, UnknownEventTypeError
from webnova.core.events import DomainEvent, EventMetadata, RecordedEvent
from webnova.core.platform import Platform
from webnova.settings import Settings


class ItemAdded(DomainEvent, event_type="test.ItemAdded", schema_version=1):
    name: str
    quantity: int = 1


class ItemAddedV2(DomainEvent, event_type="test.ItemAdded", schema_version=2):
    name: str
    quantity: int
    unit: str


META = EventMetadata(actor="tester")


def test_appended_events_read_back_as_their_contracts_in_version_order(
    platform: Platform, tenant_id: str
) -> None:
    store = platform.tenant(tenant_id).events
    result = store.append("cart-1", [ItemAdded(name="قهوة"), ItemAddedV2(name="tea", quantity=2,
                                                                        unit="box")],
                          expected_version=0, metadata=META)
    assert result.version == 2
    assert result.positions[0] < result.positions[1]
    recorded = store.read_stream("cart-1")
    assert [r.version for r in recorded] == [1, 2]
    assert recorded[0].decode() == ItemAdded(name="قهوة")
    assert recorded[1].decode() == ItemAddedV2(name="tea", quantity=2, unit="box")
    assert [r.event_id for r in recorded] == list(result.event_ids)


def test_metadata_keeps_actor_correlation_and_causation(platform: Platform,
                                                        tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events
    meta = EventMetadata(actor="architect", correlation_id=uuid.uuid4(),
                         causation_id=uuid.uuid4())
    store.append("run-1", [ItemAdded(name="a")], expected_version=None, metadata=meta)
    stored = store.read_stream("run-1")[0].metadata
    assert stored == meta


def test_stale_expected_version_names_both_versions_and_appends_nothing(
    platform: Platform, tenant_id: str
) -> None:
    store = platform.tenant(tenant_id).events
    store.append("s", [ItemAdded(name="a"), ItemAdded(name="b")], expected_version=0,
                 metadata=META)
    with pytest.raises(ConcurrencyError, match="expected version 1, actual version 2") as info:
        store.append("s", [ItemAdded(name="c")], expected_version=1, metadata=META)
    assert (info.value.expected, info.value.actual) == (1, 2)
    with pytest.raises(ConcurrencyError):
        store.append("s", [ItemAdded(name="c")], expected_version=0, metadata=META)
    assert [e.decode() for e in store.read_stream("s")] == [ItemAdded(name="a"),
                                                           ItemAdded(name="b")]
    assert store.stream_version("s") == 2


def test_any_version_appends_after_the_current_end(platform: Platform, tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events
    store.append("s", [ItemAdded(name="a")], expected_version=None, metadata=META)
    result = store.append("s", [ItemAdded(name="b")], expected_version=None, metadata=META)
    assert result.version == 2


def test_a_batch_is_all_or_nothing(platform: Platform, tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events
    batch = [ItemAdded(name=f"item {i}") for i in range(100)]
    store.append("big", batch, expected_version=0, metadata=META)
    with pytest.raises(ConcurrencyError):
        store.append("big", batch, expected_version=0, metadata=META)
    assert store.stream_version("big") == 100
    assert len(store.read_stream("big", from_version=51)) == 50


def test_two_writers_racing_on_one_version_exactly_one_wins(platform: Platform,
                                                            tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events
    store.append("race", [ItemAdded(name="seed")], expected_version=0, metadata=META)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        barrier.wait()
        try:
            store.append("race", [ItemAdded(name=f"w{n}")], expected_version=1, metadata=META)
            outcomes.append("ok")
        except ConcurrencyError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert store.stream_version("race") == 2


def test_concurrent_writers_on_separate_streams_all_land(platform: Platform,
                                                         tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events

    def writer(n: int) -> None:
        for i in range(20):
            store.append(f"w-{n}", [ItemAdded(name=str(i))], expected_version=i, metadata=META)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [store.stream_version(f"w-{n}") for n in range(4)] == [20, 20, 20, 20]
    everything = store.read_all(limit=10_000)
    assert len(everything) == 80
    assert [e.position for e in everything] == sorted(e.position for e in everything)


def test_read_all_resumes_after_a_position_without_repeats_or_gaps(
    platform: Platform, tenant_id: str
) -> None:
    store = platform.tenant(tenant_id).events
    for n in range(5):
        store.append(f"s{n}", [ItemAdded(name=str(n)), ItemAdded(name=f"{n}b")],
                     expected_version=0, metadata=META)
    first = store.read_all(limit=3)
    rest = store.read_all(after=first[-1].position)
    names = [e.payload["name"] for e in first + rest]
    assert names == ["0", "0b", "1", "1b", "2", "2b", "3", "3b", "4", "4b"]


def test_catch_up_subscription_delivers_history_then_new_events(platform: Platform,
                                                               tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events
    store.append("s", [ItemAdded(name="old")], expected_version=0, metadata=META)
    subscription = store.subscribe(poll_interval=0.02, batch_size=10)
    seen: list[RecordedEvent] = []

    def follow() -> None:
        for event in subscription:
            seen.append(event)
            if len(seen) == 3:
                subscription.stop()

    follower = threading.Thread(target=follow)
    follower.start()
    store.append("s", [ItemAdded(name="new 1")], expected_version=1, metadata=META)
    store.append("t", [ItemAdded(name="new 2")], expected_version=0, metadata=META)
    follower.join(timeout=20)
    assert not follower.is_alive()
    assert [e.payload["name"] for e in seen] == ["old", "new 1", "new 2"]
    assert subscription.position == seen[-1].position


def test_async_subscription_follows_the_log(platform: Platform, tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events
    for i in range(3):
        store.append("s", [ItemAdded(name=str(i))], expected_version=i, metadata=META)

    async def collect() -> list[str]:
        names: list[str] = []
        subscription = store.subscribe(after=0, poll_interval=0.01, batch_size=2)
        async for event in subscription:
            names.append(event.payload["name"])
            if len(names) == 3:
                subscription.stop()
        return names

    assert asyncio.run(asyncio.wait_for(collect(), timeout=20)) == ["0", "1", "2"]


def test_unknown_event_type_is_reported_on_decode(platform: Platform, tenant_id: str) -> None:
    store = platform.tenant(tenant_id).events
    store.append("s", [ItemAdded(name="x")], expected_version=0, metadata=META)
    recorded = store.read_stream("s")[0]
    stranger = recorded.model_copy(update={"event_type": "test.NeverDeclared"})
    with pytest.raises(UnknownEventTypeError, match=r"test\.NeverDeclared v1"):
        stranger.decode()


@pytest.mark.parametrize(
    ("stream", "events", "expected", "message"),
    [
        ("", [ItemAdded(name="a")], 0, "stream id"),
        ("x" * 201, [ItemAdded(name="a")], 0, "stream id"),
        ("s", [], 0, "at least one event"),
        ("s", [ItemAdded(name="a")], -1, "expected_version"),
    ],
)
def test_malformed_appends_are_refused_before_touching_the_database(
    platform: Platform, tenant_id: str, stream: str, events: list[DomainEvent], expected: int,
    message: str,
) -> None:
    store = platform.tenant(tenant_id).events
    with pytest.raises(ValueError, match=message):
        store.append(stream, events, expected_version=expected, metadata=META)
    assert store.read_all() == []


def test_redeclaring_a_contract_under_the_same_type_and_version_is_refused() -> None:
    with pytest.raises(TypeError, match="already registered"):

        class Clash(DomainEvent, event_type="test.ItemAdded", schema_version=1):
            other: str


@pytest.mark.postgres
def test_the_global_log_never_skips_an_event_that_commits_late(
    pg_database: PgUrls, settings: Settings, tenant_id: str
) -> None:
    """A slow transaction that started appending first must not be overtaken by a reader."""
    with Platform.open(pg_database.app, settings=settings) as platform, \
            psycopg.connect(pg_database.app.replace("+psycopg", "")) as slow:
        store = platform.tenant(tenant_id).events
        slow.execute(  # BEGIN happens implicitly: this append stays uncommitted for now
            "SELECT webnova_append_events(%s, 'slow', 0, ARRAY[gen_random_uuid()], "
            "ARRAY['test.ItemAdded'], ARRAY[1], ARRAY['{\"name\": \"slow\"}'::jsonb], "
            "'{\"actor\": \"tester\"}'::jsonb, now())", (tenant_id,))
        store.append("fast", [ItemAdded(name="fast")], expected_version=0, metadata=META)
        # The fast event is committed but sits above the slow one's position: not yet visible.
        assert store.read_all() == []
        slow.commit()
        # Any other session's open write transaction also holds the horizon back; wait it out.
        deadline = time.monotonic() + 10
        while len(events := store.read_all()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e.payload["name"] for e in events] == ["slow", "fast"]
