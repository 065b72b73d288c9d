"""An honest in-memory `RunEngine` for the chat's tests, until the factory graph is wired.

It behaves like the graph is specified to: a run pauses on a blueprint approval, then on a
deployment approval; a rejection ends the run; a change request asks again with a revised
blueprint; a decision for an interrupt that is not pending changes nothing. Runs are kept per
(tenant, thread), so one tenant never sees another's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from webnova.adapters.git import CommitInfo
from webnova.chat.engine import (
    ApprovalEvent,
    ArtifactEvent,
    BlueprintInput,
    Decision,
    DecisionValue,
    FailedEvent,
    FinishedEvent,
    PendingApproval,
    RunContext,
    RunStatus,
    SpecInput,
    StepEvent,
    TokenEvent,
)
from webnova.governance.policy import Risk

Event = StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent | FinishedEvent | FailedEvent


@dataclass
class _Run:
    project: str
    steps: int = 0
    revision: int = 1
    pending: PendingApproval | None = None
    state: str = "running"
    rolled_back: bool = False
    decisions: list[DecisionValue] = field(default_factory=list)


class FakeEngine:
    """Two approvals per run (blueprint, deployment), in memory."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], _Run] = {}

    @staticmethod
    def _key(ctx: RunContext) -> tuple[str, str]:
        return (ctx.tenant_id, ctx.thread_id)

    async def start(self, ctx: RunContext, run_input: SpecInput | BlueprintInput
                    ) -> AsyncIterator[Event]:
        """Plan, then pause on the blueprint approval."""
        key = self._key(ctx)
        if key in self.runs and self.runs[key].pending is not None:
            return
        project = run_input.blueprint.slug if isinstance(run_input, BlueprintInput) else "demo"
        run = _Run(project=project)
        self.runs[key] = run
        run.steps += 1
        yield StepEvent(agent="planner", summary="Planned the platform")
        yield self._ask(run, "blueprint")

    async def resume(self, ctx: RunContext, decision: DecisionValue) -> AsyncIterator[Event]:
        """Continue after a decision; a stale decision yields nothing."""
        run = self.runs.get(self._key(ctx))
        if run is None or run.pending is None or run.pending.id != decision.interrupt_id:
            return
        kind = run.pending.kind
        run.pending = None
        run.decisions.append(decision)
        if decision.decision is Decision.REJECT:
            run.state = "finished"
            yield FinishedEvent(summary="Stopped")
            return
        if decision.decision is Decision.REQUEST_CHANGES:
            run.revision += 1
            yield StepEvent(agent="planner", summary=f"Revised: {decision.comment}")
            yield self._ask(run, kind)
            return
        if kind == "blueprint":
            run.steps += 2
            yield StepEvent(agent="coder", summary="Generated the code")
            yield StepEvent(agent="tester", summary="All tests passed")
            yield self._ask(run, "deploy")
            return
        run.state = "finished"
        yield ArtifactEvent(kind="deployment", title="Deployed", content="",
                            url="http://127.0.0.1:9/")
        yield FinishedEvent(summary="Deployed")

    def _ask(self, run: _Run, kind: str) -> ApprovalEvent:
        approval = PendingApproval(
            id=f"{kind}-{run.revision}-{run.steps}", kind=kind,
            summary=f"{kind} revision {run.revision}",
            risk=Risk.EXTERNAL if kind == "deploy" else Risk.WRITE,
            asked_at=dt.datetime.now(dt.UTC))
        run.pending = approval
        run.state = "waiting"
        return ApprovalEvent(approval=approval)

    async def pending(self, ctx: RunContext) -> PendingApproval | None:
        """The interrupt waiting in this tenant's thread."""
        run = self.runs.get(self._key(ctx))
        return run.pending if run else None

    async def rollback_offer(self, ctx: RunContext) -> PendingApproval | None:
        """A rollback is possible once a run deployed; rolled back once, it is gone."""
        run = self.runs.get(self._key(ctx))
        if run is None or run.state != "finished" or run.rolled_back:
            return None
        return PendingApproval(id=f"rollback-{run.revision}", kind="rollback",
                               summary="Roll back?", risk=Risk.DESTRUCTIVE,
                               decisions=(Decision.APPROVE, Decision.REJECT))

    async def rollback(self, ctx: RunContext, decision: DecisionValue) -> AsyncIterator[Event]:
        """Serve the previous release again (once)."""
        offer = await self.rollback_offer(ctx)
        if offer is None or offer.id != decision.interrupt_id or \
                decision.decision is not Decision.APPROVE:
            return
        self.runs[self._key(ctx)].rolled_back = True
        yield FinishedEvent(summary="Rolled back")

    async def history(self, ctx: RunContext, limit: int = 15) -> list[CommitInfo]:
        """One generate commit per finished run (the fake has no repository)."""
        run = self.runs.get(self._key(ctx))
        if run is None or run.state != "finished":
            return []
        return [CommitInfo(sha="0123456789abcdef", subject=f"webnova: generate {run.project}",
                           stage="generate", blueprint_version=run.revision, run_id="fake",
                           authored_at="2026-11-26T00:00:00+00:00", parents=())][:limit]

    async def status(self, ctx: RunContext) -> RunStatus:
        """Where the run stands."""
        run = self.runs.get(self._key(ctx))
        if run is None:
            return RunStatus(state="none")
        if run.pending is not None:
            return RunStatus(state="waiting", project=run.project, steps_done=run.steps,
                             pending=run.pending)
        state: Literal["finished", "running"] = (
            "finished" if run.state == "finished" else "running")
        return RunStatus(state=state, project=run.project, steps_done=run.steps)
