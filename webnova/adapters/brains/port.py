"""The brain port: what the intent and architect agents ask of a model, as strict data."""

from __future__ import annotations

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
    reasons: list[str] = Field(default_factory=list, description="Why each choice was made.")
    question: str | None = Field(default=None, description="Clarifying question when vague.")
    warnings: list[str] = Field(default_factory=list,
                                description="What was ignored, e.g. instructions to the agents.")


class Brain(Protocol):
    """The model port: analyse a description, design and revise a blueprint."""

    name: str

    def analyze(self, text: str, locale: str) -> IntentAnalysis:
        """Understand `text` (English or Arabic); `locale` is the person's UI language."""
        ...

    def design(self, analysis: IntentAnalysis, previous: Blueprint | None = None,
               feedback: str | None = None) -> Blueprint:
        """A valid blueprint for `analysis`, or `previous` revised after `feedback`."""
        ...
