"""The factory graph's state, its approval payloads and the decisions that resume it.

State values are JSON-ready (dicts, strings) so any checkpointer stores them without custom
serialisers; pydantic models validate them at the node edges.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

ApprovalKind = Literal["clarify", "blueprint", "release", "spend"]
DecisionKind = Literal["approve", "reject", "changes", "replace", "answer"]
RunStatus = Literal["running", "waiting", "done", "rejected", "refused", "failed"]
Risk = Literal["read", "write", "external", "destructive", "spend"]

ALLOWED: dict[ApprovalKind, tuple[DecisionKind, ...]] = {
    "clarify": ("answer", "reject"),
    "blueprint": ("approve", "reject", "changes", "replace"),
    "release": ("approve", "reject", "changes"),
    "spend": ("approve", "reject"),
}


class ApprovalRequest(BaseModel):
    """What an approval node asks: the payload of its `interrupt()`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ApprovalKind = Field(description="Which gate: clarify, blueprint, release or spend.")
    summary: str = Field(description="One localized line saying what is asked.")
    details: dict[str, Any] = Field(default_factory=dict, description="What to look at.")
    risk: Risk = Field(description="Risk of what happens after approval.")
    allowed: list[DecisionKind] = Field(description="Decisions this gate accepts.")


class Decision(BaseModel):
    """A person's (or the policy's) answer to an approval request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DecisionKind = Field(description="approve, reject, changes, replace or answer.")
    text: str = Field(default="", max_length=4000, description="Feedback, answer or reason.")
    blueprint: dict[str, Any] | None = Field(default=None,
                                             description="The replacement blueprint.")
    actor: str = Field(default="person", min_length=1, max_length=200,
                       description="Who decided: a user id or 'policy'.")


class FactoryState(TypedDict, total=False):
    """One run. Lists with `operator.add` accumulate; every other key is last-write-wins.

    `allowance` counts the extra budget units approved for the run, per budget ("steps" or a
    `webnova.governance.budgets.Metric` value).
    """

    run_id: str
    tenant: str
    user: str
    text: str
    locale: str
    approvals: Literal["ask", "auto"]
    analysis: dict[str, Any]
    blueprint: dict[str, Any]
    feedback: str
    review: dict[str, Any]
    project_dir: str
    commit: str
    test_report: dict[str, Any]
    attempts: int
    deployment: dict[str, Any]
    status: RunStatus
    error: str
    steps: int
    allowance: dict[str, int]
    messages: Annotated[list[str], operator.add]
    decisions: Annotated[list[dict[str, Any]], operator.add]
