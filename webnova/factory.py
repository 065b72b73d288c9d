"""The Python agent API: `from webnova import Factory`.

```python
from webnova import Factory

with Factory() as factory:
    run = factory.start("A booking platform for a dental clinic", approvals="ask")
    while run.pending:                      # an approval is waiting
        print(run.pending.summary)
        run = factory.resume(run.run_id, "approve")
    print(run.status, run.deployment_url)
```

One run is one LangGraph thread (thread id = run id) in the configured checkpointer, so a run
started in one process is resumed in another. Every method has an async twin (`astart`,
`aresume`, `aget`, `aruns`, `astream`) that runs the same code in a worker thread, because the
graph's side effects (git, npm, processes) are blocking.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal, Self, cast

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict, Field

from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.brains.port import Brain
from webnova.core.platform import Platform
from webnova.generator.blueprint import Blueprint
from webnova.generator.validation import parse_blueprint
from webnova.graphs.budget import RunBudget
from webnova.graphs.checkpoint import open_checkpointer
from webnova.graphs.deps import Deployer, DeployResult, FactoryDeps, Tester
from webnova.graphs.events import RolledBack, RunStarted
from webnova.graphs.factory_graph import FactoryGraph, build_factory_graph
from webnova.graphs.ledger import RunLedger
from webnova.graphs.state import ApprovalRequest, Decision, DecisionKind
from webnova.i18n import _, negotiate
from webnova.settings import Settings, load_settings

Approvals = Literal["ask", "auto"]
EventKind = Literal["stage_started", "stage_finished", "message", "approval_requested",
                    "run_finished", "run_failed", "progress"]


class FactoryError(Exception):
    """A request the factory refuses: unknown or finished run, disallowed decision, bad spec."""


class RunView(BaseModel):
    """A run as its owner sees it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    tenant: str
    status: str
    pending: ApprovalRequest | None = None
    blueprint: dict[str, Any] | None = None
    project_dir: str | None = None
    test_report: dict[str, Any] | None = None
    commit: str | None = None
    deployment_url: str | None = None
    messages: list[str] = Field(default_factory=list)
    error: str | None = None
    decisions: int = Field(default=0, description="Decisions taken so far; names the pending one.")
    steps: int = 0
    waiting_since: str | None = Field(default=None,
                                      description="ISO time the pending approval was asked.")


class ProjectSummary(BaseModel):
    """One generated project of a tenant, as its latest run left it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    slug: str
    template: str
    project_dir: str
    run_id: str
    status: str
    commit: str | None = None
    deployment_url: str | None = None


class RollbackTarget(BaseModel):
    """What a rollback of a run's platform would do: which release serves, which comes back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    slug: str
    current: str
    restore: str


class RunSummary(BaseModel):
    """One line of `runs()`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    text: str
    user: str
    status: str


class FactoryEvent(BaseModel):
    """What `stream` yields while a run advances."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EventKind
    run_id: str
    stage: str | None = None
    text: str = ""
    approval: ApprovalRequest | None = None
    run: RunView | None = None
    update: dict[str, Any] = Field(default_factory=dict,
                                   description="stage_finished: the state the stage wrote.")


Source = str | Path | Blueprint | Mapping[str, Any]


class Factory:
    """Start, stream, resume and inspect factory runs (sync and async)."""

    def __init__(self, settings: Settings | None = None, *, platform: Platform | None = None,
                 checkpointer: BaseCheckpointSaver[Any] | None = None,
                 brain: Brain | None = None, tester: Tester | None = None,
                 deployer: Deployer | None = None, projects_dir: Path | None = None,
                 max_test_attempts: int = 3) -> None:
        self.settings = settings or load_settings()
        self._stack = ExitStack()
        self._platform = platform
        self._checkpointer = checkpointer
        self._brain = brain
        self._tester = tester
        self._deployer = deployer
        self._projects = projects_dir or self.settings.home / "projects"
        self._max_attempts = max_test_attempts
        self._graph: FactoryGraph | None = None
        self._last_run_id = ""

    # ------------------------------------------------------------------ wiring

    @property
    def platform(self) -> Platform:
        """The open platform (opened on first use)."""
        if self._platform is None:
            self._platform = self._stack.enter_context(Platform.open(settings=self.settings))
        return self._platform

    @property
    def graph(self) -> FactoryGraph:
        """The compiled graph over the checkpointer (opened on first use)."""
        if self._graph is None:
            saver = self._checkpointer or self._stack.enter_context(
                open_checkpointer(self.settings))
            self._graph = build_factory_graph(saver)
        return self._graph

    def deps(self, tenant: str) -> FactoryDeps:
        """The dependencies of a run of `tenant` (real tester and local deployer by default)."""
        from webnova.governance.service import Governance

        governance = Governance(self.platform, tenant)
        budgets = governance.budgets
        return FactoryDeps(brain=self._brain or self._default_brain(),
                           ledger=RunLedger(self.platform.tenant(tenant)),
                           budget=RunBudget(budgets, tenant),
                           tester=self._tester or self._default_tester(),
                           deployer=self._deployer or self._default_deployer(),
                           projects_dir=self._projects, max_test_attempts=self._max_attempts,
                           release_verdict=lambda report, passed: governance.release_verdict(
                               report, tests_passed=passed))

    def _default_brain(self) -> Brain:
        key = self.settings.anthropic_api_key
        if key is None:
            self._brain = OfflineBrain()
        else:
            from webnova.adapters.brains.claude import make_claude_brain

            self._brain = make_claude_brain(key.get_secret_value(), self.settings.anthropic_model)
        return self._brain

    def _default_tester(self) -> Tester:
        from webnova.agents.tester import default_tester

        self._tester = default_tester(self.settings)
        return self._tester

    def _default_deployer(self) -> Deployer:
        from webnova.adapters.appdb import PlatformDatabases
        from webnova.adapters.runtime import ProjectRuntime
        from webnova.agents.deployer import LocalDeployer

        runtime = ProjectRuntime(self.settings.home)
        self._stack.callback(runtime.close)
        server = self.settings.deploy_database_url
        databases = PlatformDatabases(server.get_secret_value()) if server else None
        self._deployer = LocalDeployer(runtime, self.settings.home / "releases", databases)
        return self._deployer

    def close(self) -> None:
        """Close the checkpointer and the platform this factory opened."""
        self._stack.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ runs

    def start(self, source: Source, *, tenant: str = "default", user: str = "local",
              locale: str = "en", approvals: Approvals = "ask", out: Path | None = None,
              run_id: str | None = None) -> RunView:
        """Start a run from a description, a spec file or a blueprint; stop at the first gate."""
        for _event in self.stream(source, tenant=tenant, user=user, locale=locale,
                                  approvals=approvals, out=out, run_id=run_id):
            pass
        return self.get(self._last_run_id)

    def stream(self, source: Source, *, tenant: str = "default", user: str = "local",
               locale: str = "en", approvals: Approvals = "ask", out: Path | None = None,
               run_id: str | None = None) -> Iterator[FactoryEvent]:
        """Start a run and yield its events until it finishes or waits for an approval.

        `run_id` lets a caller name the run (the chat derives it from its thread); an id that
        already has a run is refused, so a start never continues or overwrites another run.
        """
        if run_id is None:
            run_id = uuid.uuid4().hex
        elif self.graph.get_state(_config(run_id)).values:
            raise FactoryError(_("Run {run} already exists.").format(run=run_id))
        state = self._initial(source, run_id, tenant, user, negotiate(locale), approvals, out)
        deps = self.deps(tenant)
        deps.ledger.started(RunStarted(run_id=run_id, text=state.get("text", "")[:4000],
                                       user=user, locale=state["locale"], approvals=approvals),
                            actor=user)
        self._last_run_id = run_id
        yield from self._advance(run_id, state, deps)

    def resume(self, run_id: str, decision: Decision | DecisionKind | Mapping[str, Any] | None,
               *, text: str = "", user: str = "local", tenant: str | None = None) -> RunView:
        """Answer the pending approval of `run_id` (or continue a crashed run with None).

        With `tenant`, a run of another tenant is treated as unknown (callers acting for a
        tenant, such as the chat, must pass it; None is the local operator).
        """
        for _event in self.stream_resume(run_id, decision, text=text, user=user, tenant=tenant):
            pass
        return self.get(run_id, tenant=tenant)

    def stream_resume(self, run_id: str,
                      decision: Decision | DecisionKind | Mapping[str, Any] | None, *,
                      text: str = "", user: str = "local",
                      tenant: str | None = None) -> Iterator[FactoryEvent]:
        """Like `resume`, yielding the events as the run advances."""
        view = self.get(run_id, tenant=tenant)
        command = self._command(view, decision, text, user)
        yield from self._advance(run_id, command, self.deps(view.tenant))

    def get(self, run_id: str, *, tenant: str | None = None) -> RunView:
        """The run's current view (blueprint, project, tests, commit, deployment URL).

        With `tenant`, another tenant's run is reported as missing, exactly like an unknown id.
        """
        snapshot = self.graph.get_state(_config(run_id))
        values: dict[str, Any] = dict(snapshot.values)
        if not values or (tenant is not None and values.get("tenant", "default") != tenant):
            raise FactoryError(_("There is no run {run}.").format(run=run_id))
        pending = [i.value for t in snapshot.tasks for i in t.interrupts]
        status = values.get("status", "running")
        if pending:
            status = "waiting"
        elif snapshot.next and status == "running":
            status = "interrupted"  # the process died mid-step; resume(run_id, None) continues
        deployment = values.get("deployment") or {}
        return RunView(
            run_id=run_id, tenant=values.get("tenant", "default"), status=status,
            pending=ApprovalRequest.model_validate(pending[0]) if pending else None,
            blueprint=values.get("blueprint"), project_dir=values.get("project_dir"),
            test_report=values.get("test_report"), commit=values.get("commit") or None,
            deployment_url=deployment.get("url"), messages=list(values.get("messages", [])),
            error=values.get("error") or None, decisions=len(values.get("decisions", [])),
            steps=int(values.get("steps", 0)),
            waiting_since=snapshot.created_at if pending else None)

    def rollback_target(self, run_id: str, *, tenant: str | None = None) -> (
            RollbackTarget | None):
        """The release a rollback of this run's platform would restore, or None.

        Only the local deployer keeps releases; a platform with a single release has nothing to
        go back to.
        """
        from webnova.agents.deployer import LocalDeployer

        view = self.get(run_id, tenant=tenant)
        deployer = self._deployer or self._default_deployer()
        if not isinstance(deployer, LocalDeployer) or not view.blueprint:
            return None
        slug = str(view.blueprint.get("slug", ""))
        current = deployer.current(slug)
        earlier = [r for r in deployer.releases_of(slug) if r != current]
        if current is None or not earlier:
            return None
        return RollbackTarget(run_id=run_id, slug=slug, current=current, restore=earlier[0])

    def rollback(self, target: RollbackTarget, *, user: str, tenant: str) -> DeployResult:
        """Serve `target.restore` again, after a person approved it; audited either way."""
        from webnova.agents.deployer import LocalDeployer

        deployer = self._deployer or self._default_deployer()
        assert isinstance(deployer, LocalDeployer), "rollback_target() returned a target"
        self.get(target.run_id, tenant=tenant)  # another tenant's run is unknown here too
        result = deployer.restore(target.slug, target.restore, target.run_id)
        ledger = RunLedger(self.platform.tenant(tenant))
        ledger.audit(target.run_id, user, "deploy.rollback" if result.ok else
                     "deploy.rollback_failed", {"from": target.current, "to": target.restore,
                                                "url": result.url})
        if result.ok:
            ledger.emit(target.run_id, RolledBack(
                reason=f"rollback approved by {user}: {target.current} -> {target.restore}",
                restored_url=result.url), actor=user)
        return result

    def projects(self, tenant: str = "default") -> list[ProjectSummary]:
        """Every project of `tenant` that a run generated, newest run last."""
        found: dict[str, ProjectSummary] = {}
        for record in RunLedger(self.platform.tenant(tenant)).run_ids():
            try:
                view = self.get(record.run_id, tenant=tenant)
            except FactoryError:
                continue
            if not view.project_dir or not view.blueprint:
                continue
            found[view.project_dir] = ProjectSummary(
                name=str(view.blueprint.get("name", "")), slug=str(view.blueprint.get("slug", "")),
                template=str(view.blueprint.get("template", "")), project_dir=view.project_dir,
                run_id=view.run_id, status=view.status, commit=view.commit,
                deployment_url=view.deployment_url)
        return list(found.values())

    def runs(self, tenant: str = "default") -> list[RunSummary]:
        """Every run of `tenant`, oldest first, with its current status."""
        ledger = RunLedger(self.platform.tenant(tenant))
        return [RunSummary(run_id=r.run_id, text=r.text[:200], user=r.user,
                           status=self._status(r.run_id)) for r in ledger.run_ids()]

    def _status(self, run_id: str) -> str:
        try:
            return self.get(run_id).status
        except FactoryError:
            return "unknown"

    # ------------------------------------------------------------------ async twins

    async def astart(self, source: Source, **kwargs: Any) -> RunView:
        """`start` without blocking the event loop."""
        return await asyncio.to_thread(lambda: self.start(source, **kwargs))

    async def aresume(self, run_id: str, decision: Any, **kwargs: Any) -> RunView:
        """`resume` without blocking the event loop."""
        return await asyncio.to_thread(lambda: self.resume(run_id, decision, **kwargs))

    async def aget(self, run_id: str, *, tenant: str | None = None) -> RunView:
        """`get` without blocking the event loop."""
        return await asyncio.to_thread(lambda: self.get(run_id, tenant=tenant))

    async def aruns(self, tenant: str = "default") -> list[RunSummary]:
        """`runs` without blocking the event loop."""
        return await asyncio.to_thread(self.runs, tenant)

    async def astream(self, source: Source, **kwargs: Any) -> AsyncIterator[FactoryEvent]:
        """`stream` without blocking the event loop (each step runs in a worker thread)."""
        events = self.stream(source, **kwargs)
        done = object()
        while (event := await asyncio.to_thread(next, events, done)) is not done:
            assert isinstance(event, FactoryEvent)
            yield event

    # ------------------------------------------------------------------ internals

    def _initial(self, source: Source, run_id: str, tenant: str, user: str, locale: str,
                 approvals: Approvals, out: Path | None) -> dict[str, Any]:
        state: dict[str, Any] = {"run_id": run_id, "tenant": tenant, "user": user,
                                 "locale": locale, "approvals": approvals}
        if out is not None:
            state["project_dir"] = str(out.resolve())
        blueprint = _as_blueprint(source)
        if blueprint is None:
            state["text"] = str(source)
        else:
            state["blueprint"] = blueprint.model_dump(mode="json")
            state["text"] = blueprint.description or blueprint.name
        return state

    def _command(self, view: RunView, decision: Any, text: str, user: str) -> Command[Any] | None:
        if view.status in ("done", "rejected", "refused", "failed"):
            raise FactoryError(_("Run {run} is already {status}; start a new run.").format(
                run=view.run_id, status=view.status))
        if view.pending is None:
            if decision is not None:
                raise FactoryError(_("Run {run} is not waiting for a decision.").format(
                    run=view.run_id))
            return None
        if decision is None:
            raise FactoryError(_("Run {run} is waiting for a decision: {allowed}.").format(
                run=view.run_id, allowed=", ".join(view.pending.allowed)))
        chosen = _decision(decision, text, user)
        if chosen.kind not in view.pending.allowed:
            raise FactoryError(_("{decision} is not allowed here; choose one of: {allowed}."
                                 ).format(decision=chosen.kind,
                                          allowed=", ".join(view.pending.allowed)))
        return Command(resume=chosen.model_dump(mode="json"))

    def _advance(self, run_id: str, value: Any, deps: FactoryDeps) -> Iterator[FactoryEvent]:
        from webnova.adapters.brains.claude import BrainError

        try:
            for chunk in self.graph.stream(value, _config(run_id), context=deps,
                                           stream_mode=["tasks", "custom"], version="v2",
                                           durability="sync"):
                data = cast("Mapping[str, Any]", chunk["data"])
                if chunk["type"] == "custom":
                    yield from _progress_events(run_id, data)
                else:
                    yield from _task_events(run_id, data)
        except BrainError as exc:
            # The checkpoint keeps every completed step: resume(run_id, None) tries again.
            yield FactoryEvent(kind="run_failed", run_id=run_id, text=str(exc),
                               run=self.get(run_id))
            return
        view = self.get(run_id)
        if view.pending is not None:
            return
        kind: EventKind = "run_finished" if view.status == "done" else "run_failed"
        yield FactoryEvent(kind=kind, run_id=run_id, text=view.error or "", run=view)


def _config(run_id: str) -> Any:
    return {"configurable": {"thread_id": run_id}}


def _progress_events(run_id: str, data: Mapping[str, Any]) -> Iterator[FactoryEvent]:
    # A model's text as it streams (the brain forwards deltas to the graph's custom stream);
    # tool-input JSON deltas are not for people, so only text is passed on.
    if data.get("type") == "brain_delta" and data.get("delta") == "text" and data.get("text"):
        yield FactoryEvent(kind="progress", run_id=run_id, stage=str(data.get("node") or ""),
                           text=str(data["text"]))


def _task_events(run_id: str, data: Mapping[str, Any]) -> Iterator[FactoryEvent]:
    stage = str(data.get("name"))
    if "result" not in data:
        yield FactoryEvent(kind="stage_started", run_id=run_id, stage=stage)
        return
    result = data.get("result") or {}
    for message in result.get("messages", []) if isinstance(result, Mapping) else []:
        yield FactoryEvent(kind="message", run_id=run_id, stage=stage, text=str(message))
    for pending in data.get("interrupts") or []:
        request = ApprovalRequest.model_validate(pending["value"])
        yield FactoryEvent(kind="approval_requested", run_id=run_id, stage=stage,
                           text=request.summary, approval=request)
    update = {k: v for k, v in result.items() if k != "messages"} \
        if isinstance(result, Mapping) else {}
    yield FactoryEvent(kind="stage_finished", run_id=run_id, stage=stage, update=update)


def _decision(decision: Any, text: str, user: str) -> Decision:
    if isinstance(decision, Decision):
        return decision
    if isinstance(decision, str):
        return Decision.model_validate({"kind": decision, "text": text, "actor": user})
    return Decision.model_validate({"actor": user, **dict(decision)})


def _as_blueprint(source: Source) -> Blueprint | None:
    if isinstance(source, Blueprint):
        return source
    if isinstance(source, Mapping):
        return Blueprint.model_validate(source)
    if isinstance(source, Path):
        result = parse_blueprint(source.read_bytes(), filename=source.name)
        if result.blueprint is None:
            problems = "; ".join(str(i) for i in result.issues[:5])
            raise FactoryError(_("The spec {path} is not a valid blueprint: {problems}").format(
                path=source, problems=problems))
        return result.blueprint
    return None


def chat_engine(settings: Settings) -> Any:
    """The chat's run engine over a `Factory` with these settings (see `webnova.chat.ui`)."""
    from webnova.chat.factory_engine import FactoryEngine

    return FactoryEngine(Factory(settings))
