"""The architect agent: turns the analysis into a blueprint, and revises it after feedback."""

from __future__ import annotations

from typing import Any

from webnova.adapters.brains.port import IntentAnalysis
from webnova.generator.blueprint import Blueprint
from webnova.graphs.budget import model_usage, record_model_delta
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import BlueprintProposed
from webnova.graphs.state import FactoryState
from webnova.i18n import _, use_locale


def architect(state: FactoryState, runtime: FactoryRuntime) -> dict[str, Any]:
    """Design the blueprint (a new revision when feedback asked for changes)."""
    deps = deps_of(runtime)
    feedback = state.get("feedback") or None
    previous = Blueprint.model_validate(state["blueprint"]) if state.get("blueprint") else None
    before = model_usage(deps.brain)
    with use_locale(state.get("locale", "en")):
        analysis = _analysis(state, runtime, previous)
        if feedback:
            # The feedback is folded into the description the brain plans from.
            revised = deps.brain.analyze(f"{analysis.text}\n{feedback}", state.get("locale", "en"))
            analysis = revised if revised.status == "ok" else analysis
        blueprint = deps.brain.design(analysis, previous, feedback)
        message = _("Blueprint version {version}: {name}, template {template}.").format(
            version=blueprint.version, name=blueprint.name, template=blueprint.template)
    record_model_delta(deps.budget, state["run_id"], deps.brain, before)
    deps.ledger.emit(state["run_id"], BlueprintProposed(
        blueprint_version=blueprint.version, slug=blueprint.slug, template=blueprint.template),
        actor="agent:architect")
    return {"blueprint": blueprint.model_dump(mode="json"), "feedback": "",
            "analysis": analysis.model_dump(mode="json"), "messages": [message],
            "steps": state.get("steps", 0) + 1}


def _analysis(state: FactoryState, runtime: FactoryRuntime,
              previous: Blueprint | None) -> IntentAnalysis:
    if state.get("analysis"):
        return IntentAnalysis.model_validate(state["analysis"])
    # A run started from an uploaded blueprint has no analysis yet: read its description.
    assert previous is not None  # the architect runs after intent or with a blueprint
    analysis = deps_of(runtime).brain.analyze(previous.description or previous.name,
                                              state.get("locale", "en"))
    if analysis.status == "ok":
        return analysis
    return IntentAnalysis(status="ok", text=previous.description or previous.name,
                          language=previous.default_locale, name=previous.name,
                          template=previous.template, domain=previous.domain,
                          entities=list(previous.entities), relations=list(previous.relations),
                          features=previous.features, compliance=list(previous.compliance),
                          locales=list(previous.locales))
