"""Run budgets over the governor's usage ledger (`webnova.governance.budgets`), and step budgets.

Projects, deployments, model tokens and model cost are recorded per run and tenant; before a
project is generated or deployed (and before more model calls) the tenant's limits are checked.
A budget that is reached is an `Overrun`: a limit that says `on_exceed: stop` (or a constitution
cap, or a policy denial) stops the run cleanly; any other becomes a spend approval
(`webnova.graphs.spend`). Each approval grants the run one more budget unit (the limit again, or
another `max_steps` steps), recorded in the run's state as `allowance[budget]`.

The graph installs the run's allowance around the nodes that check budgets (`granting`), so a
check made by a node that only knows the run id (`RunBudget.refusal`) still sees the approvals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

from webnova.governance.budgets import MICRO, Budgets, Metric
from webnova.governance.people import operator
from webnova.governance.policy import Outcome

STEPS: Final = "steps"
# Tenant setting: how many budget units the policy may grant a run in approvals="auto" mode
# without a person (0 or missing: a spend is never approved by the policy).
AUTO_SPEND_SETTING: Final = "governance.auto_spend_units"

_ALLOWANCE: ContextVar[Mapping[str, int] | None] = ContextVar("webnova_run_allowance",
                                                              default=None)


@dataclass(frozen=True)
class Overrun:
    """A budget the run has reached, and what approving one more unit of it would add."""

    budget: str
    used: int
    amount: int
    limit: int
    unit: int
    granted: int
    stop: bool
    policy_allows: bool
    reason: str


@contextmanager
def granting(allowance: Mapping[str, int] | None) -> Iterator[None]:
    """Let budget checks inside the block count the run's approved extra units."""
    token = _ALLOWANCE.set(dict(allowance or {}))
    try:
        yield
    finally:
        _ALLOWANCE.reset(token)


def granted_units(budget: str) -> int:
    """Extra units of `budget` approved for the run whose node is running (0 outside one)."""
    return int((_ALLOWANCE.get() or {}).get(budget, 0))


class RunBudget:
    """The budget checks and usage records of one tenant's runs."""

    def __init__(self, budgets: Budgets, tenant_id: str) -> None:
        self.budgets = budgets
        self.tenant_id = tenant_id

    def overrun(self, run_id: str, metric: Metric, amount: int,
                granted: int | None = None) -> Overrun | None:
        """The overrun of `amount` more `metric`, or None while within limit and allowance.

        `granted` is the number of extra units approved for the run (default: the allowance
        installed by `granting`).
        """
        check = self.budgets.check(operator(self.tenant_id), metric, amount, run_id=run_id)
        if check.within:
            return None
        granted = granted_units(metric.value) if granted is None else granted
        limit = check.limit or 0
        unit = max(limit, amount, 1)
        decision = check.decision
        stop = decision is not None and decision.outcome is Outcome.DENY
        if not stop and check.used + amount <= limit + granted * unit:
            return None
        # A stop carries the governance's own (localized) reason; otherwise a technical one.
        reason = decision.reason if stop and decision is not None else \
            f"{metric.value}: {check.used} + {amount} > {limit + granted * unit}"
        return Overrun(budget=metric.value, used=check.used, amount=amount, limit=limit,
                       unit=unit, granted=granted, stop=stop, reason=reason,
                       policy_allows=decision is not None and decision.outcome is Outcome.ALLOW)

    def refusal(self, run_id: str, metric: Metric, amount: int) -> str | None:
        """Why `amount` more of `metric` is not allowed now, or None when it is."""
        over = self.overrun(run_id, metric, amount)
        return over.reason if over is not None else None

    def record(self, run_id: str, usage: Mapping[Metric, int]) -> None:
        """Add usage to the ledger."""
        self.budgets.record(run_id, usage)

    def record_model(self, run_id: str, tokens: int, cost_usd: float) -> None:
        """Add a model call's tokens and cost."""
        self.record(run_id, {Metric.MODEL_TOKENS: tokens,
                             Metric.MODEL_COST: round(cost_usd * MICRO)})


def step_overrun(steps: int, max_steps: int, granted: int) -> Overrun | None:
    """The step budget's overrun: `max_steps` per unit, one unit plus those approved."""
    allowed = max_steps * (1 + granted)
    if steps < allowed:
        return None
    return Overrun(budget=STEPS, used=steps, amount=1, limit=max_steps, unit=max_steps,
                   granted=granted, stop=False, policy_allows=False,
                   reason=f"{STEPS}: {steps} >= {allowed}")


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
