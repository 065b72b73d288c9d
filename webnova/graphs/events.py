"""Domain events of a factory run: one stream per run (`run-<id>`) and a `factory-runs` index."""

from __future__ import annotations

from typing import Any

from webnova.core.events import DomainEvent


class RunStarted(DomainEvent, event_type="RunStarted", schema_version=1):
    """A run began; the `factory-runs` stream lists these to find every run of a tenant."""

    run_id: str
    text: str
    user: str
    locale: str
    approvals: str


class IntentAnalyzed(DomainEvent, event_type="IntentAnalyzed", schema_version=1):
    """The intent agent read the description."""

    status: str
    template: str | None
    domain: str
    reasons: list[str]


class BlueprintProposed(DomainEvent, event_type="BlueprintProposed", schema_version=1):
    """The architect produced a blueprint revision."""

    blueprint_version: int
    slug: str
    template: str


class ApprovalRequested(DomainEvent, event_type="ApprovalRequested", schema_version=1):
    """An approval node is waiting for a decision."""

    kind: str
    risk: str
    summary: str


class ApprovalGranted(DomainEvent, event_type="ApprovalGranted", schema_version=1):
    """A person or the policy approved."""

    kind: str
    actor: str
    reason: str


class ApprovalDenied(DomainEvent, event_type="ApprovalDenied", schema_version=1):
    """A person or the policy rejected, asked for changes or replaced the blueprint."""

    kind: str
    actor: str
    decision: str
    reason: str


class CodeGenerated(DomainEvent, event_type="CodeGenerated", schema_version=1):
    """The coder rendered the project and committed it."""

    blueprint_version: int
    commit: str | None
    status: str
    attempt: int


class CodeRepaired(DomainEvent, event_type="CodeRepaired", schema_version=1):
    """The coder asked the brain to repair failing code in the custom-logic slots."""

    blueprint_version: int
    attempt: int
    files: list[str]
    commit: str | None
    explanation: str


class CustomLogicWritten(DomainEvent, event_type="CustomLogicWritten", schema_version=1):
    """The coder asked the brain for the description's business rules in the slots."""

    blueprint_version: int
    files: list[str]
    commit: str | None
    explanation: str
    refused: bool


class TestsRun(DomainEvent, event_type="TestsRun", schema_version=1):
    """The tester ran the project's checks."""

    passed: bool
    summary: str
    attempt: int


class ReleaseReviewed(DomainEvent, event_type="ReleaseReviewed", schema_version=1):
    """The governor reviewed the release (tests and compliance)."""

    risk: str
    compliance_failures: list[str]


class DeploymentStarted(DomainEvent, event_type="DeploymentStarted", schema_version=1):
    """The deployer began deploying a commit."""

    commit: str | None


class Deployed(DomainEvent, event_type="Deployed", schema_version=1):
    """A deployment is running and healthy."""

    url: str
    commit: str | None
    tag: str | None


class RolledBack(DomainEvent, event_type="RolledBack", schema_version=1):
    """A deployment failed its health check; the previous healthy one was restored."""

    reason: str
    restored_url: str | None


class RunFinished(DomainEvent, event_type="RunFinished", schema_version=1):
    """The run ended: done, rejected, refused or failed."""

    status: str
    detail: str


class StageJournaled(DomainEvent, event_type="StageJournaled", schema_version=1):
    """A side effect completed; re-running the stage returns this result instead."""

    key: str
    result: dict[str, Any]
