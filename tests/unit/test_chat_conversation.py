"""A chat thread end to end with the fake engine: start, approve, re-ask, reconnect, races."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence

from tests.unit.chat_fake_engine import FakeEngine
from webnova.chat.approvals import DecisionGate
from webnova.chat.conversation import TIMEOUT_ACTOR, Conversation, Reply
from webnova.chat.engine import Decision, RunContext, RunEngine
from webnova.chat.uploads import Upload, read_upload
from webnova.generator.catalog import load_catalog, preset_yaml
from webnova.governance.people import operator

CTX = RunContext(thread_id="t1", tenant_id="acme", actor="sara@acme.test")


OWNER = operator("acme").effective_permissions()


def _conversation(engine: FakeEngine | None = None, ctx: RunContext = CTX,
                  permissions: frozenset[str] = OWNER) -> Conversation:
    return Conversation(ctx=ctx, engine=engine, gate=DecisionGate(), permissions=permissions)


async def _all(replies: AsyncIterator[Reply]) -> list[Reply]:
    return [reply async for reply in replies]


def _say(conv: Conversation, text: str, uploads: Sequence[Upload] = ()) -> list[Reply]:
    return asyncio.run(_all(conv.on_message(text, uploads)))


def _click(conv: Conversation, reply: Reply, decision: Decision) -> list[Reply]:
    action = next(a for a in reply.actions if a.payload["decision"] == decision.value)
    return asyncio.run(_all(conv.on_action(dict(action.payload))))


def test_fake_engine_satisfies_the_protocol() -> None:
    assert isinstance(FakeEngine(), RunEngine)


def test_message_starts_a_run_that_pauses_on_the_blueprint() -> None:
    replies = _say(_conversation(FakeEngine()), "a booking site for my clinic")

    assert [r.kind for r in replies] == ["step", "approval"]
    assert replies[-1].text.startswith("**Approve the blueprint?**")
    assert [a.label for a in replies[-1].actions] == ["Approve", "Reject", "Request changes"]


def test_approving_twice_continues_to_the_deployment() -> None:
    conv = _conversation(FakeEngine())
    question = _say(conv, "a clinic")[-1]

    after_blueprint = _click(conv, question, Decision.APPROVE)
    after_deploy = _click(conv, after_blueprint[-1], Decision.APPROVE)

    assert after_blueprint[0].text == "Approved by sara@acme.test."
    assert after_blueprint[-1].text.startswith("**Approve the deployment?**")
    assert any(r.kind == "artifact" and r.url for r in after_deploy)
    assert after_deploy[-1].text == "Deployed"


def test_message_while_pending_reasks_and_never_restarts() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    _say(conv, "a clinic")
    run_before = engine.runs[("acme", "t1")]

    replies = _say(conv, "actually, build a school portal")

    assert [r.kind for r in replies] == ["text", "approval"]
    assert "An approval is still waiting" in replies[0].text
    assert engine.runs[("acme", "t1")] is run_before
    assert run_before.decisions == []


def test_typed_approval_answers_the_pending_question() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    _say(conv, "a clinic")

    replies = _say(conv, "موافق")

    assert replies[0].text == "Approved by sara@acme.test."
    assert engine.runs[("acme", "t1")].decisions[0].decision is Decision.APPROVE


def test_request_changes_takes_the_next_message_as_the_change() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    question = _say(conv, "a clinic")[-1]

    prompt = _click(conv, question, Decision.REQUEST_CHANGES)
    revised = _say(conv, "add online payments")

    assert prompt[0].text == "What should change? Write it in your next message."
    assert revised[0].text == "Changes requested by sara@acme.test: add online payments"
    assert "revision 2" in revised[-1].text


def test_reject_ends_the_run_and_old_buttons_are_stale() -> None:
    conv = _conversation(FakeEngine())
    question = _say(conv, "a clinic")[-1]

    rejected = _click(conv, question, Decision.REJECT)
    late = _click(conv, question, Decision.APPROVE)

    assert rejected[0].text.startswith("Rejected by sara@acme.test.")
    assert late[0].text == "This question was already answered."


def test_concurrent_clicks_decide_once() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    question = _say(conv, "a clinic")[-1]
    payload = dict(question.actions[0].payload)

    async def race() -> list[list[Reply]]:
        return list(await asyncio.gather(*(_all(conv.on_action(payload)) for _ in range(5))))

    results = asyncio.run(race())

    assert len(engine.runs[("acme", "t1")].decisions) == 1
    assert sum(1 for r in results if r[0].text.startswith("Approved")) == 1


def test_reconnect_asks_the_pending_question_again() -> None:
    engine = FakeEngine()
    _say(_conversation(engine), "a clinic")

    again = asyncio.run(_all(_conversation(engine).on_reconnect()))

    assert [r.kind for r in again] == ["approval"]


def test_other_tenant_never_sees_the_run() -> None:
    engine = FakeEngine()
    _say(_conversation(engine), "a clinic")
    other = _conversation(engine, CTX.model_copy(update={"tenant_id": "globex"}))

    assert asyncio.run(_all(other.on_reconnect())) == []


def test_uploaded_blueprint_starts_a_run_from_it() -> None:
    engine = FakeEngine()
    entry = load_catalog().templates[0]
    upload = read_upload("shop.yaml", preset_yaml(entry).encode())

    replies = _say(_conversation(engine), "", [upload])

    assert "is a valid blueprint" in replies[0].text
    assert replies[-1].kind == "approval"
    assert engine.runs[("acme", "t1")].project == entry.id


def test_broken_upload_is_explained_and_starts_nothing() -> None:
    engine = FakeEngine()

    replies = _say(_conversation(engine), "", [read_upload("x.pdf", b"not a pdf")])

    assert len(replies) == 1
    assert "cannot be used" in replies[0].text
    assert engine.runs == {}


def test_commands_never_touch_the_run() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    _say(conv, "a clinic")

    replies = _say(conv, "/help")

    assert len(replies) == 1
    assert engine.runs[("acme", "t1")].decisions == []


def test_without_the_graph_the_chat_says_so() -> None:
    conv = _conversation(None)

    assert "not connected" in _say(conv, "a clinic")[0].text
    assert "Describe the platform" in _say(conv, "   ")[0].text


def test_very_long_message_is_cut_with_a_note() -> None:
    replies = _say(_conversation(FakeEngine()), "x" * 50_000)

    assert "only the first" in replies[0].text
    assert replies[-1].kind == "approval"


def test_a_viewer_can_neither_start_nor_approve_and_the_question_stays_pending() -> None:
    engine = FakeEngine()
    owner = _conversation(engine)
    asked = _say(owner, "a booking site for my clinic")[-1]
    viewer = _conversation(engine, permissions=frozenset({"project.read", "audit.read"}))

    assert "may not answer" in _click(viewer, asked, Decision.APPROVE)[0].text
    assert "may not answer" in _say(viewer, "approve")[0].text
    assert "may not start" in _say(_conversation(FakeEngine(), permissions=frozenset()),
                                   "a shop")[0].text
    still = asyncio.run(engine.pending(CTX))
    assert still is not None and still.id == asked.title
    assert "Approved" in _click(owner, asked, Decision.APPROVE)[0].text


def test_rollback_asks_first_and_an_approval_rolls_back_once() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    assert "no earlier release" in _say(conv, "/rollback")[0].text
    asked = _say(conv, "a booking site for my clinic")[-1]
    deploy = _click(conv, asked, Decision.APPROVE)[-1]
    assert "Deployed" in _click(conv, deploy, Decision.APPROVE)[-1].text

    offer = _say(conv, "/rollback")[-1]
    assert offer.kind == "approval" and "Roll back?" in offer.text
    assert [a.payload["decision"] for a in offer.actions] == ["approve", "reject"]
    done = _click(conv, offer, Decision.APPROVE)
    assert "Approved" in done[0].text and done[-1].text == "Rolled back"
    assert "already answered" in _click(conv, offer, Decision.APPROVE)[0].text
    assert "no earlier release" in _say(conv, "/تراجع")[0].text


def test_a_rejected_or_unauthorised_rollback_changes_nothing() -> None:
    engine = FakeEngine()
    owner = _conversation(engine)
    asked = _say(owner, "a booking site for my clinic")[-1]
    _click(owner, _click(owner, asked, Decision.APPROVE)[-1], Decision.APPROVE)
    developer = _conversation(engine, permissions=frozenset({"run.start", "project.read"}))
    assert "may not roll back" in _say(developer, "/rollback")[0].text

    offer = _say(owner, "/rollback")[-1]
    assert "Rejected" in _click(owner, offer, Decision.REJECT)[0].text
    assert asyncio.run(engine.rollback_offer(CTX)) is not None  # still possible later


def test_an_approval_that_waited_too_long_is_rejected_never_approved() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    conv.approval_timeout = dt.timedelta(minutes=30)
    asked = _say(conv, "a booking site for my clinic")[-1]
    assert [r.kind for r in asyncio.run(_all(conv.on_reconnect()))] == ["approval"]  # fresh

    run = engine.runs[(CTX.tenant_id, CTX.thread_id)]
    assert run.pending is not None
    run.pending = run.pending.model_copy(update={
        "asked_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)})
    replies = _click(conv, asked, Decision.APPROVE)  # a late click does not approve
    assert "No answer came in time" in replies[0].text
    assert run.decisions[-1].decision is Decision.REJECT
    assert run.decisions[-1].actor == TIMEOUT_ACTOR
    assert asyncio.run(engine.pending(CTX)) is None


def test_without_a_timeout_an_old_approval_is_asked_again() -> None:
    engine = FakeEngine()
    conv = _conversation(engine)
    _say(conv, "a booking site for my clinic")
    run = engine.runs[(CTX.tenant_id, CTX.thread_id)]
    assert run.pending is not None
    run.pending = run.pending.model_copy(update={
        "asked_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=30)})
    assert [r.kind for r in asyncio.run(_all(conv.on_reconnect()))] == ["approval"]
