"""The coder agent: renders (or regenerates) the project from the approved blueprint.

The commit is the side effect: it is journaled per (run, blueprint version, attempt), and the
generator itself is idempotent (regenerating an unchanged blueprint commits nothing), so a node
killed between the commit and the journal entry still leaves exactly one commit.

The generated backends call per-entity hooks whose bodies are custom-logic slots
(`webnova.graphs.repair`). Once per blueprint version the coder asks the brain to write the
description's business rules into them (a `custom-logic` commit); when the tester sent the run
back with failing tests, it asks for a repair of the same slots (a `repair` commit). The offline
brain writes and repairs nothing, so the hooks keep their pass-through defaults and the loop
breaker decides. Model-written code passes the sandbox pre-scan before it is written. Each plan
is journaled before it is applied, so a node killed after the commit applies the same plan
again, finds nothing to change, and never commits twice or asks the model twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command

from webnova.adapters.brains.port import CustomSlot, FillRequest, RepairPlan, RepairRequest
from webnova.adapters.git import ProjectRepo
from webnova.generator.blueprint import Blueprint
from webnova.generator.generate import generate_project
from webnova.governance.budgets import Metric
from webnova.graphs.budget import STEPS, Overrun, model_usage, record_model_delta, step_overrun
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import CodeGenerated, CodeRepaired, CustomLogicWritten, RunFinished
from webnova.graphs.repair import RepairRejected, apply_plan, find_slots
from webnova.graphs.spend import spend_gate
from webnova.graphs.state import FactoryState
from webnova.i18n import _, use_locale

SlotStage = Literal["custom-logic", "repair"]


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
    written = _custom_logic(state, runtime, bp, folder)
    commit = written["commit"] or commit
    report = state.get("test_report") or {}
    if attempt > 1 and report and not report.get("passed"):
        written = _repair(state, runtime, bp, folder, attempt)
        commit = written["commit"] or commit
    if written["message"]:
        update["messages"] = [*update["messages"], written["message"]]
    return Command(goto="tester", update={**update, "commit": commit})


def _custom_logic(state: FactoryState, runtime: FactoryRuntime, bp: Blueprint,
                  folder: Path) -> dict[str, Any]:
    """Write the description's business rules into the slots, once per blueprint version."""
    deps = deps_of(runtime)
    description = state.get("text") or bp.description
    facts = bp.model_dump_json(include={"name", "description", "domain", "entities",
                                        "relations", "features", "compliance"})
    return _slot_step(state, runtime, bp, folder, f"fill:v{bp.version}", "custom-logic",
                      lambda slots: deps.brain.fill(FillRequest(
                          description=description, blueprint=facts, slots=slots,
                          blueprint_name=bp.name)))


def _repair(state: FactoryState, runtime: FactoryRuntime, bp: Blueprint, folder: Path,
            attempt: int) -> dict[str, Any]:
    """Repair the failing code in the slots once per (blueprint version, attempt)."""
    deps = deps_of(runtime)
    failure = str((state.get("test_report") or {}).get("summary", ""))
    return _slot_step(state, runtime, bp, folder, f"repair:v{bp.version}:a{attempt}", "repair",
                      lambda slots: deps.brain.repair(RepairRequest(
                          failure=failure, slots=slots, blueprint_name=bp.name)))


def _slot_step(state: FactoryState, runtime: FactoryRuntime, bp: Blueprint, folder: Path,
               key: str, stage: SlotStage, ask: Callable[[list[CustomSlot]], RepairPlan]) -> (
        dict[str, Any]):
    """Ask for slot edits, apply and commit them as `stage`; journaled under `key`."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    done = deps.ledger.journaled(run_id, key)
    if done is not None:
        return done
    plan = _plan(state, runtime, folder, key, ask)
    refused = False
    with use_locale(state.get("locale", "en")):  # a refusal's reasons reach the person too
        try:
            files = apply_plan(folder, plan)
        except RepairRejected as exc:
            files, plan, refused = [], RepairPlan(explanation=str(exc)), True
        message = _slot_message(stage, files, plan.explanation or "-", refused=refused)
    commit = ProjectRepo.open(folder).commit_all(
        stage, bp.version, run_id, f"{key}: {plan.explanation}"[:500]) if files else None
    event: CodeRepaired | CustomLogicWritten
    if stage == "repair":
        event = CodeRepaired(blueprint_version=bp.version, attempt=state.get("attempts", 0) + 1,
                             files=files, commit=commit, explanation=plan.explanation[:2000])
    else:
        event = CustomLogicWritten(blueprint_version=bp.version, files=files, commit=commit,
                                   explanation=plan.explanation[:2000], refused=refused)
    deps.ledger.emit(run_id, event, actor="agent:coder")
    result = {"commit": commit, "files": files, "message": message}
    deps.ledger.journal(run_id, key, result, actor="agent:coder")
    return result


def _slot_message(stage: SlotStage, files: list[str], why: str, *, refused: bool) -> str:
    """What the person reads about the step (nothing when no custom logic was asked for)."""
    if refused:
        return _("The code the model proposed was refused and not written: {why}").format(why=why)
    if stage == "custom-logic":
        return _("Wrote the business rules from the description into {files}: {why}").format(
            files=", ".join(files), why=why) if files else ""
    if files:
        return _("Repaired {files} after the failing tests: {why}").format(
            files=", ".join(files), why=why)
    return _("No repair was proposed for the failing tests ({why}); testing again.").format(
        why=why)


def _plan(state: FactoryState, runtime: FactoryRuntime, folder: Path, key: str,
          ask: Callable[[list[CustomSlot]], RepairPlan]) -> RepairPlan:
    """The brain's plan, journaled before it is applied (asked once per key)."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    planned = deps.ledger.journaled(run_id, f"{key}:plan")
    if planned is not None:
        return RepairPlan.model_validate(planned)
    slots = find_slots(folder)
    if not slots:
        plan = RepairPlan(explanation="the project has no custom-logic slots")
    else:
        before = model_usage(deps.brain)
        with use_locale(state.get("locale", "en")):
            plan = ask(slots)
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
