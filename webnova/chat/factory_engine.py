"""The chat's `RunEngine` over the factory graph (`webnova.factory.Factory`).

A chat thread holds a sequence of runs whose ids are derived from (tenant, thread, n), so a
thread's current run is found again after a reload or a server restart by probing the
checkpointer (the checkpoint is the truth, nothing is kept only in memory). The tenant in the
derivation plus `Factory.get(..., tenant=...)` keep one tenant away from another's runs. The ids
look like the factory's own (hex), because they name project folders and git tags.

The factory is blocking (git, npm, processes), so every call runs on a small thread pool and its
events are handed to the event loop one by one: the chat streams steps while the run works.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from webnova.adapters.git import CommitInfo, GitError, ProjectRepo
from webnova.chat.artifacts import (
    approval_details,
    blueprint_summary,
    blueprint_yaml,
    file_tree,
    history_text,
    stage_label,
    stage_working,
    test_report_text,
)
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
from webnova.factory import Factory, FactoryError, FactoryEvent, RollbackTarget, RunView
from webnova.governance.policy import Risk
from webnova.graphs.state import ApprovalRequest
from webnova.i18n import _, use_locale

_log = logging.getLogger(__name__)
Event = StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent | FinishedEvent | FailedEvent
T = TypeVar("T")

_DONE: Final = object()
_KINDS: Final = {"release": "deploy"}
_DECISIONS: Final = {"approve": Decision.APPROVE, "reject": Decision.REJECT,
                     "changes": Decision.REQUEST_CHANGES, "answer": Decision.ANSWER,
                     "replace": Decision.REPLACE}
_GRAPH_DECISION: Final = {v: k for k, v in _DECISIONS.items()}
HISTORY_SHOWN: Final = 15


def run_id_for(ctx: RunContext, number: int) -> str:
    """The id of the `number`-th run of a chat thread."""
    key = "\0".join((ctx.tenant_id, ctx.thread_id, str(number)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class FactoryEngine:
    """`RunEngine` backed by the factory graph and its checkpointer."""

    def __init__(self, factory: Factory, *, workers: int = 4) -> None:
        self.factory = factory
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webnova-run")
        self._latest: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        """Stop the worker threads and close the factory."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.factory.close()

    # ------------------------------------------------------------------ RunEngine

    async def start(self, ctx: RunContext, run_input: SpecInput | BlueprintInput
                    ) -> AsyncIterator[Event]:
        """Start the thread's next run, or continue one a crash interrupted."""
        number, view = await self._call(self._current, ctx)
        if view is not None and view.pending is not None:
            return  # the conversation answers a pending approval; it never starts over it
        if view is not None and view.status in ("running", "interrupted"):
            with use_locale(ctx.language):
                yield TokenEvent(text=_("The previous run in this conversation was interrupted; "
                                        "it continues from its last completed step.\n"))
            async for event in self._events(ctx, lambda: self.factory.stream_resume(
                    view.run_id, None, user=ctx.actor, tenant=ctx.tenant_id)):
                yield event
            return
        run_id = run_id_for(ctx, number + 1)
        source = run_input.blueprint if isinstance(run_input, BlueprintInput) else run_input.text
        self._latest[(ctx.tenant_id, ctx.thread_id)] = number + 1
        async for event in self._events(ctx, lambda: self.factory.stream(
                source, tenant=ctx.tenant_id, user=ctx.actor, locale=ctx.language,
                approvals="ask", run_id=run_id)):
            yield event

    async def resume(self, ctx: RunContext, decision: DecisionValue) -> AsyncIterator[Event]:
        """Answer the pending approval; a decision for another interrupt yields nothing."""
        _number, view = await self._call(self._current, ctx)
        if view is None or view.pending is None or \
                decision.interrupt_id != _interrupt_id(view):
            return
        chosen = _graph_decision(decision)
        async for event in self._events(ctx, lambda: self.factory.stream_resume(
                view.run_id, chosen, user=ctx.actor, tenant=ctx.tenant_id)):
            yield event

    async def pending(self, ctx: RunContext) -> PendingApproval | None:
        """The approval waiting in the thread's current run, read from the checkpoint."""
        _number, view = await self._call(self._current, ctx)
        if view is None or view.pending is None:
            return None
        with use_locale(ctx.language):
            return pending_approval(view)

    async def status(self, ctx: RunContext) -> RunStatus:
        """Where the thread's current run stands."""
        _number, view = await self._call(self._current, ctx)
        if view is None:
            return RunStatus(state="none")
        state: Literal["running", "waiting", "finished", "failed"] = (
            "waiting" if view.pending is not None else
            "finished" if view.status in ("done", "rejected", "refused") else
            "failed" if view.status == "failed" else "running")
        with use_locale(ctx.language):
            pending = pending_approval(view) if view.pending is not None else None
        return RunStatus(state=state, project=str((view.blueprint or {}).get("name", "")),
                         steps_done=view.steps, pending=pending)

    async def history(self, ctx: RunContext, limit: int = HISTORY_SHOWN) -> list[CommitInfo]:
        """The git history of the thread's current project, newest first (empty without one)."""
        _number, view = await self._call(self._current, ctx)
        if view is None or not view.project_dir:
            return []
        project = Path(view.project_dir)
        return await self._call(_history, project, limit)

    async def rollback_offer(self, ctx: RunContext) -> PendingApproval | None:
        """Offer to serve the platform's previous release again, when there is one."""
        target = await self._call(self._rollback_target, ctx)
        if target is None:
            return None
        with use_locale(ctx.language):
            return PendingApproval(
                id=_offer_id(target), kind="rollback", risk=Risk.DESTRUCTIVE,
                summary=_("Roll back {slug}: serve release {restore} again instead of "
                          "{current}?").format(slug=target.slug, restore=target.restore,
                                               current=target.current),
                consequence=_("the earlier release starts; once its health check passes it "
                              "replaces the current one, which stops. Git history is not "
                              "changed."),
                decisions=(Decision.APPROVE, Decision.REJECT))

    async def rollback(self, ctx: RunContext, decision: DecisionValue) -> AsyncIterator[Event]:
        """Carry out an approved rollback offer (a stale offer yields nothing)."""
        target = await self._call(self._rollback_target, ctx)
        if target is None or decision.interrupt_id != _offer_id(target) or \
                decision.decision is not Decision.APPROVE:
            return
        with use_locale(ctx.language):
            label = stage_label("deployer") or ""
            yield StepEvent(agent=label, summary=stage_working("deployer"), status="running")
        result = await self._call(lambda: self.factory.rollback(target, user=ctx.actor,
                                                                tenant=ctx.tenant_id))
        with use_locale(ctx.language):
            if not result.ok:
                yield StepEvent(agent=label, summary=_("The rollback failed."))
                yield FailedEvent(message=_("The earlier release did not pass its health "
                                            "check; {current} keeps serving.").format(
                                                current=target.current))
                return
            yield StepEvent(agent=label, summary=_("Release {release} serves again.").format(
                release=target.restore))
            yield ArtifactEvent(kind="deployment", title=_("Live preview"), content="",
                                url=result.url or "")
            yield FinishedEvent(summary=_("Rolled back: your platform is running at {url}")
                                .format(url=result.url))

    # ------------------------------------------------------------------ internals

    def _rollback_target(self, ctx: RunContext) -> RollbackTarget | None:
        number, view = self._current(ctx)
        # The latest run may have been rejected before deploying: look back for a deployment.
        for n in range(number, 0, -1):
            candidate = view if n == number else self._view(ctx, n)
            if candidate is not None and candidate.deployment_url:
                return self.factory.rollback_target(candidate.run_id, tenant=ctx.tenant_id)
        return None

    async def _call(self, func: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: func(*args))

    def _current(self, ctx: RunContext) -> tuple[int, RunView | None]:
        """The number and view of the thread's latest run (0, None when it has none)."""
        key = (ctx.tenant_id, ctx.thread_id)
        number = self._latest.get(key, 0)
        view = self._view(ctx, number) if number else None
        while (following := self._view(ctx, number + 1)) is not None:
            number, view = number + 1, following
        self._latest[key] = number
        return number, view

    def _view(self, ctx: RunContext, number: int) -> RunView | None:
        try:
            return self.factory.get(run_id_for(ctx, number), tenant=ctx.tenant_id)
        except FactoryError:
            return None

    async def _events(self, ctx: RunContext, open_stream: Callable[[], Iterator[FactoryEvent]]
                      ) -> AsyncIterator[Event]:
        """Run the factory stream on the pool and yield its chat events as they come."""
        def produce() -> Iterator[Event]:
            # No `use_locale` here: each step may run on another thread (another context);
            # `_next_in_locale` sets the language around every step instead.
            try:
                yield from chat_events(open_stream(), self.factory, ctx.tenant_id)
            except FactoryError as exc:
                yield FailedEvent(message=str(exc))
            except Exception:  # a crashed step: the chat must stay usable, the run resumable
                _log.exception("run step failed in thread %s", ctx.thread_id)
                yield FailedEvent(message=_(
                    "A step failed unexpectedly; the run kept every completed step. Send any "
                    "message to continue it from there."))

        events = produce()
        while (event := await self._call(_next_in_locale, events, ctx.language)) is not _DONE:
            assert isinstance(event, StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent |
                              FinishedEvent | FailedEvent)
            yield event


def _next_in_locale(events: Iterator[Event], language: str) -> object:
    # Each step of the generator may run on another pool thread; the locale is per thread.
    with use_locale(language):
        return next(events, _DONE)


def _offer_id(target: RollbackTarget) -> str:
    return f"rollback:{target.run_id}:{target.current}:{target.restore}"


def _history(project: Path, limit: int) -> list[CommitInfo]:
    try:
        return ProjectRepo.open(project).history(limit)
    except (GitError, OSError, ValueError):
        return []


def _interrupt_id(view: RunView) -> str:
    # The number of decisions taken so far names the question uniquely and survives restarts.
    return f"{view.run_id}#{view.decisions}"


def pending_approval(view: RunView) -> PendingApproval:
    """The chat's view of the run's pending approval (the run must be waiting)."""
    assert view.pending is not None
    asked = dt.datetime.fromisoformat(view.waiting_since) if view.waiting_since else None
    return approval_for(view.pending, _interrupt_id(view), asked)


def _graph_decision(decision: DecisionValue) -> dict[str, Any]:
    value: dict[str, Any] = {"kind": _GRAPH_DECISION[decision.decision],
                             "text": decision.comment, "actor": decision.actor}
    if decision.blueprint is not None:
        value["blueprint"] = decision.blueprint.model_dump(mode="json")
    return value


def approval_for(request: ApprovalRequest, interrupt_id: str,
                 asked_at: dt.datetime | None = None) -> PendingApproval:
    """The chat's view of an approval request of the graph."""
    return PendingApproval(
        id=interrupt_id, kind=_KINDS.get(request.kind, request.kind),
        asked_at=asked_at or dt.datetime.now(dt.UTC),
        summary=request.summary, details=approval_details(request.kind, request.details),
        risk=Risk(request.risk), consequence=_consequence(request),
        decisions=tuple(_DECISIONS[d] for d in request.allowed))


def _consequence(request: ApprovalRequest) -> str:
    texts = {
        "blueprint": _("the project is generated from this blueprint, tested and committed to "
                       "its git repository."),
        "release": _("the tested commit is started on this machine and replaces the current "
                     "deployment once its health check passes."),
        "spend": _("the run may use one more budget allowance and continues."),
    }
    return texts.get(request.kind, "")


def chat_events(stream: Iterator[FactoryEvent], factory: Factory, tenant: str
                ) -> Iterator[Event]:
    """The chat events of a factory stream: live steps, artifacts, approvals, the ending."""
    messages: dict[str, list[str]] = {}
    for event in stream:
        stage = event.stage or ""
        label = stage_label(stage)
        if event.kind == "stage_started" and label:
            yield StepEvent(agent=label, summary=stage_working(stage), status="running")
        elif event.kind == "message":
            messages.setdefault(stage, []).append(event.text)
        elif event.kind == "progress":
            yield TokenEvent(text=event.text)
        elif event.kind == "approval_requested" and event.approval is not None:
            # The interrupt is not in the checkpoint yet; the decisions so far already are.
            view = factory.get(event.run_id, tenant=tenant)
            yield ApprovalEvent(approval=approval_for(event.approval, _interrupt_id(view)))
        elif event.kind == "stage_finished" and label:
            said = [m for m in messages.pop(stage, []) if m.strip()]
            # The stage's own writes are not in the checkpoint yet: lay them over it.
            view = factory.get(event.run_id, tenant=tenant)
            view = view.model_copy(update=_view_fields(event.update))
            yield StepEvent(agent=label, summary="\n".join(said) or _("Done."),
                            detail=_stage_detail(stage, view))
            yield from _artifacts(stage, view)
        elif event.kind == "run_finished":
            yield FinishedEvent(summary=_finished_text(event.run))
        elif event.kind == "run_failed" and event.run is not None and \
                event.run.status in ("rejected", "refused"):
            yield FinishedEvent(summary=_finished_text(event.run))
        elif event.kind == "run_failed":
            yield FailedEvent(message=event.text or _("The run stopped on an error; its state "
                                                      "is kept."))


def _view_fields(update: dict[str, Any]) -> dict[str, Any]:
    fields = {k: update[k] for k in ("blueprint", "project_dir", "test_report") if k in update}
    if update.get("commit"):
        fields["commit"] = update["commit"]
    if isinstance(update.get("deployment"), dict):
        fields["deployment_url"] = update["deployment"].get("url")
    return fields


def _stage_detail(stage: str, view: RunView) -> str:
    if stage == "architect" and view.blueprint:
        return blueprint_summary(view.blueprint)
    return ""


def _artifacts(stage: str, view: RunView) -> Iterator[ArtifactEvent]:
    if stage == "architect" and view.blueprint:
        yield ArtifactEvent(kind="blueprint", language="yaml", content=blueprint_yaml(
            view.blueprint), title=_("Blueprint {name}, version {version}").format(
                name=view.blueprint.get("name", ""), version=view.blueprint.get("version", 1)))
    elif stage == "coder" and view.project_dir:
        yield ArtifactEvent(kind="files", title=_("Generated files"), language="text",
                            content=file_tree(Path(view.project_dir)))
    elif stage == "tester" and view.test_report:
        yield ArtifactEvent(kind="tests", title=_("Test report"),
                            content=test_report_text(view.test_report))
    elif stage == "deployer" and view.project_dir:
        yield ArtifactEvent(kind="history", title=_("Git history"),
                            content=history_text(_history(Path(view.project_dir), HISTORY_SHOWN)))
        if view.deployment_url:
            yield ArtifactEvent(kind="deployment", title=_("Live preview"),
                                content="", url=view.deployment_url)


def _finished_text(view: RunView | None) -> str:
    if view is None:
        return _("The run finished.")
    if view.status == "done" and view.deployment_url:
        return _("Your platform is running at {url}").format(url=view.deployment_url)
    if view.status == "rejected":
        return _("The run stopped because it was rejected. Nothing was deployed. Describe what "
                 "you want to start again.")
    return view.error or _("The run finished.")
