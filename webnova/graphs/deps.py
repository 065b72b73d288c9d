"""What the factory graph's nodes depend on, passed through LangGraph's runtime context.

`FactoryDeps` is rebuilt by whoever runs the graph (the Factory API, the CLI, a test) and given to
every `invoke`/`stream` as `context=`; it is never stored in a checkpoint, so a resumed run in a
new process gets fresh clients.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from langgraph.runtime import Runtime
from pydantic import BaseModel, ConfigDict, Field

from webnova.adapters.brains.port import Brain
from webnova.generator.blueprint import Blueprint
from webnova.governance.compliance.engine import ComplianceReport
from webnova.governance.policy import ReleaseVerdict
from webnova.graphs.budget import RunBudget
from webnova.graphs.ledger import RunLedger


class TestReport(BaseModel):
    """How the project's checks went, with a summary a person can read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    passed: bool
    summary: str
    phases: list[dict[str, object]] = Field(default_factory=list)


class DeployResult(BaseModel):
    """Where the project runs now, or why it does not (and what was restored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    url: str | None = None
    message: str = ""
    rolled_back: bool = False
    restored_url: str | None = None
    # Where the release keeps its data: "memory" (it starts empty), "postgresql:<database>"
    # (kept across releases), or "" when not known (an older journal entry, a failed start).
    storage: str = ""


class Tester(Protocol):
    """Runs a generated project's checks."""

    def run(self, blueprint: Blueprint, project: Path) -> TestReport:
        """Install, type-check, build and test `project`."""
        ...


class Deployer(Protocol):
    """Puts a tested project where people can use it."""

    def deploy(self, blueprint: Blueprint, project: Path, run_id: str) -> DeployResult:
        """Deploy `project`; on a failed health check restore the previous healthy deployment."""
        ...


@dataclass(frozen=True)
class FactoryDeps:
    """Everything the nodes use; one per invocation, never global."""

    brain: Brain
    ledger: RunLedger
    tester: Tester
    deployer: Deployer
    projects_dir: Path
    max_test_attempts: int = 3
    max_steps: int = 60
    budget: RunBudget | None = None
    # The tenant's release verdict for approvals="auto" (counts its waivers); without it the
    # policy uses the findings alone, which is stricter (a waived finding still needs a person).
    release_verdict: Callable[[ComplianceReport, bool | None], ReleaseVerdict] | None = None


FactoryRuntime = Runtime[FactoryDeps]


def deps_of(runtime: FactoryRuntime) -> FactoryDeps:
    """The dependencies of this invocation (a wiring bug when missing)."""
    context: object = runtime.context
    if isinstance(context, FactoryDeps):
        return context
    if isinstance(context, Mapping) or context is None:
        # LangGraph's server passes the context as JSON (see webnova.graphs.server).
        from webnova.graphs.server import server_deps

        return server_deps(context or {})
    raise TypeError(f"the factory graph needs context=FactoryDeps(...), got {type(context)}")
