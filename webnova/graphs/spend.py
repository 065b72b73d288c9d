"""The spend gate: a reached budget becomes a spend approval, or a clean stop.

A node that is about to spend (the coder before generating or asking the model, the release gate
before deploying) calls `spend_gate` with the overruns it found. A stopping overrun (a limit that
says stop, a constitution cap, a policy denial) ends the run with its state kept. Otherwise the
run goes to the `approve_spend` node with a typed `spend` request; approving grants one more unit
of that budget and returns to the node that asked (`details.resume`), which checks again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langgraph.graph import END
from langgraph.types import Command

from webnova.graphs.budget import AUTO_SPEND_SETTING, STEPS, Overrun
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import RunFinished
from webnova.graphs.state import ALLOWED, ApprovalRequest, FactoryState
from webnova.i18n import _, use_locale


def budget_label(budget: str) -> str:
    """A person's name for a budget."""
    labels = {STEPS: _("steps"), "model_tokens": _("model tokens"),
              "model_cost_micro_usd": _("model cost (millionths of a dollar)"),
              "deployments": _("deployments"), "projects": _("projects"),
              "sandbox_ms": _("sandbox time (ms)")}
    return labels.get(budget, budget)


def describe(over: Overrun) -> str:
    """What was reached, in the current locale: the governance reason or used of allowed."""
    if over.stop:
        return over.reason
    return _("{used} {budget} used, {allowed} allowed").format(
        used=over.used, budget=budget_label(over.budget),
        allowed=over.limit + over.granted * over.unit)


def auto_spend_left(state: FactoryState, runtime: FactoryRuntime) -> bool:
    """Whether the tenant lets the policy grant this run one more budget unit by itself."""
    setting = deps_of(runtime).ledger.tenant.settings.get(AUTO_SPEND_SETTING, 0)
    units = setting if isinstance(setting, int) and not isinstance(setting, bool) else 0
    return sum((state.get("allowance") or {}).values()) < units


def spend_request(state: FactoryState, runtime: FactoryRuntime, over: Overrun,
                  resume: str) -> ApprovalRequest:
    """The `spend` approval for `over`; approving returns the run to node `resume`."""
    with use_locale(state.get("locale", "en")):
        reason = describe(over)
        summary = _("The run reached its budget ({reason}). Allow {unit} more {budget} and "
                    "continue?").format(reason=reason, unit=over.unit,
                                        budget=budget_label(over.budget))
    return ApprovalRequest(
        kind="spend", risk="spend", allowed=list(ALLOWED["spend"]), summary=summary,
        details={"budget": over.budget, "used": over.used, "amount": over.amount,
                 "limit": over.limit, "unit": over.unit, "granted": over.granted,
                 "reason": reason, "resume": resume,
                 "auto_spend": over.policy_allows or auto_spend_left(state, runtime)})


def spend_gate(state: FactoryState, runtime: FactoryRuntime, overruns: Iterable[Overrun | None],
               resume: str, actor: str) -> Command[Any] | None:
    """None when every budget allows the next step; else the stop or the spend approval."""
    found = [o for o in overruns if o is not None]
    if not found:
        return None
    stopping = next((o for o in found if o.stop), None)
    if stopping is not None:
        return Command(goto=END, update=budget_stop(state, runtime, stopping.reason, actor))
    request = spend_request(state, runtime, found[0], resume)
    return Command(goto="approve_spend", update={"review": request.model_dump(mode="json")})


def budget_stop(state: FactoryState, runtime: FactoryRuntime, reason: str,
                actor: str) -> dict[str, Any]:
    """The update that ends the run at a budget; its state (project, reports) is kept."""
    deps = deps_of(runtime)
    with use_locale(state.get("locale", "en")):
        message = _("The run stopped at its budget ({reason}); its state is kept.").format(
            reason=reason)
    deps.ledger.emit(state["run_id"], RunFinished(status="failed", detail=message), actor=actor)
    deps.ledger.audit(state["run_id"], actor, "run.budget_stop",
                      {"steps": state.get("steps", 0), "reason": reason})
    return {"status": "failed", "error": message, "messages": [message]}
