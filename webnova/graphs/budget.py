"""Run budgets over the governor's usage ledger (`webnova.governance.budgets`).

Projects, deployments, model tokens and model cost are recorded per run and tenant; before a
project is generated or deployed the tenant's limits are checked, and a limit that is reached
stops the run cleanly (its state is kept; an owner raises the limit and resumes).
"""

from __future__ import annotations

from collections.abc import Mapping

from webnova.governance.budgets import MICRO, Budgets, Metric
from webnova.governance.people import operator


class RunBudget:
    """The budget checks and usage records of one tenant's runs."""

    def __init__(self, budgets: Budgets, tenant_id: str) -> None:
        self.budgets = budgets
        self.tenant_id = tenant_id

    def refusal(self, run_id: str, metric: Metric, amount: int) -> str | None:
        """Why `amount` more of `metric` is not allowed now, or None when it is."""
        check = self.budgets.check(operator(self.tenant_id), metric, amount, run_id=run_id)
        if check.within:
            return None
        if check.decision is not None:
            return check.decision.reason
        return f"{metric.value}: {check.used} + {amount} > {check.limit}"

    def record(self, run_id: str, usage: Mapping[Metric, int]) -> None:
        """Add usage to the ledger."""
        self.budgets.record(run_id, usage)

    def record_model(self, run_id: str, tokens: int, cost_usd: float) -> None:
        """Add a model call's tokens and cost."""
        self.record(run_id, {Metric.MODEL_TOKENS: tokens,
                             Metric.MODEL_COST: round(cost_usd * MICRO)})


def model_usage(brain: object) -> tuple[int, float]:
    """Tokens and USD a brain has used so far (zero for brains without a meter)."""
    usage = getattr(brain, "usage", None)
    if usage is None:
        return 0, 0.0
    return int(usage.input_tokens + usage.output_tokens), float(usage.cost_usd)


def record_model_delta(budget: RunBudget | None, run_id: str, brain: object,
                       before: tuple[int, float]) -> None:
    """Record what the brain used since `before` (a `model_usage` reading)."""
    tokens, cost = model_usage(brain)
    if budget is not None and tokens > before[0]:
        budget.record_model(run_id, tokens - before[0], cost - before[1])
