"""Approval nodes: the only places that call `interrupt()`.

Each node reads the request the previous (review) node prepared, lets the policy answer in
approvals="auto" mode, or interrupts with the typed payload and waits. What happens after the
decision (generating code, deploying) happens in the next node, because a resumed node runs again
from its top. A decision the gate does not allow, or an unclear answer, is a rejection.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from langgraph.graph import END
from langgraph.types import Command, interrupt
from pydantic import ValidationError

from webnova.agents.governor import policy_decision
from webnova.generator.validation import validate_blueprint
from webnova.governance.budgets import Metric
from webnova.governance.tamper import publish_current_head
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import ApprovalDenied, ApprovalGranted, ApprovalRequested, RunFinished
from webnova.graphs.spend import budget_stop, spend_request
from webnova.graphs.state import ALLOWED, ApprovalRequest, Decision, FactoryState
from webnova.i18n import _, use_locale

_log = logging.getLogger(__name__)


def ask(state: FactoryState, runtime: FactoryRuntime, request: ApprovalRequest) -> Decision:
    """The decision for `request`: the policy's in auto mode, else a person's via interrupt."""
    deps = deps_of(runtime)
    decision = policy_decision(state, request)
    if decision is None:
        # Emitted before interrupting, so it repeats when the node re-runs on resume; that is the
        # truth (the question was shown again), and it is not a side effect on the world.
        deps.ledger.emit(state["run_id"], ApprovalRequested(
            kind=request.kind, risk=request.risk, summary=request.summary), actor="governor")
        decision = _parse(interrupt(request.model_dump(mode="json")), request)
    _record(state, runtime, request, decision)
    return decision


def _parse(raw: object, request: ApprovalRequest) -> Decision:
    try:
        decision = Decision.model_validate(raw)
    except ValidationError:
        return Decision(kind="reject", text="unclear answer", actor="person")
    if decision.kind not in request.allowed:
        return Decision(kind="reject", text=f"decision {decision.kind!r} is not allowed here",
                        actor=decision.actor)
    return decision


def _record(state: FactoryState, runtime: FactoryRuntime, request: ApprovalRequest,
            decision: Decision) -> None:
    deps = deps_of(runtime)
    run_id = state["run_id"]
    n = len(state.get("decisions", []))
    key = f"approval:{request.kind}:{n}"
    if deps.ledger.journaled(run_id, key) is not None:
        return  # recorded before a crash; the audit log already has it
    granted = decision.kind in ("approve", "answer")
    event = ApprovalGranted(kind=request.kind, actor=decision.actor, reason=decision.text) \
        if granted else ApprovalDenied(kind=request.kind, actor=decision.actor,
                                       decision=decision.kind, reason=decision.text[:2000])
    deps.ledger.emit(run_id, event, actor=decision.actor)
    slug = (state.get("blueprint") or {}).get("slug")
    deps.ledger.audit(run_id, decision.actor, f"approval.{request.kind}.{decision.kind}", {
        "risk": request.risk, "reason": decision.text[:2000], "summary": request.summary,
        **({"project": slug} if slug else {})})  # `govern report` lists a project's approvals
    deps.ledger.journal(run_id, key, {"decision": decision.kind}, actor=decision.actor)
    _publish_audit_head(state, runtime, f"approval:{request.kind}")


def _publish_audit_head(state: FactoryState, runtime: FactoryRuntime, reason: str) -> None:
    """Anchor the audit chain's head in the project's git history (tamper evidence).

    Before code exists (the blueprint gate) there is no repository yet: nothing to warn about,
    as the head published at the release approval and at the deployment covers this entry too
    (a head is the hash of the whole chain up to it).
    """
    project = state.get("project_dir")
    if not project or not (Path(project) / ".git").exists():
        return
    published = publish_current_head(deps_of(runtime).ledger.tenant.audit, Path(project),
                                      reason=reason)
    if not published.ok:
        _log.warning("audit head not published in %s: %s", project, published.error)


def _decided(decision: Decision, state: FactoryState) -> dict[str, Any]:
    return {"decisions": [decision.model_dump(mode="json")], "status": "running",
            "steps": state.get("steps", 0) + 1}


def _rejected(state: FactoryState, runtime: FactoryRuntime, decision: Decision) -> Command[Any]:
    deps_of(runtime).ledger.emit(state["run_id"], RunFinished(
        status="rejected", detail=decision.text[:500]), actor=decision.actor)
    with use_locale(state.get("locale", "en")):
        message = _("The run was rejected: {reason}").format(reason=decision.text or "-")
    return Command(goto=END, update={**_decided(decision, state), "status": "rejected",
                                     "error": message, "messages": [message]})


def clarify(state: FactoryState, runtime: FactoryRuntime) -> (
        Command[Literal["intent", "__end__"]]):
    """Ask the clarifying question; the answer is added to the description."""
    analysis = state.get("analysis", {})
    request = ApprovalRequest(kind="clarify", risk="read", allowed=list(ALLOWED["clarify"]),
                              summary=analysis.get("question") or "", details={
                                  "warnings": analysis.get("warnings", [])})
    decision = ask(state, runtime, request)
    if decision.kind != "answer" or not decision.text.strip():
        return _rejected(state, runtime, decision)
    text = f"{state.get('text', '')}\n{decision.text}".strip()
    return Command(goto="intent", update={**_decided(decision, state), "text": text})


def approve_blueprint(state: FactoryState, runtime: FactoryRuntime) -> (
        Command[Literal["coder", "architect", "review_blueprint", "__end__"]]):
    """The blueprint gate: approve, reject, request changes or replace the blueprint."""
    request = ApprovalRequest.model_validate(state["review"])
    decision = ask(state, runtime, request)
    update = _decided(decision, state)
    if decision.kind == "approve":
        return Command(goto="coder", update=update)
    if decision.kind == "changes":
        return Command(goto="architect", update={**update, "feedback": decision.text})
    if decision.kind == "replace":
        return _replace(state, runtime, decision, update)
    return _rejected(state, runtime, decision)


def _replace(state: FactoryState, runtime: FactoryRuntime, decision: Decision,
             update: dict[str, Any]) -> Command[Any]:
    result = validate_blueprint(decision.blueprint or {})
    if result.blueprint is None:
        problems = "; ".join(str(i) for i in result.issues[:5])
        return _rejected(state, runtime, decision.model_copy(
            update={"text": f"replacement blueprint is invalid: {problems}"}))
    return Command(goto="review_blueprint", update={
        **update, "blueprint": result.blueprint.model_dump(mode="json")})


def approve_release(state: FactoryState, runtime: FactoryRuntime) -> (
        Command[Literal["deployer", "architect", "approve_spend", "__end__"]]):
    """The release gate: approve the deploy, reject, or request changes to the blueprint.

    An approved deploy that would go over the deployments budget asks for a spend approval
    first (a limit that says stop is left to the deployer, which stops the run).
    """
    request = ApprovalRequest.model_validate(state["review"])
    decision = ask(state, runtime, request)
    update = _decided(decision, state)
    if decision.kind == "approve":
        return _deploy_gate(state, runtime, update)
    if decision.kind == "changes":
        return Command(goto="architect", update={**update, "feedback": decision.text,
                                                 "attempts": 0})
    return _rejected(state, runtime, decision)


def _deploy_gate(state: FactoryState, runtime: FactoryRuntime,
                 update: dict[str, Any]) -> Command[Any]:
    deps = deps_of(runtime)
    run_id = state["run_id"]
    if deps.budget is None or deps.ledger.journaled(run_id, "deploy") is not None:
        return Command(goto="deployer", update=update)
    granted = (state.get("allowance") or {}).get(Metric.DEPLOYMENTS.value, 0)
    over = deps.budget.overrun(run_id, Metric.DEPLOYMENTS, 1, granted)
    if over is None or over.stop:
        return Command(goto="deployer", update=update)
    request = spend_request(state, runtime, over, resume="deployer")
    return Command(goto="approve_spend",
                   update={**update, "review": request.model_dump(mode="json")})


def approve_spend(state: FactoryState, runtime: FactoryRuntime) -> (
        Command[Literal["coder", "deployer", "__end__"]]):
    """The spend gate: approve one more budget unit and continue, or stop with state kept."""
    request = ApprovalRequest.model_validate(state["review"])
    decision = ask(state, runtime, request)
    update = _decided(decision, state)
    budget = str(request.details.get("budget", ""))
    if decision.kind != "approve":
        reason = str(request.details.get("reason", budget))
        return Command(goto="__end__", update={
            **update, **budget_stop(state, runtime, reason, decision.actor)})
    allowance = dict(state.get("allowance") or {})
    allowance[budget] = allowance.get(budget, 0) + 1
    update["allowance"] = allowance
    if request.details.get("resume") == "deployer":
        return Command(goto="deployer", update=update)
    return Command(goto="coder", update=update)
