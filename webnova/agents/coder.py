"""The coder agent: renders (or regenerates) the project from the approved blueprint.

The commit is the side effect: it is journaled per (run, blueprint version, attempt), and the
generator itself is idempotent (regenerating an unchanged blueprint commits nothing), so a node
killed between the commit and the journal entry still leaves exactly one commit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command

from webnova.generator.blueprint import Blueprint
from webnova.generator.generate import generate_project
from webnova.governance.budgets import Metric
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import CodeGenerated, RunFinished
from webnova.graphs.state import FactoryState
from webnova.i18n import _, use_locale


def project_dir(projects_dir: Path, blueprint: Blueprint, run_id: str) -> Path:
    """Where a run's project lives: the slug plus the run, so runs never share a folder."""
    return projects_dir / f"{blueprint.slug}-{run_id[:8]}"


def coder(state: FactoryState, runtime: FactoryRuntime) -> Command[Literal["tester", "__end__"]]:
    """Generate the project and commit it, once per blueprint version and attempt."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    bp = Blueprint.model_validate(state["blueprint"])
    attempt = state.get("attempts", 0) + 1
    if state.get("steps", 0) >= deps.max_steps:
        return _over_budget(state, runtime)
    folder = Path(state.get("project_dir") or project_dir(deps.projects_dir, bp, run_id))
    key = f"code:v{bp.version}:a{attempt}"
    result = deps.ledger.journaled(run_id, key)
    if result is None and deps.budget is not None and not folder.exists():
        refusal = deps.budget.refusal(run_id, Metric.PROJECTS, 1)
        if refusal:
            return _stopped(state, runtime, refusal)
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
    return Command(goto="tester", update={**update, "commit": result["commit"] or ""})


def _over_budget(state: FactoryState, runtime: FactoryRuntime) -> Command[Any]:
    deps = deps_of(runtime)
    with use_locale(state.get("locale", "en")):
        message = _("The run used its budget of {count} steps and stopped; its state is "
                    "kept.").format(count=deps.max_steps)
    return _stopped(state, runtime, message)


def _stopped(state: FactoryState, runtime: FactoryRuntime, message: str) -> Command[Any]:
    deps = deps_of(runtime)
    deps.ledger.emit(state["run_id"], RunFinished(status="failed", detail=message),
                     actor="agent:coder")
    deps.ledger.audit(state["run_id"], "agent:coder", "run.budget_stop",
                      {"steps": state.get("steps", 0), "reason": message})
    return Command(goto="__end__", update={"status": "failed", "error": message})
