"""Approvals: buttons in the reader's language, explicit answers only, one decision per question."""

from __future__ import annotations

import asyncio

import pytest

from webnova.chat.approvals import (
    ACTION_NAME,
    DecisionGate,
    TimeoutPolicy,
    approval_actions,
    approval_text,
    confirmation_text,
    decision_from_payload,
    decision_from_text,
    on_timeout,
)
from webnova.chat.engine import Decision, DecisionValue, PendingApproval
from webnova.governance.policy import Risk

DEPLOY = PendingApproval(id="int-7", kind="deploy", summary="Deploy shop v3 to production.",
                         risk=Risk.EXTERNAL, consequence="The site goes live at shop.example.")


def test_question_shows_what_is_at_stake() -> None:
    text = approval_text(DEPLOY)

    assert "Approve the deployment?" in text
    assert "Deploy shop v3 to production." in text
    assert "Risk: reaches outside services" in text
    assert "If you approve: The site goes live at shop.example." in text


def test_one_button_per_allowed_decision_carrying_the_interrupt() -> None:
    only_two = DEPLOY.model_copy(update={"decisions": (Decision.APPROVE, Decision.REJECT)})

    actions = approval_actions(DEPLOY)
    labels = [a.label for a in approval_actions(only_two)]

    assert [a.label for a in actions] == ["Approve", "Reject", "Request changes"]
    assert all(a.name == ACTION_NAME and a.payload["interrupt"] == "int-7" for a in actions)
    assert labels == ["Approve", "Reject"]


def test_click_on_the_pending_question_gives_its_decision() -> None:
    payload = {"interrupt": "int-7", "decision": "approve"}

    assert decision_from_payload(payload, DEPLOY) is Decision.APPROVE


@pytest.mark.parametrize(
    "payload",
    [
        {"interrupt": "int-6", "decision": "approve"},  # an older question
        {"interrupt": "int-7", "decision": "launch"},  # not a decision
        {"decision": "approve"},
    ],
)
def test_stale_or_forged_clicks_decide_nothing(payload: dict[str, object]) -> None:
    assert decision_from_payload(payload, DEPLOY) is None
    assert decision_from_payload({"interrupt": "int-7", "decision": "approve"}, None) is None


def test_disallowed_decision_is_refused() -> None:
    no_changes = DEPLOY.model_copy(update={"decisions": (Decision.APPROVE, Decision.REJECT)})

    assert decision_from_payload({"interrupt": "int-7", "decision": "request_changes"},
                                 no_changes) is None


@pytest.mark.parametrize(("text", "decision"), [
    ("approve", Decision.APPROVE), ("Yes!", Decision.APPROVE), ("موافق", Decision.APPROVE),
    ("نعم", Decision.APPROVE), ("reject", Decision.REJECT), ("لا", Decision.REJECT),
])
def test_explicit_words_answer_a_pending_question(text: str, decision: Decision) -> None:
    answer = decision_from_text(text, DEPLOY, "sara@example.com")

    assert answer is not None
    assert answer.decision is decision
    assert answer.interrupt_id == "int-7"


def test_change_prefix_requests_changes_in_both_languages() -> None:
    english = decision_from_text("change: add a payments page", DEPLOY, "a@b.co")
    arabic = decision_from_text("تعديل: أضف صفحة للدفع", DEPLOY, "a@b.co")

    assert english is not None and english.comment == "add a payments page"
    assert arabic is not None and arabic.decision is Decision.REQUEST_CHANGES
    assert arabic.comment == "أضف صفحة للدفع"


@pytest.mark.parametrize("text", ["what does this do?", "approve it later maybe", "", "change:"])
def test_anything_else_never_counts_as_approval(text: str) -> None:
    assert decision_from_text(text, DEPLOY, "a@b.co") is None


def test_timeout_is_never_an_approval() -> None:
    assert on_timeout(DEPLOY, TimeoutPolicy.PENDING, "a@b.co") is None
    rejected = on_timeout(DEPLOY, TimeoutPolicy.REJECT, "a@b.co")
    assert rejected is not None and rejected.decision is Decision.REJECT
    assert confirmation_text(rejected) == "No answer came in time, so this was rejected."


def test_confirmation_is_our_own_sentence_and_escapes_names() -> None:
    text = confirmation_text(DecisionValue(interrupt_id="i", decision=Decision.APPROVE,
                                           actor="<b>x</b>@ex.com"))

    assert text.startswith("Approved by ")
    assert "Selected" not in text
    assert "<b>" not in text


def test_concurrent_clicks_let_exactly_one_decision_through() -> None:
    gate = DecisionGate()

    async def race() -> list[bool]:
        return list(await asyncio.gather(*(gate.claim("int-7") for _ in range(20))))

    results = asyncio.run(race())

    assert results.count(True) == 1


def test_released_claim_can_be_made_again() -> None:
    gate = DecisionGate()

    async def flow() -> tuple[bool, bool, bool]:
        first = await gate.claim("x")
        await gate.release("x")
        return first, await gate.claim("x"), await gate.claim("x")

    assert asyncio.run(flow()) == (True, True, False)
