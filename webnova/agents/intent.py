"""The intent agent: reads the description and decides whether it can be built from."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.types import Command

from webnova.graphs.budget import model_usage, record_model_delta
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import IntentAnalyzed, RunFinished
from webnova.graphs.state import FactoryState
from webnova.i18n import _, use_locale

Next = Literal["clarify", "architect", "review_blueprint", "__end__"]


def intent(state: FactoryState, runtime: FactoryRuntime) -> Command[Next]:
    """Analyse the text; ask when it is vague, refuse when it only steers the agents."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    if state.get("blueprint"):  # started from a blueprint: nothing to interpret
        return Command(goto="review_blueprint", update=_step(state))
    with use_locale(state.get("locale", "en")):
        before = model_usage(deps.brain)
        analysis = deps.brain.analyze(state.get("text", ""), state.get("locale", "en"))
        record_model_delta(deps.budget, run_id, deps.brain, before)
    deps.ledger.emit(run_id, IntentAnalyzed(
        status=analysis.status, template=analysis.template, domain=analysis.domain,
        reasons=analysis.reasons), actor="agent:intent")
    update: dict[str, Any] = {**_step(state), "analysis": analysis.model_dump(mode="json"),
                              "messages": [*analysis.warnings, *analysis.reasons]}
    if analysis.status == "clarify":
        return Command(goto="clarify", update=update)
    if analysis.status == "refused":
        deps.ledger.emit(run_id, RunFinished(status="refused", detail=analysis.question or ""),
                         actor="agent:intent")
        deps.ledger.audit(run_id, "agent:intent", "run.refused",
                          {"warnings": analysis.warnings})
        with use_locale(state.get("locale", "en")):
            message = analysis.question or _("The request was refused.")
        return Command(goto="__end__", update={**update, "status": "refused", "error": message})
    return Command(goto="architect", update=update)


def _step(state: FactoryState) -> dict[str, Any]:
    return {"steps": state.get("steps", 0) + 1, "status": "running"}
