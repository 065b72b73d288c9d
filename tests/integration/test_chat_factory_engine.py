"""The chat's engine over the real factory graph and checkpointer (scripted tester and deployer).

These drive `FactoryEngine` exactly as the conversation does: start from words or a blueprint,
read the pending approval, answer it, and check what the chat would show at each step.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.graph.fakes import RecordingDeployer, ScriptedTester
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
    SpecInput,
    StepEvent,
    TokenEvent,
)
from webnova.chat.factory_engine import FactoryEngine, run_id_for
from webnova.factory import Factory
from webnova.generator.catalog import load_catalog
from webnova.i18n import _, use_locale
from webnova.settings import Settings

SHOP = "An online shop selling handmade soap with products, orders and customers, paid by card."
CLINIC_AR = "منصة لحجز المواعيد في عيادة، يحجز المرضى مواعيدهم مع الأطباء ويتلقون تذكيرات."


def _engine(settings: Settings) -> FactoryEngine:
    return FactoryEngine(Factory(settings, tester=ScriptedTester(),
                                 deployer=RecordingDeployer()), workers=2)


@pytest.fixture
def engine(settings: Settings) -> Iterator[FactoryEngine]:
    opened = _engine(settings)
    try:
        yield opened
    finally:
        opened.close()


def _ctx(thread: str = "t1", tenant: str = "acme", language: str = "en") -> RunContext:
    return RunContext(thread_id=thread, tenant_id=tenant, actor="owner@example.com",
                      language=language)


def _collect(events: AsyncIterator[object]) -> list[object]:
    async def drain() -> list[object]:
        return [event async for event in events]

    return asyncio.run(drain())


def _approval(events: list[object]) -> PendingApproval:
    assert isinstance(events[-1], ApprovalEvent), events[-1]
    return events[-1].approval


def _decide(engine: FactoryEngine, ctx: RunContext, pending: PendingApproval,
            decision: Decision = Decision.APPROVE, comment: str = "") -> list[object]:
    return _collect(engine.resume(ctx, DecisionValue(interrupt_id=pending.id, decision=decision,
                                                     actor=ctx.actor, comment=comment)))


def _same(one: PendingApproval, other: PendingApproval) -> bool:
    # When it was asked is read from the checkpoint later; the rest must match exactly.
    return one.model_copy(update={"asked_at": None}) == other.model_copy(
        update={"asked_at": None})


def _steps(events: list[object]) -> list[tuple[str, str]]:
    return [(e.agent, e.status) for e in events if isinstance(e, StepEvent)]


def _artifacts(events: list[object]) -> dict[str, ArtifactEvent]:
    return {e.kind: e for e in events if isinstance(e, ArtifactEvent)}


def test_a_run_streams_steps_artifacts_and_both_approvals_to_a_deployment(
        engine: FactoryEngine) -> None:
    ctx = _ctx()
    planned = _collect(engine.start(ctx, SpecInput(text=SHOP)))
    assert _steps(planned)[:2] == [("Intent", "running"), ("Intent", "done")]
    assert ("Architect", "done") in _steps(planned)
    blueprint = _artifacts(planned)["blueprint"]
    assert blueprint.language == "yaml" and "entities:" in blueprint.content
    first = _approval(planned)
    assert first.kind == "blueprint" and first.id == f"{run_id_for(ctx, 1)}#0"
    assert Decision.REPLACE in first.decisions and "PCI-DSS" in first.details
    stored = asyncio.run(engine.pending(ctx))
    assert stored is not None and _same(stored, first)
    assert stored.asked_at is not None and first.asked_at is not None
    assert abs((stored.asked_at - first.asked_at).total_seconds()) < 60

    built = _decide(engine, ctx, first)
    assert ("Coder", "done") in _steps(built) and ("Tester", "done") in _steps(built)
    assert "package.json" in _artifacts(built)["files"].content
    assert "all green" in _artifacts(built)["tests"].content
    release = _approval(built)
    assert release.kind == "deploy" and release.id.endswith("#1")

    deployed = _decide(engine, ctx, release)
    shown = _artifacts(deployed)
    assert "[generate]" in shown["history"].content
    assert shown["deployment"].url.startswith("http://127.0.0.1:4000/")
    assert isinstance(deployed[-1], FinishedEvent) and shown["deployment"].url in \
        deployed[-1].summary
    status = asyncio.run(engine.status(ctx))
    assert status.state == "finished" and status.pending is None and status.steps_done > 5
    assert [c.stage for c in asyncio.run(engine.history(ctx))][-1] == "generate"


def test_a_stale_or_repeated_decision_changes_nothing(engine: FactoryEngine) -> None:
    ctx = _ctx()
    first = _approval(_collect(engine.start(ctx, SpecInput(text=SHOP))))
    assert _decide(engine, ctx, first.model_copy(update={"id": "someone-else#0"})) == []
    assert _decide(engine, ctx, first)  # the real answer goes through...
    assert _decide(engine, ctx, first) == []  # ...and a second click on it is ignored
    pending = asyncio.run(engine.pending(ctx))
    assert pending is not None and pending.kind == "deploy"


def test_request_changes_shows_a_revised_blueprint(engine: FactoryEngine) -> None:
    ctx = _ctx()
    first = _approval(_collect(engine.start(ctx, SpecInput(text=SHOP))))
    revised = _decide(engine, ctx, first, Decision.REQUEST_CHANGES, "add a reviews entity")
    assert "version: 2" in _artifacts(revised)["blueprint"].content
    again = _approval(revised)
    assert again.kind == "blueprint" and again.id != first.id


def test_a_rejection_ends_the_run_and_the_next_message_starts_a_new_one(
        engine: FactoryEngine) -> None:
    ctx = _ctx()
    first = _approval(_collect(engine.start(ctx, SpecInput(text=SHOP))))
    stopped = _decide(engine, ctx, first, Decision.REJECT)
    assert isinstance(stopped[-1], FinishedEvent) and "rejected" in stopped[-1].summary
    assert asyncio.run(engine.pending(ctx)) is None
    second = _approval(_collect(engine.start(ctx, SpecInput(text=SHOP))))
    assert second.id == f"{run_id_for(ctx, 2)}#0"


def test_another_tenant_sees_nothing_of_the_thread(engine: FactoryEngine) -> None:
    _collect(engine.start(_ctx(), SpecInput(text=SHOP)))
    intruder = _ctx(tenant="globex")
    assert asyncio.run(engine.pending(intruder)) is None
    assert asyncio.run(engine.status(intruder)).state == "none"


def test_the_pending_approval_survives_a_restart(settings: Settings) -> None:
    ctx = _ctx()
    first = _engine(settings)
    try:
        asked = _approval(_collect(first.start(ctx, SpecInput(text=SHOP))))
    finally:
        first.close()
    second = _engine(settings)
    try:
        again = asyncio.run(second.pending(ctx))
        assert again is not None and _same(again, asked)
        assert _approval(_decide(second, ctx, asked)).kind == "deploy"
    finally:
        second.close()


def test_a_vague_description_asks_a_question_answered_by_writing(engine: FactoryEngine) -> None:
    ctx = _ctx()
    asked = _approval(_collect(engine.start(ctx, SpecInput(text="an app"))))
    assert asked.kind == "clarify" and Decision.ANSWER in asked.decisions
    answered = _decide(engine, ctx, asked, Decision.ANSWER,
                       "a blog with posts, categories and authors")
    assert _approval(answered).kind == "blueprint"


def test_an_uploaded_blueprint_starts_a_run_and_can_replace_the_proposed_one(
        engine: FactoryEngine) -> None:
    ctx = _ctx()
    entry = next(t for t in load_catalog().templates if t.id == "landing-page")
    uploaded = entry.blueprint()
    started = _collect(engine.start(ctx, BlueprintInput(blueprint=uploaded)))
    assert _approval(started).kind == "blueprint"

    other = _ctx(thread="t2")
    proposed = _approval(_collect(engine.start(other, SpecInput(text=SHOP))))
    replaced = _collect(engine.resume(other, DecisionValue(
        interrupt_id=proposed.id, decision=Decision.REPLACE, actor=other.actor,
        blueprint=uploaded)))
    again = _approval(replaced)
    assert again.kind == "blueprint" and uploaded.name in again.summary


def test_arabic_runs_speak_arabic(engine: FactoryEngine) -> None:
    ctx = _ctx(language="ar")
    events = _collect(engine.start(ctx, SpecInput(text=CLINIC_AR)))
    with use_locale("ar"):
        intent, consequence = _("Intent"), _("the project is generated from this blueprint, "
                                             "tested and committed to its git repository.")
    assert (intent, "done") in _steps(events)
    assert _approval(events).consequence == consequence
    assert not any(isinstance(e, FailedEvent) for e in events)


def test_the_project_tree_leaves_out_dependencies(tmp_path: Path) -> None:
    from webnova.chat.artifacts import file_tree

    (tmp_path / "node_modules" / "left-pad").mkdir(parents=True)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text("", encoding="utf-8")
    (tmp_path / "package.json").write_text("{}", encoding="utf-8")
    assert file_tree(tmp_path).splitlines() == ["src/", "  index.ts", "package.json"]
    for index in range(200):
        (tmp_path / f"f{index:03}.txt").write_text("", encoding="utf-8")
    tree = file_tree(tmp_path, limit=10).splitlines()
    assert len(tree) == 11 and "193" in tree[-1]


def test_rollback_serves_the_previous_release_again_after_approval(settings: Settings) -> None:
    from webnova.adapters.runtime import ProjectRuntime
    from webnova.agents.deployer import LocalDeployer

    runtime = ProjectRuntime(settings.home)
    deployer = LocalDeployer(runtime, settings.home / "releases")
    engine = FactoryEngine(Factory(settings, tester=ScriptedTester(), deployer=deployer))
    ctx = _ctx()
    landing = "A landing page for my bakery with a contact form"
    try:
        assert asyncio.run(engine.rollback_offer(ctx)) is None
        urls = []
        for _run in range(2):
            first = _approval(_collect(engine.start(ctx, SpecInput(text=landing))))
            deployed = _decide(engine, ctx, _approval(_decide(engine, ctx, first)))
            urls.append(_artifacts(deployed)["deployment"].url)
        offer = asyncio.run(engine.rollback_offer(ctx))
        assert offer is not None and offer.kind == "rollback"
        assert offer.decisions == (Decision.APPROVE, Decision.REJECT)
        stale = DecisionValue(interrupt_id="rollback:old", decision=Decision.APPROVE,
                              actor=ctx.actor)
        assert _collect(engine.rollback(ctx, stale)) == []
        rolled = _collect(engine.rollback(ctx, DecisionValue(
            interrupt_id=offer.id, decision=Decision.APPROVE, actor=ctx.actor)))
        assert isinstance(rolled[-1], FinishedEvent)
        restored = _artifacts(rolled)["deployment"].url
        # The scripted tester built nothing, so only the server's own health page is there.
        with urllib.request.urlopen(restored.rstrip("/") + "/health", timeout=10) as response:
            assert response.status == 200
        assert not runtime.status(offer.summary.split("instead of ")[1].rstrip("?")).running
        audit = engine.factory.platform.tenant("acme").audit
        assert any(e.action == "deploy.rollback" and e.actor == ctx.actor
                   for e in audit.entries(after_seq=0))
    finally:
        engine.close()
        runtime.stop_all()
        runtime.close()


def test_a_crashed_step_is_reported_and_the_next_message_continues_the_run(
        settings: Settings) -> None:
    tester = ScriptedTester(crash_on_call=1)
    engine = FactoryEngine(Factory(settings, tester=tester, deployer=RecordingDeployer()))
    ctx = _ctx()
    try:
        first = _approval(_collect(engine.start(ctx, SpecInput(text=SHOP))))
        crashed = _decide(engine, ctx, first)
        assert isinstance(crashed[-1], FailedEvent) and "continue" in crashed[-1].message
        assert asyncio.run(engine.status(ctx)).state == "running"
        continued = _collect(engine.start(ctx, SpecInput(text="go on")))
        assert "interrupted" in str(continued[0])
        assert _approval(continued).kind == "deploy"
        assert len(tester.calls) == 2  # the crashed test run ran again, nothing else did
    finally:
        engine.close()


def test_claude_text_streams_into_the_chat_as_it_arrives(settings: Settings) -> None:
    import httpx2

    from tests.unit.test_brain_claude import KEY, Recorder, _streamed
    from webnova.adapters.brains.claude import make_claude_brain
    from webnova.adapters.brains.offline import OfflineBrain

    offline = OfflineBrain()
    analysis = offline.analyze(SHOP)
    recorder = Recorder(
        _streamed("record_intent", analysis.model_dump(mode="json"), preface="Reading it"),
        _streamed("record_blueprint", offline.design(analysis).model_dump(mode="json")))
    brain = make_claude_brain(KEY, "claude-sonnet-4-6", max_retries=0,
                              http_client=httpx2.Client(transport=httpx2.MockTransport(recorder)))
    engine = FactoryEngine(Factory(settings, brain=brain, tester=ScriptedTester(),
                                   deployer=RecordingDeployer()))
    try:
        events = _collect(engine.start(_ctx(), SpecInput(text=SHOP)))
    finally:
        engine.close()
    tokens = "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert tokens == "Reading it "  # text only: the tool-input JSON is not shown to people
    assert _approval(events).kind == "blueprint"


@pytest.fixture
def pg_settings(pg_server: tuple[str, str], tmp_path: Path) -> Iterator[Settings]:
    from tests.conftest import create_pg_database, drop_pg_database
    from webnova.settings import load_settings

    urls = create_pg_database(pg_server)
    try:
        yield load_settings(home=tmp_path / "home", database_url=urls.app,
                            database_admin_url=urls.admin)
    finally:
        drop_pg_database(pg_server, urls.name)


@pytest.mark.postgres
def test_two_ui_processes_share_a_chat_run_on_postgresql(pg_settings: Settings) -> None:
    ctx = _ctx()
    first, second = _engine(pg_settings), _engine(pg_settings)  # as two UI replicas
    try:
        asked = _approval(_collect(first.start(ctx, SpecInput(text=SHOP))))
        seen = asyncio.run(second.pending(ctx))
        assert seen is not None and _same(seen, asked)
        assert _approval(_decide(second, ctx, seen)).kind == "deploy"
        assert _decide(first, ctx, asked) == []  # the first replica's stale click is ignored
        again = asyncio.run(first.pending(ctx))
        assert again is not None and again.kind == "deploy"
        assert asyncio.run(_engine_status(first, _ctx(tenant="globex"))) == "none"
    finally:
        first.close()
        second.close()


async def _engine_status(engine: FactoryEngine, ctx: RunContext) -> str:
    return (await engine.status(ctx)).state


def test_a_spend_approval_shows_the_budget_arithmetic() -> None:
    from webnova.chat.artifacts import approval_details

    text = approval_details("spend", {"budget": "steps", "used": 40, "limit": 40, "unit": 10,
                                      "reason": "40 of 40 steps"})
    assert text == "- Budget steps: 40 used of 40"
