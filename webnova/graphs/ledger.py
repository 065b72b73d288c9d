"""The run ledger: events, audit entries and the side-effect journal of factory runs.

Everything lives in the platform's event store and audit log, so it is on SQLite or PostgreSQL
with the rest of the tenant's data. The journal is keyed by (run, stage key): a node that runs
again after a resume or a crash finds its result and does not repeat the side effect.
"""

from __future__ import annotations

from typing import Any

from webnova.core.events import DomainEvent, EventMetadata
from webnova.core.platform import TenantHandle
from webnova.graphs.events import RunStarted, StageJournaled

RUNS_STREAM = "factory-runs"


def run_stream(run_id: str) -> str:
    """The event stream of one run."""
    return f"run-{run_id}"


class RunLedger:
    """Events, audit and journal of one tenant's runs."""

    def __init__(self, tenant: TenantHandle) -> None:
        self.tenant = tenant

    def emit(self, run_id: str, event: DomainEvent, actor: str) -> None:
        """Append `event` to the run's stream."""
        self.tenant.events.append(run_stream(run_id), [event], expected_version=None,
                                  metadata=EventMetadata(actor=actor[:200]))

    def audit(self, run_id: str, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Record a decision or an action in the tamper-evident audit log."""
        self.tenant.audit.record(actor[:200], action, run_stream(run_id), detail)

    def started(self, event: RunStarted, actor: str) -> None:
        """Index a new run in the tenant's run list."""
        self.tenant.events.append(RUNS_STREAM, [event], expected_version=None,
                                  metadata=EventMetadata(actor=actor[:200]))
        self.emit(event.run_id, event, actor)

    def run_ids(self) -> list[RunStarted]:
        """Every run of the tenant, oldest first."""
        stored = self.tenant.events.read_stream(RUNS_STREAM)
        return [e for e in (r.decode() for r in stored) if isinstance(e, RunStarted)]

    def journaled(self, run_id: str, key: str) -> dict[str, Any] | None:
        """The recorded result of side effect `key` of the run, or None when it never completed."""
        for recorded in self.tenant.events.read_stream(run_stream(run_id)):
            if recorded.event_type == StageJournaled.event_type and \
                    recorded.payload.get("key") == key:
                return dict(recorded.payload["result"])
        return None

    def has_event(self, run_id: str, event_type: str) -> bool:
        """Whether the run's stream holds an event of `event_type`."""
        return any(r.event_type == event_type
                   for r in self.tenant.events.read_stream(run_stream(run_id)))

    def journal(self, run_id: str, key: str, result: dict[str, Any], actor: str) -> None:
        """Record that side effect `key` completed with `result`."""
        self.emit(run_id, StageJournaled(key=key, result=result), actor)

    def history(self, run_id: str) -> list[DomainEvent]:
        """The run's events, in order."""
        return [r.decode() for r in self.tenant.events.read_stream(run_stream(run_id))]
