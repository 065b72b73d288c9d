"""One chat thread's behaviour, without Chainlit: what each message, click and reconnect produces.

`Conversation` turns input into `Reply`s (text, steps, artifacts, approval questions); the
Chainlit glue in `webnova.chat.ui` only renders them. The rules that matter live here, so they are
unit-tested with a fake engine:

* a command is answered and never touches the run;
* while an approval is pending, a message answers it (explicit words only) or re-asks it; it never
  starts a new run;
* a click decides once (`DecisionGate`), a stale click changes nothing;
* an uploaded blueprint or spec starts a run; a bad file is explained and the chat goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from webnova.chat.approvals import (
    ActionSpec,
    DecisionGate,
    TimeoutPolicy,
    approval_actions,
    approval_text,
    changes_prompt,
    confirmation_text,
    decision_from_payload,
    decision_from_text,
    on_timeout,
    reask_text,
    stale_text,
)
from webnova.chat.commands import (
    Command,
    CommandContext,
    ParsedCommand,
    parse_command,
    run_command,
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
    RunEngine,
    SpecInput,
    StepEvent,
    TokenEvent,
)
from webnova.chat.uploads import Upload, describe_upload
from webnova.i18n import _, format_number

MAX_MESSAGE_CHARS: Final = 20_000
TIMEOUT_ACTOR: Final = "policy:approval-timeout"
_Event = StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent | FinishedEvent | FailedEvent


class Reply(BaseModel):
    """Something to show: a message, an agent step, an artifact, or an approval question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["text", "token", "step", "artifact", "approval", "error"]
    text: str
    title: str = ""
    language: str = Field(default="", description="Code-block language of an artifact.")
    url: str = ""
    actions: tuple[ActionSpec, ...] = ()
    running: bool = Field(default=False, description="A step still in progress.")


def _text(text: str) -> Reply:
    return Reply(kind="text", text=text)


def ask(approval: PendingApproval) -> Reply:
    """The approval question with its buttons."""
    return Reply(kind="approval", text=approval_text(approval), title=approval.id,
                 actions=tuple(approval_actions(approval)))


def render_event(event: _Event) -> Reply:
    """The reply that shows one engine event."""
    if isinstance(event, StepEvent):
        return Reply(kind="step", title=event.agent, running=event.status == "running",
                     text=event.summary + (("\n\n" + event.detail) if event.detail else ""))
    if isinstance(event, TokenEvent):
        return Reply(kind="token", text=event.text)
    if isinstance(event, ArtifactEvent):
        return Reply(kind="artifact", title=event.title, text=event.content,
                     language=event.language, url=event.url)
    if isinstance(event, ApprovalEvent):
        return ask(event.approval)
    if isinstance(event, FinishedEvent):
        return _text(event.summary)
    return Reply(kind="error", text=event.message)


def not_connected_text() -> str:
    """Said when a run would start but the factory graph is not wired to the chat yet."""
    return _("The factory is not connected to this chat yet, so no run was started. "
             "Commands such as /help and /templates work already.")


@dataclass
class Conversation:
    """The state of one chat thread in this UI process (the run's own state is the checkpoint)."""

    ctx: RunContext
    engine: RunEngine | None
    gate: DecisionGate
    permissions: frozenset[str] = frozenset()
    command_context: CommandContext | None = None
    not_connected: Callable[[], str] = not_connected_text
    awaiting_changes: str | None = field(default=None)
    rollback_offer: PendingApproval | None = field(default=None)
    approval_timeout: dt.timedelta | None = field(default=None)

    async def on_message(self, text: str, uploads: Sequence[Upload] = ()
                         ) -> AsyncIterator[Reply]:
        """Answer a message (with its attached files)."""
        text = text.strip()
        parsed = parse_command(text) if not uploads else None
        if isinstance(parsed, ParsedCommand) and parsed.command is Command.ROLLBACK:
            async for reply in self._offer_rollback():
                yield reply
            return
        if parsed is not None:
            ctx = self.command_context or CommandContext(run=self.ctx, engine=self.engine,
                                                         permissions=self.permissions)
            yield _text(await run_command(parsed, ctx))
            return
        for upload in uploads:
            yield _text(describe_upload(upload))
        pending = await self.engine.pending(self.ctx) if self.engine else None
        if pending is not None and self._expired(pending):
            async for reply in self._time_out(pending):
                yield reply
            return
        if pending is not None:
            async for reply in self._answer_pending(pending, text, uploads):
                yield reply
            return
        offer, self.rollback_offer = self.rollback_offer, None
        typed = decision_from_text(text, offer, self.ctx.actor) if offer and text else None
        if typed is not None and offer is not None:
            async for reply in self._decide_rollback(typed, offer):
                yield reply
            return
        async for reply in self._start(text, uploads):
            yield reply

    async def _answer_pending(self, pending: PendingApproval, text: str,
                              uploads: Sequence[Upload] = ()) -> AsyncIterator[Reply]:
        decision: DecisionValue | None
        replacement = next((u.blueprint for u in uploads if u.blueprint is not None), None)
        if replacement is not None and Decision.REPLACE in pending.decisions:
            decision = DecisionValue(interrupt_id=pending.id, decision=Decision.REPLACE,
                                     actor=self.ctx.actor, blueprint=replacement)
        elif self.awaiting_changes == pending.id and text:
            decision = DecisionValue(interrupt_id=pending.id, decision=Decision.REQUEST_CHANGES,
                                     actor=self.ctx.actor, comment=text[:MAX_MESSAGE_CHARS])
        else:
            decision = decision_from_text(text, pending, self.ctx.actor) if text else None
        if decision is None:
            yield _text(reask_text())
            yield ask(pending)
            return
        async for reply in self._decide(decision):
            yield reply

    async def _start(self, text: str, uploads: Sequence[Upload]) -> AsyncIterator[Reply]:
        run_input = _run_input(text, uploads)
        if run_input is None:
            if not uploads:
                yield _text(_("Describe the platform you need, or type /help."))
            return
        if len(text) > MAX_MESSAGE_CHARS:
            yield _text(_("Your message is long; only the first {count} characters are used.")
                        .format(count=format_number(MAX_MESSAGE_CHARS)))
        if self.engine is None:
            yield _text(self.not_connected())
            return
        if "run.start" not in self.permissions:
            yield _text(_("Your role may not start runs. Ask an admin or the owner of your "
                          "organisation."))
            return
        async for event in self.engine.start(self.ctx, run_input):
            yield render_event(event)

    async def _offer_rollback(self) -> AsyncIterator[Reply]:
        if self.engine is None:
            yield _text(self.not_connected())
            return
        if "deploy" not in self.permissions:
            yield _text(_("Your role may not roll back deployments."))
            return
        if await self.engine.pending(self.ctx) is not None:
            yield _text(_("Answer the approval that is waiting before rolling back."))
            return
        self.rollback_offer = await self.engine.rollback_offer(self.ctx)
        if self.rollback_offer is None:
            yield _text(_("There is no earlier release of this conversation's platform to go "
                          "back to."))
            return
        yield ask(self.rollback_offer)

    async def _decide_rollback(self, decision: DecisionValue, offer: PendingApproval
                               ) -> AsyncIterator[Reply]:
        if self.engine is None or "deploy" not in self.permissions or \
                not await self.gate.claim(offer.id):
            yield _text(stale_text())
            return
        self.rollback_offer = None
        yield _text(confirmation_text(decision))
        if decision.decision is not Decision.APPROVE:
            return
        async for event in self.engine.rollback(self.ctx, decision):
            yield render_event(event)

    async def on_action(self, payload: Mapping[str, object]) -> AsyncIterator[Reply]:
        """Handle a click on an approval button."""
        offer = self.rollback_offer
        if offer is not None and payload.get("interrupt") == offer.id:
            chosen = decision_from_payload(payload, offer)
            if chosen is not None:
                async for reply in self._decide_rollback(DecisionValue(
                        interrupt_id=offer.id, decision=chosen, actor=self.ctx.actor), offer):
                    yield reply
                return
        pending = await self.engine.pending(self.ctx) if self.engine else None
        if pending is not None and self._expired(pending):
            async for reply in self._time_out(pending):
                yield reply
            return
        decision = decision_from_payload(payload, pending)
        if decision is None or pending is None:
            yield _text(stale_text())
            return
        if decision is Decision.REQUEST_CHANGES:
            self.awaiting_changes = pending.id
            yield _text(changes_prompt())
            return
        async for reply in self._decide(DecisionValue(interrupt_id=pending.id, decision=decision,
                                                      actor=self.ctx.actor)):
            yield reply

    async def _decide(self, decision: DecisionValue) -> AsyncIterator[Reply]:
        needed = "run.start" if decision.decision is Decision.ANSWER else "approval.grant"
        if needed not in self.permissions:
            # Refused before the gate: the question stays pending for someone who may answer.
            yield _text(_("Your role may not answer this approval; it stays pending until an "
                          "admin or the owner decides."))
            return
        if self.engine is None or not await self.gate.claim(decision.interrupt_id):
            yield _text(stale_text())
            return
        self.awaiting_changes = None
        yield _text(confirmation_text(decision))
        delivered = False
        try:
            async for event in self.engine.resume(self.ctx, decision):
                delivered = True
                yield render_event(event)
        finally:
            if not delivered:
                # The engine refused it (not pending any more) or failed before any event:
                # the checkpoint decides whether it may be asked again.
                await self.gate.release(decision.interrupt_id)

    async def on_reconnect(self) -> AsyncIterator[Reply]:
        """After a reload or a server restart: ask the pending approval again, if any."""
        pending = await self.engine.pending(self.ctx) if self.engine else None
        if pending is not None and self._expired(pending):
            async for reply in self._time_out(pending):
                yield reply
        elif pending is not None:
            yield ask(pending)

    def _expired(self, pending: PendingApproval) -> bool:
        """Whether `pending` waited longer than the operator's approval timeout (if any)."""
        if self.approval_timeout is None or pending.asked_at is None:
            return False
        return dt.datetime.now(dt.UTC) - pending.asked_at > self.approval_timeout

    async def _time_out(self, pending: PendingApproval) -> AsyncIterator[Reply]:
        """Reject an expired approval in the policy's name: silence never approves."""
        decision = on_timeout(pending, TimeoutPolicy.REJECT, TIMEOUT_ACTOR)
        if decision is None or self.engine is None or not await self.gate.claim(pending.id):
            return
        yield _text(confirmation_text(decision))
        async for event in self.engine.resume(self.ctx, decision):
            yield render_event(event)


def _run_input(text: str, uploads: Sequence[Upload]) -> SpecInput | BlueprintInput | None:
    blueprints = [u.blueprint for u in uploads if u.blueprint is not None]
    if blueprints:
        return BlueprintInput(blueprint=blueprints[0])
    specs = [u.text for u in uploads if u.ok and u.text]
    if any(not u.ok for u in uploads) and not specs:
        return None  # the files were explained; a run from half the input would surprise
    parts = [text[:MAX_MESSAGE_CHARS], *specs] if text else specs
    joined = "\n\n".join(p for p in parts if p)
    return SpecInput(text=joined) if joined else None
