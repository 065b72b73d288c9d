"""The coder agent: renders (or regenerates) the project from the approved blueprint.

The commit is the side effect: it is journaled per (run, blueprint version, attempt), and the
generator itself is idempotent (regenerating an unchanged blueprint commits nothing), so a node
killed between the commit and the journal entry still leaves exactly one commit.

When the tester sent the run back with failing tests, the coder asks the brain for a repair of
the project's custom-logic slots (`webnova.graphs.repair`); the offline brain proposes none, so
the loop breaker decides. The brain's plan is journaled before it is applied, so a node killed
after the repair commit applies the same plan again, finds nothing to change, and never commits
twice or asks the model twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command

from webnova.adapters.brains.port import RepairPlan, RepairRequest
from webnova.adapters.git import ProjectRepo
from webnova.generator.blueprint import Blueprint
from webnova.generator.generate import generate_project
from webnova.governance.budgets import Metric
from webnova.graphs.budget import STEPS, Overrun, model_usage, record_model_delta, step_overrun
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import CodeGenerated, CodeRepaired, RunFinished
from webnova.graphs.repair import RepairRejected, apply_plan, find_slots
from webnova.graphs.spend import spend_gate
from webnova.graphs.state import FactoryState
from webnova.i18n import _, use_locale


def project_dir(projects_dir: Path, blueprint: Blueprint, run_id: str) -> Path:
    """Where a run's project lives: the slug plus the run, so runs never share a folder."""
    return projects_dir / f"{blueprint.slug}-{run_id[:8]}"


def coder(state: FactoryState, runtime: FactoryRuntime) -> (
        Command[Literal["tester", "approve_spend", "__end__"]]):
    """Generate the project and commit it, once per blueprint version and attempt."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    bp = Blueprint.model_validate(state["blueprint"])
    attempt = state.get("attempts", 0) + 1
    folder = Path(state.get("project_dir") or project_dir(deps.projects_dir, bp, run_id))
    key = f"code:v{bp.version}:a{attempt}"
    result = deps.ledger.journaled(run_id, key)
    gate = spend_gate(state, runtime, _overruns(state, runtime, new_project=(
        result is None and not folder.exists())), resume="coder", actor="agent:coder")
    if gate is not None:
        return gate
    if result is None:
        with use_locale(state.get("locale", "en")):
            outcome = generate_project(bp, folder, run_id=run_id)
        result = {"ok": outcome.ok, "status": outcome.status, "commit": outcome.commit,
                  "message": outcome.message}
        if outcome.ok:
            deps.ledger.journal(run_id, key, result, actor="agent:coder")
            if deps.budget is not None and outcome.status == "created":
                deps.budget.record(run_id, {Metric.PROJECTS: 1})
        deps.ledger.emit(run_id, CodeGenerated(
            blueprint_version=bp.version, commit=outcome.commit, status=outcome.status,
            attempt=attempt), actor="agent:coder")
    update: dict[str, Any] = {"project_dir": str(folder), "attempts": attempt,
                              "messages": [result["message"]],
                              "steps": state.get("steps", 0) + 1}
    if not result["ok"]:
        deps.ledger.emit(run_id, RunFinished(status="failed", detail=result["message"]),
                         actor="agent:coder")
        failed = {**update, "status": "failed", "error": result["message"]}
        return Command(goto="__end__", update=failed)
    commit = result["commit"] or ""
    report = state.get("test_report") or {}
    if attempt > 1 and report and not report.get("passed"):
        repaired = _repair(state, runtime, bp, folder, attempt)
        update["messages"] = [*update["messages"], repaired["message"]]
        commit = repaired["commit"] or commit
    return Command(goto="tester", update={**update, "commit": commit})


def _repair(state: FactoryState, runtime: FactoryRuntime, bp: Blueprint, folder: Path,
            attempt: int) -> dict[str, Any]:
    """Repair the failing code in the slots once per (blueprint version, attempt)."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    key = f"repair:v{bp.version}:a{attempt}"
    done = deps.ledger.journaled(run_id, key)
    if done is not None:
        return done
    plan = _plan(state, runtime, bp, folder, key)
    locale = state.get("locale", "en")
    try:
        files = apply_plan(folder, plan)
    except RepairRejected as exc:
        files, plan = [], RepairPlan(explanation=str(exc))
    commit = ProjectRepo.open(folder).commit_all(
        "repair", bp.version, run_id, f"attempt {attempt}: {plan.explanation}"[:500]) \
        if files else None
    with use_locale(locale):
        message = _("Repaired {files} after the failing tests: {why}").format(
            files=", ".join(files), why=plan.explanation or "-") if files else _(
            "No repair was proposed for the failing tests ({why}); testing again.").format(
                why=plan.explanation or "-")
    deps.ledger.emit(run_id, CodeRepaired(
        blueprint_version=bp.version, attempt=attempt, files=files, commit=commit,
        explanation=plan.explanation[:2000]), actor="agent:coder")
    result = {"commit": commit, "files": files, "message": message}
    deps.ledger.journal(run_id, key, result, actor="agent:coder")
    return result


def _plan(state: FactoryState, runtime: FactoryRuntime, bp: Blueprint, folder: Path,
          key: str) -> RepairPlan:
    """The brain's repair plan, journaled before it is applied (asked once per attempt)."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    planned = deps.ledger.journaled(run_id, f"{key}:plan")
    if planned is not None:
        return RepairPlan.model_validate(planned)
    slots = find_slots(folder)
    if not slots:
        plan = RepairPlan(explanation="the project has no custom-logic slots")
    else:
        failure = str((state.get("test_report") or {}).get("summary", ""))
        before = model_usage(deps.brain)
        with use_locale(state.get("locale", "en")):
            plan = deps.brain.repair(RepairRequest(failure=failure, slots=slots,
                                                   blueprint_name=bp.name))
        record_model_delta(deps.budget, run_id, deps.brain, before)
    deps.ledger.journal(run_id, f"{key}:plan", plan.model_dump(mode="json"),
                        actor="agent:coder")
    return plan


def _overruns(state: FactoryState, runtime: FactoryRuntime, *, new_project: bool) -> (
        list[Overrun | None]):
    """The budgets the coder's next step could go over: steps, model use, a new project."""
    deps = deps_of(runtime)
    granted = state.get("allowance") or {}
    found = [step_overrun(state.get("steps", 0), deps.max_steps, granted.get(STEPS, 0))]
    if deps.budget is None:
        return found
    run_id = state["run_id"]
    # Model use is metered after the calls: amount 0 asks whether it is already over.
    metrics = [(Metric.MODEL_TOKENS, 0), (Metric.MODEL_COST, 0)]
    if new_project:
        metrics.append((Metric.PROJECTS, 1))
    found += [deps.budget.overrun(run_id, metric, amount, granted.get(metric.value, 0))
              for metric, amount in metrics]
    return found
