"""The tester agent: runs the generated project's checks and summarises failures.

Failing tests go back to the coder, a bounded number of times (`FactoryDeps.max_test_attempts`);
then the loop breaker stops the run cleanly, with its state and report kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from langgraph.types import Command

from webnova.adapters.sandbox import with_network_settings
from webnova.adapters.sandbox.local import LocalSandbox
from webnova.adapters.sandbox.port import ExecResult, SandboxError, SandboxLimits
from webnova.generator.blueprint import Blueprint
from webnova.generator.support import ToolchainMissingError
from webnova.generator.toolchain import PHASES, Phase, phase_commands, run_phase
from webnova.graphs.deps import FactoryRuntime, TestReport, deps_of
from webnova.graphs.events import RunFinished, TestsRun
from webnova.graphs.state import FactoryState
from webnova.i18n import _, format_number, use_locale
from webnova.settings import Settings

_TAIL_LINES = 15
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Ran:
    """How one phase went, whichever way it was run."""

    ok: bool
    seconds: float
    output: str
    failure: Callable[[str], str] = field(repr=False)  # the summary, given the output's tail
    facts: dict[str, object] = field(default_factory=dict)


def _run_phases(run_one: Callable[[Phase], _Ran], refused: tuple[type[Exception], ...],
                passed: str) -> TestReport:
    """Run every phase in order and stop at the first that fails (or cannot start).

    `passed` is the localized summary with a `{seconds}` placeholder; a failure's summary is what
    its `failure` makes of the last lines of the output.
    """
    phases: list[dict[str, object]] = []
    for phase in PHASES:
        try:
            ran = run_one(phase)
        except refused as exc:
            return TestReport(passed=False, summary=str(exc), phases=phases)
        phases.append({"phase": phase, "ok": ran.ok, "seconds": round(ran.seconds, 2),
                       **ran.facts})
        if not ran.ok:
            tail = "\n".join(ran.output.strip().splitlines()[-_TAIL_LINES:])
            return TestReport(passed=False, phases=phases, summary=ran.failure(tail))
    seconds = sum(float(str(p["seconds"])) for p in phases)
    return TestReport(passed=True, phases=phases,
                      summary=passed.format(seconds=format_number(round(seconds))))


class ToolchainTester:
    """Runs install, typecheck, build and test with the project's own toolchain (npm)."""

    def __init__(self, cache: Path, timeout: float = 900) -> None:
        self.cache = cache
        self.timeout = timeout

    def run(self, blueprint: Blueprint, project: Path) -> TestReport:
        """Run every phase in order and stop at the first that fails."""
        def one(phase: Phase) -> _Ran:
            result = run_phase(blueprint, project, phase, self.cache, timeout=self.timeout)
            return _Ran(result.ok, result.seconds, result.output, lambda tail: _(
                "{phase} failed (exit code {code}):\n{tail}").format(
                    phase=phase, code=result.returncode, tail=tail))

        return _run_phases(one, (ToolchainMissingError,),
                           _("Install, type-check, build and tests passed in {seconds} s."))


# Node reserves far more address space than it uses (V8's heap cage, WebAssembly guard regions
# for undici and PGlite), and RLIMIT_AS counts reservations: tests need a roomy limit, while
# CPU time, processes, disk and wall time stay bounded.
TESTER_LIMITS: Final = SandboxLimits(
    wall_timeout_s=900, max_wall_timeout_s=900, session_timeout_s=1800, cpu_seconds=1200,
    memory_mb=32768, max_processes=256, max_file_mb=256, max_disk_mb=2048,
    max_open_files=4096, tmp_size_mb=512)
# Per project, inside the workspace (node_modules is never committed): a shared cache would let
# one project's install poison another's.
_SANDBOX_CACHE: Final = Path("/workspace/node_modules/.cache/webnova")


class SandboxedTester:
    """Runs the same phases inside the local sandbox.

    The install reaches only the package registries (registry-only network); type-check, build
    and tests get no network at all. The generated (or model-repaired) code and its
    dependencies' install scripts run as an unprivileged user in bubblewrap namespaces, never
    with WebNova's own rights.
    """

    def __init__(self, sandbox: LocalSandbox, timeout: float = 900) -> None:
        self.sandbox = sandbox
        self.timeout = timeout

    def run(self, blueprint: Blueprint, project: Path) -> TestReport:
        """Run every phase in order, each in a fresh sandbox session; stop at the first failure."""
        def one(phase: Phase) -> _Ran:
            seconds, result = self._phase(blueprint, project, phase)
            return _Ran(result.ok, seconds, result.stdout + "\n" + result.stderr,
                        lambda tail: _("{phase} failed in the sandbox (exit code {code}): "
                                       "{detail}\n{tail}").format(
                            phase=phase, code=result.exit_code, detail=result.detail, tail=tail),
                        {"isolation": result.isolation, "network": result.network})

        return _run_phases(one, (SandboxError,), _(
            "Install, type-check, build and tests passed in the sandbox in {seconds} s."))

    def _phase(self, blueprint: Blueprint, project: Path, phase: Phase) -> (
            tuple[float, ExecResult]):
        started = time.perf_counter()
        result: ExecResult | None = None
        with self.sandbox.create(network=phase == "install", workspace=project,
                                 timeout=self.timeout * 2) as session:
            for command in phase_commands(blueprint, phase, _SANDBOX_CACHE):
                result = session.run_command(command, timeout=self.timeout)
                if not result.ok:
                    break
        assert result is not None, "every phase has at least one command"
        return time.perf_counter() - started, result


def default_tester(settings: Settings) -> ToolchainTester | SandboxedTester:
    """The sandboxed tester where its install can reach the registries, else the host toolchain.

    Without it (no bubblewrap) an install inside the sandbox could not reach the registries,
    so the phases run on the host (npm cache under the home) and the report says so. The
    settings choose the install's network (registry-only by default, or the host's).
    """
    from webnova.adapters.sandbox.probe import probe_isolation

    limits = with_network_settings(TESTER_LIMITS, settings)
    report = probe_isolation(e2b=False, network_mode=limits.network_mode)
    if report.level == "bubblewrap" and report.network != "off":
        return SandboxedTester(LocalSandbox(limits))
    _log.warning("tests run on the host: sandbox level %s, network %s", report.level,
                 report.network)
    return ToolchainTester(settings.home / "npm-cache")


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
