"""The tester agent: runs the generated project's checks and summarises failures.

Failing tests go back to the coder, a bounded number of times (`FactoryDeps.max_test_attempts`);
then the loop breaker stops the run cleanly, with its state and report kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command

from webnova.generator.blueprint import Blueprint
from webnova.generator.support import ToolchainMissingError
from webnova.generator.toolchain import PHASES, run_phase
from webnova.graphs.deps import FactoryRuntime, TestReport, deps_of
from webnova.graphs.events import RunFinished, TestsRun
from webnova.graphs.state import FactoryState
from webnova.i18n import _, format_number, use_locale

_TAIL_LINES = 15


class ToolchainTester:
    """Runs install, typecheck, build and test with the project's own toolchain (npm)."""

    def __init__(self, cache: Path, timeout: float = 900) -> None:
        self.cache = cache
        self.timeout = timeout

    def run(self, blueprint: Blueprint, project: Path) -> TestReport:
        """Run every phase in order and stop at the first that fails."""
        phases: list[dict[str, object]] = []
        for phase in PHASES:
            try:
                result = run_phase(blueprint, project, phase, self.cache, timeout=self.timeout)
            except ToolchainMissingError as exc:
                return TestReport(passed=False, summary=str(exc), phases=phases)
            phases.append({"phase": phase, "ok": result.ok, "seconds": round(result.seconds, 2)})
            if not result.ok:
                tail = "\n".join(result.output.strip().splitlines()[-_TAIL_LINES:])
                return TestReport(passed=False, phases=phases, summary=_(
                    "{phase} failed (exit code {code}):\n{tail}").format(
                        phase=phase, code=result.returncode, tail=tail))
        seconds = sum(float(str(p["seconds"])) for p in phases)
        return TestReport(passed=True, phases=phases, summary=_(
            "Install, type-check, build and tests passed in {seconds} s.").format(
                seconds=format_number(round(seconds))))


def tester(state: FactoryState, runtime: FactoryRuntime) -> (
        Command[Literal["coder", "review_release", "__end__"]]):
    """Test the project; loop back to the coder on failure until the loop breaker trips."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    attempt = state.get("attempts", 1)
    with use_locale(state.get("locale", "en")):
        report = deps.tester.run(Blueprint.model_validate(state["blueprint"]),
                                 Path(state["project_dir"]))
    deps.ledger.emit(run_id, TestsRun(passed=report.passed, summary=report.summary[:2000],
                                      attempt=attempt), actor="agent:tester")
    update: dict[str, Any] = {"test_report": report.model_dump(mode="json"),
                              "messages": [report.summary], "steps": state.get("steps", 0) + 1}
    if report.passed:
        return Command(goto="review_release", update=update)
    if attempt < deps.max_test_attempts:
        return Command(goto="coder", update=update)
    with use_locale(state.get("locale", "en")):
        message = _("Tests still fail after {count} attempts; the run stopped and kept its "
                    "state.").format(count=attempt)
    deps.ledger.emit(run_id, RunFinished(status="failed", detail=message), actor="agent:tester")
    deps.ledger.audit(run_id, "agent:tester", "run.loop_breaker", {"attempts": attempt})
    return Command(goto="__end__", update={**update, "status": "failed", "error": message})
