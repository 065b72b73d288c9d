"""Approvals in the chat: an interrupt becomes a message with buttons, a click becomes a decision.

Pure parts only (Chainlit objects are built from `ActionSpec`s in `webnova.chat.ui`). The rules:

* Buttons carry the interrupt id; a click on a button of an older question is ignored.
* Only a click or an explicit word decides. Silence never does: a timeout or a closed tab leaves
  the approval pending (or, by the operator's choice, rejects it), never approves it.
* `DecisionGate` lets exactly one decision per interrupt through, however many clicks race.
* The confirmation after a click is WebNova's own sentence in the person's language, not
  Chainlit's English "Selected:" text (that is why `AskActionMessage` is not used).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

from webnova.chat.engine import BUTTON_DECISIONS, Decision, DecisionValue, PendingApproval
from webnova.chat.uploads import plain
from webnova.governance.policy import Risk
from webnova.i18n import _

ACTION_NAME: Final = "webnova_decision"
MAX_COMMENT_CHARS: Final = 4000


class TimeoutPolicy(StrEnum):
    """What an unanswered approval becomes when the question times out or the tab closes."""

    PENDING = "pending"
    REJECT = "reject"


class ActionSpec(BaseModel):
    """A button to show: Chainlit's `cl.Action(name, payload, label, tooltip)` without Chainlit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    payload: dict[str, str]
    label: str
    tooltip: str


def decision_label(decision: Decision) -> str:
    """The button label of a decision in the current language."""
    labels = {
        Decision.APPROVE: _("Approve"),
        Decision.REJECT: _("Reject"),
        Decision.REQUEST_CHANGES: _("Request changes"),
        Decision.ANSWER: _("Answer"),
        Decision.REPLACE: _("Replace the blueprint"),
    }
    return labels[decision]


def risk_label(risk: Risk) -> str:
    """How much is at stake, in words, in the current language."""
    labels = {
        Risk.READ: _("read only"),
        Risk.WRITE: _("changes project files"),
        Risk.EXTERNAL: _("reaches outside services"),
        Risk.DESTRUCTIVE: _("can delete or overwrite"),
        Risk.SPEND: _("spends money"),
    }
    return labels[risk]


def kind_title(kind: str) -> str:
    """The heading of an approval of `kind` (an unknown kind gets a generic heading)."""
    titles = {
        "blueprint": _("Approve the blueprint?"),
        "deploy": _("Approve the deployment?"),
        "rollback": _("Approve the rollback?"),
        "generate": _("Approve code generation?"),
        "clarify": _("A question before planning"),
        "spend": _("Approve more spending?"),
    }
    return titles.get(kind, _("Approval needed"))


def approval_text(approval: PendingApproval) -> str:
    """The question as Markdown: heading, summary, risk, what happens on approval, details."""
    lines = [f"**{kind_title(approval.kind)}**", "", approval.summary, ""]
    if Decision.ANSWER in approval.decisions:
        lines.append(_("Write your answer in your next message, or reject to stop."))
    else:
        lines.append(_("Risk: {risk}").format(risk=risk_label(approval.risk)))
    if approval.consequence:
        lines.append(_("If you approve: {consequence}").format(consequence=approval.consequence))
    if Decision.REPLACE in approval.decisions:
        lines.append(_("You can also upload another blueprint file to use instead."))
    if approval.details:
        lines.extend(["", approval.details])
    return "\n".join(lines)


def approval_actions(approval: PendingApproval) -> list[ActionSpec]:
    """One button per allowed decision, labelled in the current language."""
    tooltips = {
        Decision.APPROVE: _("Continue with this step"),
        Decision.REJECT: _("Stop here; nothing is changed"),
        Decision.REQUEST_CHANGES: _("Say what should change; the step is prepared again"),
    }
    return [ActionSpec(name=ACTION_NAME,
                       payload={"interrupt": approval.id, "decision": decision.value},
                       label=decision_label(decision), tooltip=tooltips[decision])
            for decision in approval.decisions if decision in BUTTON_DECISIONS]


def decision_from_payload(payload: Mapping[str, object], pending: PendingApproval | None
                          ) -> Decision | None:
    """The decision a clicked button stands for, or None when it no longer applies.

    A button is stale when nothing is pending or it belongs to another interrupt (an old message,
    another tab after the question was answered), and invalid when it names a decision the
    interrupt does not allow.
    """
    if pending is None or payload.get("interrupt") != pending.id:
        return None
    try:
        decision = Decision(str(payload.get("decision")))
    except ValueError:
        return None
    return decision if decision in pending.decisions and decision in BUTTON_DECISIONS else None


_APPROVE_WORDS: Final = frozenset({
    "approve", "approved", "yes", "ok", "okay", "go", "go ahead",
    "موافق", "أوافق", "اوافق", "نعم", "وافق", "موافقة",
})
_REJECT_WORDS: Final = frozenset({"reject", "no", "stop", "cancel", "رفض", "أرفض", "ارفض", "لا",
                                  "إلغاء", "الغاء", "توقف"})
_CHANGE_PREFIX: Final = re.compile(r"^\s*(change|changes|تعديل|تغيير)\s*[:：،,]\s*", re.IGNORECASE)


def decision_from_text(text: str, pending: PendingApproval, actor: str) -> DecisionValue | None:
    """A typed answer to a pending approval, or None when the text does not answer it.

    Only an explicit word approves ("approve", "yes", "موافق"...); "change: ..." or "تعديل: ..."
    requests changes with the rest as the comment. Anything else gets the question asked again;
    it never starts a new run and never counts as approval.
    """
    cleaned = text.strip().strip(".!؟?").strip().casefold()
    if cleaned in _APPROVE_WORDS and Decision.APPROVE in pending.decisions:
        return DecisionValue(interrupt_id=pending.id, decision=Decision.APPROVE, actor=actor)
    if cleaned in _REJECT_WORDS and Decision.REJECT in pending.decisions:
        return DecisionValue(interrupt_id=pending.id, decision=Decision.REJECT, actor=actor)
    match = _CHANGE_PREFIX.match(text)
    if match and Decision.REQUEST_CHANGES in pending.decisions:
        comment = text[match.end():].strip()[:MAX_COMMENT_CHARS]
        if comment:
            return DecisionValue(interrupt_id=pending.id, decision=Decision.REQUEST_CHANGES,
                                 actor=actor, comment=comment)
    if Decision.ANSWER in pending.decisions and text.strip():
        # A clarifying question: whatever is written (other than a refusal) is the answer.
        return DecisionValue(interrupt_id=pending.id, decision=Decision.ANSWER, actor=actor,
                             comment=text.strip()[:MAX_COMMENT_CHARS])
    return None


def on_timeout(pending: PendingApproval, policy: TimeoutPolicy, actor: str
               ) -> DecisionValue | None:
    """What an unanswered question turns into: nothing (still pending) or a rejection."""
    if policy is TimeoutPolicy.REJECT and Decision.REJECT in pending.decisions:
        return DecisionValue(interrupt_id=pending.id, decision=Decision.REJECT, actor=actor,
                             comment="timeout")
    return None


def confirmation_text(decision: DecisionValue) -> str:
    """WebNova's own confirmation of a decision (replaces Chainlit's English "Selected:")."""
    who = plain(decision.actor)
    if decision.decision is Decision.APPROVE:
        return _("Approved by {who}.").format(who=who)
    if decision.decision is Decision.ANSWER:
        return _("Answered by {who}: {comment}").format(who=who, comment=plain(decision.comment))
    if decision.decision is Decision.REPLACE and decision.blueprint is not None:
        return _("{who} replaced the blueprint with {name}.").format(
            who=who, name=plain(decision.blueprint.name))
    if decision.decision is Decision.REJECT:
        if decision.comment == "timeout":
            return _("No answer came in time, so this was rejected.")
        return _("Rejected by {who}. Nothing was changed.").format(who=who)
    return _("Changes requested by {who}: {comment}").format(who=who,
                                                            comment=plain(decision.comment))


def reask_text() -> str:
    """Said when a message arrives while an approval is pending and does not answer it."""
    return _(
        "An approval is still waiting. Use the buttons below, or answer \"approve\" or "
        "\"reject\", or write \"change: \" followed by what should change."
    )


def changes_prompt() -> str:
    """Asked after "Request changes" is clicked: the next message is the change request."""
    return _("What should change? Write it in your next message.")


def stale_text() -> str:
    """Said when a button of a question that was already answered is clicked."""
    return _("This question was already answered.")


class DecisionGate:
    """Lets exactly one decision per interrupt through, whatever the number of racing clicks.

    One gate per UI process; across processes the engine's `resume` is the final guard (it
    ignores a decision for an interrupt that is no longer pending).
    """

    def __init__(self) -> None:
        self._decided: set[str] = set()
        self._lock = asyncio.Lock()

    async def claim(self, interrupt_id: str) -> bool:
        """True for the first caller with this interrupt id, False for every later one."""
        async with self._lock:
            if interrupt_id in self._decided:
                return False
            self._decided.add(interrupt_id)
            return True

    async def release(self, interrupt_id: str) -> None:
        """Forget a claim whose decision could not be delivered, so it can be made again."""
        async with self._lock:
            self._decided.discard(interrupt_id)
