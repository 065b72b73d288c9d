"""Fakes for graph tests: a scripted tester and an in-process deployer (no npm, no servers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.git import ProjectRepo
from webnova.core.platform import Platform
from webnova.generator.blueprint import Blueprint
from webnova.graphs.deps import DeployResult, FactoryDeps, TestReport
from webnova.graphs.ledger import RunLedger


class Crash(RuntimeError):
    """Stands in for the process dying in the middle of a node."""


@dataclass
class ScriptedTester:
    """Passes or fails as scripted (the last answer repeats); can crash once on a given call."""

    results: list[bool] = field(default_factory=lambda: [True])
    crash_on_call: int | None = None
    calls: list[Path] = field(default_factory=list)

    def run(self, blueprint: Blueprint, project: Path) -> TestReport:
        del blueprint
        self.calls.append(project)
        if self.crash_on_call == len(self.calls):
            self.crash_on_call = None
            raise Crash("killed while testing")
        passed = self.results[min(len(self.calls), len(self.results)) - 1]
        assert (project / "package.json").is_file()  # the coder really generated the project
        return TestReport(passed=passed, summary="all green" if passed else "2 tests failed")


@dataclass
class RecordingDeployer:
    """Records deployments; can report an unhealthy release or crash after deploying."""

    healthy: bool = True
    crash_after_deploy: bool = False
    deployments: list[str] = field(default_factory=list)
    storage: str = ""  # what LocalDeployer reports: "memory", "postgresql:<database>"

    def deploy(self, blueprint: Blueprint, project: Path, run_id: str) -> DeployResult:
        del project
        self.deployments.append(run_id)
        if self.crash_after_deploy:
            self.crash_after_deploy = False
            raise Crash("killed right after deploying")
        if not self.healthy:
            return DeployResult(ok=False, rolled_back=True, restored_url="http://127.0.0.1:1/",
                                message="health check failed")
        return DeployResult(ok=True, url=f"http://127.0.0.1:4000/{blueprint.slug}",
                            storage=self.storage)


def make_deps(platform: Platform, projects: Path, tester: ScriptedTester | None = None,
              deployer: RecordingDeployer | None = None, tenant: str = "acme") -> FactoryDeps:
    """Real brain, ledger and generator; scripted tester and deployer."""
    return FactoryDeps(brain=OfflineBrain(), ledger=RunLedger(platform.tenant(tenant)),
                       tester=tester or ScriptedTester(),
                       deployer=deployer or RecordingDeployer(), projects_dir=projects)


def stages(project: Path) -> Iterator[str]:
    """The WebNova stage of each commit on the project's current branch (newest first)."""
    for info in ProjectRepo.open(project).history(limit=100):
        yield info.stage or info.subject
