"""What the chat needs from the factory graph: the run engine, as a `Protocol`, and its events.

The chat never imports LangGraph. The real engine (a thin adapter over the compiled factory graph
with its checkpointer) implements `RunEngine`; tests use an in-memory fake. The checkpoint is the
truth: `pending` reads the interrupt waiting in a thread, so after a reload or a server restart the
chat asks the same question again instead of starting over.

One chat thread is one run thread (`RunContext.thread_id` is Chainlit's thread id, used as the
LangGraph `thread_id`); every call carries the tenant and the member, so an engine only ever
touches the runs of the caller's tenant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Annotated, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from webnova.adapters.git import CommitInfo
from webnova.generator.blueprint import Blueprint
from webnova.governance.policy import Risk


class Decision(StrEnum):
    """What a person can answer to an approval."""

    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    ANSWER = "answer"  # a clarifying question, answered by writing
    REPLACE = "replace"  # a blueprint approval, answered by uploading another blueprint


BUTTON_DECISIONS: tuple[Decision, ...] = (Decision.APPROVE, Decision.REJECT,
                                          Decision.REQUEST_CHANGES)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunContext(_Frozen):
    """Who is asking, where: every engine call is scoped to one tenant and one chat thread."""

    thread_id: str = Field(min_length=1)
    tenant_id: str = Field(min_length=1)
    actor: str = Field(min_length=1, description="The member's e-mail, as in the audit log.")
    language: str = "en"


class PendingApproval(_Frozen):
    """An interrupt waiting for a person: what the graph asks and what is at stake."""

    id: str = Field(min_length=1, description="Interrupt id; a decision names the one it answers.")
    kind: str = Field(min_length=1, description="'blueprint', 'deploy', 'rollback', ...")
    summary: str = Field(description="One or two sentences, already in the reader's language.")
    details: str = Field(default="", description="Markdown (a blueprint's YAML, a diff, ...).")
    risk: Risk = Risk.WRITE
    consequence: str = Field(default="", description="What will happen on approval.")
    decisions: tuple[Decision, ...] = (Decision.APPROVE, Decision.REJECT,
                                       Decision.REQUEST_CHANGES)
    asked_at: dt.datetime | None = Field(default=None, description="When it was asked (UTC).")


class DecisionValue(_Frozen):
    """The resume value: the answer to one interrupt, by whom, with an optional comment."""

    interrupt_id: str
    decision: Decision
    actor: str
    comment: str = ""
    blueprint: Blueprint | None = Field(default=None, description="With REPLACE only.")


class SpecInput(_Frozen):
    """A run started from words: a message, or the text of an uploaded document."""

    type: Literal["spec"] = "spec"
    text: str = Field(min_length=1)


class BlueprintInput(_Frozen):
    """A run started from an uploaded, already validated blueprint."""

    type: Literal["blueprint"] = "blueprint"
    blueprint: Blueprint


RunInput = Annotated[SpecInput | BlueprintInput, Field(discriminator="type")]


# ---------------------------------------------------------------- events the chat renders


class StepEvent(_Frozen):
    """An agent started (`running`) or finished (`done`) a piece of work; shown as a step.

    A running step and the done step that follows it carry the same `agent`, so the chat shows
    one step that spins while the agent works and then holds its summary.
    """

    type: Literal["step"] = "step"
    agent: str
    summary: str
    detail: str = ""
    status: Literal["running", "done"] = "done"


class TokenEvent(_Frozen):
    """Streamed text of the assistant's reply."""

    type: Literal["token"] = "token"
    text: str


class ArtifactEvent(_Frozen):
    """Something to show in full: the blueprint, the file tree, the test report, git history."""

    type: Literal["artifact"] = "artifact"
    kind: Literal["blueprint", "files", "tests", "history", "deployment"]
    title: str
    content: str
    language: str = Field(default="", description="Code language for a code block, or ''.")
    url: str = ""


class ApprovalEvent(_Frozen):
    """The run paused on an interrupt; the chat asks the person."""

    type: Literal["approval"] = "approval"
    approval: PendingApproval


class FinishedEvent(_Frozen):
    """The run reached its end (deployed, or stopped by a rejection)."""

    type: Literal["finished"] = "finished"
    summary: str


class FailedEvent(_Frozen):
    """The run stopped on an error; the message is for the person, in their language."""

    type: Literal["failed"] = "failed"
    message: str


RunEvent = Annotated[
    StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent | FinishedEvent | FailedEvent,
    Field(discriminator="type"),
]


class RunStatus(_Frozen):
    """Where a thread's run stands, for `/status`."""

    state: Literal["none", "running", "waiting", "finished", "failed"]
    project: str = ""
    steps_done: int = 0
    pending: PendingApproval | None = None


@runtime_checkable
class RunEngine(Protocol):
    """The factory graph as the chat sees it.

    `start` and `resume` stream events until the run ends or pauses on an interrupt (the last
    event is then an `ApprovalEvent`). `resume` with a decision whose `interrupt_id` is not the
    pending one yields nothing: a second click, a stale tab or a replay never decides twice.
    """

    def start(self, ctx: RunContext, run_input: SpecInput | BlueprintInput) -> AsyncIterator[
            StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent | FinishedEvent | FailedEvent]:
        """Start a run in `ctx.thread_id` (only when none is pending there)."""
        ...

    def resume(self, ctx: RunContext, decision: DecisionValue) -> AsyncIterator[
            StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent | FinishedEvent | FailedEvent]:
        """Answer the pending interrupt of `ctx.thread_id` and continue the run."""
        ...

    async def pending(self, ctx: RunContext) -> PendingApproval | None:
        """The interrupt waiting in `ctx.thread_id`, read from the checkpoint, or None."""
        ...

    async def status(self, ctx: RunContext) -> RunStatus:
        """Where the run of `ctx.thread_id` stands."""
        ...

    async def history(self, ctx: RunContext, limit: int = 15) -> list[CommitInfo]:
        """The git history of the thread's project, newest first (empty without one)."""
        ...

    async def rollback_offer(self, ctx: RunContext) -> PendingApproval | None:
        """The question a rollback of the thread's platform asks, or None (nothing earlier)."""
        ...

    def rollback(self, ctx: RunContext, decision: DecisionValue) -> AsyncIterator[
            StepEvent | TokenEvent | ArtifactEvent | ApprovalEvent | FinishedEvent | FailedEvent]:
        """Carry out an approved rollback offer; a stale offer id yields nothing."""
        ...
