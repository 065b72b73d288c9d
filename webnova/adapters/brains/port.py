"""The brain port: what the intent, architect and coder agents ask of a model, as strict data.

A brain that streams (Claude) reports its progress to the callback installed with
`reporting_progress`, a context variable, so one brain shared by concurrent runs reports each
run's deltas to that run's caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from webnova.generator.blueprint import (
    Blueprint,
    ComplianceFramework,
    DeployProvider,
    Domain,
    Entity,
    Features,
    LocaleTag,
    Relation,
    TemplateId,
    TenancyMode,
)

IntentStatus = Literal["ok", "clarify", "refused"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class IntentAnalysis(BaseModel):
    """What a description asks for, with the reasons, or the question to ask before building."""

    model_config = _STRICT

    status: IntentStatus = Field(description="ok: buildable; clarify: ask first; refused.")
    text: str = Field(description="The description the analysis is about (injections removed).")
    language: LocaleTag = Field(description="Language the description is written in.")
    name: str = Field(default="", max_length=120, description="Proposed platform name.")
    template: TemplateId | None = Field(default=None, description="Chosen template.")
    domain: Domain = Field(default="general", description="Business domain.")
    entities: list[Entity] = Field(default_factory=list, description="Records to store.")
    relations: list[Relation] = Field(default_factory=list, description="Links between them.")
    features: Features = Field(default_factory=Features, description="Capabilities.")
    compliance: list[ComplianceFramework] = Field(default_factory=list,
                                                  description="Frameworks implied.")
    locales: list[LocaleTag] = Field(default_factory=lambda: list[LocaleTag](["en", "ar"]),
                                     description="Languages of the platform.")
    deploy_provider: DeployProvider = Field(default="local", description="Deploy target.")
    tenancy: TenancyMode = Field(default="single", description="multi: many organisations, "
                                 "each seeing only its own data (needs sign-in).")
    reasons: list[str] = Field(default_factory=list, description="Why each choice was made.")
    question: str | None = Field(default=None, description="Clarifying question when vague.")
    warnings: list[str] = Field(default_factory=list,
                                description="What was ignored, e.g. instructions to the agents.")


class CustomSlot(BaseModel):
    """One region of a generated project that may be edited (by a person or a repair)."""

    model_config = _STRICT

    file: str = Field(description="Project-relative path of the file holding the slot.")
    name: str = Field(description="The slot's name, unique within its file.")
    code: str = Field(description="The slot's current content (between its markers).")


class RepairRequest(BaseModel):
    """What failed, and the only code a repair may change."""

    model_config = _STRICT

    failure: str = Field(description="The tester's summary of the failing checks.")
    slots: list[CustomSlot] = Field(description="Editable slots with their current code.")
    blueprint_name: str = Field(default="", description="The platform being built.")


class FillRequest(BaseModel):
    """What the platform is for, and the custom-logic slots its business rules may go into."""

    model_config = _STRICT

    description: str = Field(description="The person's description of the platform.")
    blueprint: str = Field(description="The approved blueprint (entities, fields, features) "
                                       "as JSON.")
    slots: list[CustomSlot] = Field(description="Slots with their generated default code.")
    blueprint_name: str = Field(default="", description="The platform being built.")


class SlotEdit(BaseModel):
    """The new content of one slot."""

    model_config = _STRICT

    file: str = Field(description="Path of the slot's file, exactly as in the request.")
    name: str = Field(description="Name of the slot, exactly as in the request.")
    code: str = Field(max_length=20_000, description="The complete new content of the slot.")


class RepairPlan(BaseModel):
    """A repair: edits to slots of the request only (empty: no repair is proposed)."""

    model_config = _STRICT

    edits: list[SlotEdit] = Field(default_factory=list, max_length=20,
                                  description="New slot contents; empty when no fix is known.")
    explanation: str = Field(default="", max_length=2000,
                             description="What was wrong and what the edits change.")


@dataclass(frozen=True)
class BrainDelta:
    """A piece of a streamed answer: prose (`text`) or a chunk of a tool call's JSON input."""

    kind: Literal["text", "tool_input"]
    text: str


BrainProgress = Callable[[BrainDelta], None]
_PROGRESS: ContextVar[BrainProgress | None] = ContextVar("webnova_brain_progress", default=None)


@contextmanager
def reporting_progress(callback: BrainProgress | None) -> Iterator[None]:
    """Send streamed deltas of the brain calls made inside the block to `callback`."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def progress_callback() -> BrainProgress | None:
    """The callback installed by the innermost `reporting_progress` (None: nobody listens)."""
    return _PROGRESS.get()


class Brain(Protocol):
    """The model port: analyse, design and revise a blueprint, write and repair custom logic."""

    name: str

    def analyze(self, text: str, locale: str) -> IntentAnalysis:
        """Understand `text` (English or Arabic); `locale` is the person's UI language."""
        ...

    def design(self, analysis: IntentAnalysis, previous: Blueprint | None = None,
               feedback: str | None = None) -> Blueprint:
        """A valid blueprint for `analysis`, or `previous` revised after `feedback`."""
        ...

    def fill(self, request: FillRequest) -> RepairPlan:
        """Business rules the description asks for, as edits to `request.slots` (may be empty)."""
        ...

    def repair(self, request: RepairRequest) -> RepairPlan:
        """Edits to `request.slots` that should make the failing checks pass (may be empty)."""
        ...
