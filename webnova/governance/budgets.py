"""Budgets per tenant: limits, usage recorded per run, and what happens beyond a limit.

Going over a limit asks for a spend approval or stops the run, as the limit says.

Limits live in the tenant's settings (`governance.budgets`); usage is an append-only ledger of
(run, metric, quantity). The constitution's `spend.max_per_day_usd` / `max_per_month_usd` are
limits on model cost as well, and always stop (the owner wrote them as hard caps).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Final, Literal, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, func, insert, select

from webnova.core.events import utcnow
from webnova.core.models import UsageRow
from webnova.core.platform import TenantHandle
from webnova.governance.constitution import Constitutions
from webnova.governance.errors import AccessDenied, InvalidInput
from webnova.governance.people import Member, People, authorize
from webnova.governance.policy import ActionContext, ApprovalPolicy, Decision, Outcome, Risk
from webnova.i18n import _

_USAGE = cast(Table, UsageRow.__table__)
BUDGETS_SETTING: Final = "governance.budgets"
MICRO: Final = 1_000_000


class Metric(StrEnum):
    """What is metered; quantities are integers in the unit the name says."""

    MODEL_TOKENS = "model_tokens"
    MODEL_COST = "model_cost_micro_usd"
    SANDBOX_MS = "sandbox_ms"
    DEPLOYMENTS = "deployments"
    PROJECTS = "projects"


Period = Literal["day", "month", "total"]


class Limit(BaseModel):
    """A cap on one metric over a period; `on_exceed` asks for a spend approval or stops."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    limit: int = Field(ge=0)
    period: Period = "month"
    on_exceed: Literal["ask", "stop"] = "ask"


class BudgetCheck(BaseModel):
    """Whether a run may use `amount` more of `metric`; `decision` says what to do if not."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    metric: Metric
    amount: int
    used: int
    limit: int | None
    within: bool
    decision: Decision | None = None


def period_start(period: Period, now: dt.datetime) -> dt.datetime | None:
    """Start of the current period in UTC (None for `total`)."""
    now = now.astimezone(dt.UTC)
    if period == "day":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return None


class Budgets:
    """Limits and usage of one tenant."""

    def __init__(self, tenant: TenantHandle, people: People, constitutions: Constitutions,
                 policy: ApprovalPolicy, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._tenant = tenant
        self._people = people
        self._constitutions = constitutions
        self._policy = policy
        self._clock = clock

    def limits(self) -> dict[Metric, Limit]:
        """The limits set for this tenant (metrics without one are unlimited)."""
        raw: Mapping[str, object] = self._tenant.settings.get(BUDGETS_SETTING, {})
        return {Metric(k): Limit.model_validate(v) for k, v in raw.items()}

    def set_limit(self, by: Member, metric: Metric, limit: Limit | None) -> None:
        """Set or remove (None) a limit; needs `budgets.set`; audited."""
        by = self._people.current(by)
        check = authorize(by, "budgets.set", tenant_id=self._tenant.id)
        if not check.allowed:
            self._tenant.audit.record(by.actor, "budget.set.refused", f"budget:{metric.value}",
                                      {"reason": check.code})
            raise AccessDenied(check.reason)
        limits = {k.value: v.model_dump() for k, v in self.limits().items()}
        old = limits.pop(metric.value, None)
        if limit is not None:
            limits[metric.value] = limit.model_dump()
        self._tenant.settings.set(BUDGETS_SETTING, limits)
        self._tenant.audit.record(by.actor, "budget.set", f"budget:{metric.value}", {
            "from": old, "to": limit.model_dump() if limit else None})

    def record(self, run_id: str, usage: Mapping[Metric, int]) -> None:
        """Add one run's usage to the ledger (zero quantities are skipped)."""
        for quantity in usage.values():
            if quantity < 0:
                raise InvalidInput(_("Usage cannot be negative."))
        rows = [{"tenant_id": self._tenant.id, "id": str(uuid.uuid4()), "run_id": run_id,
                 "metric": metric.value, "quantity": int(quantity), "recorded_at": self._clock()}
                for metric, quantity in usage.items() if quantity]
        if rows:
            with self._tenant.scope.transaction(write=True) as conn:
                conn.execute(insert(_USAGE), rows)

    def used(self, metric: Metric, period: Period = "total", *, run_id: str | None = None) -> int:
        """Total usage of `metric` in the current `period` (optionally of one run)."""
        query = select(func.coalesce(func.sum(_USAGE.c.quantity), 0)).where(
            _USAGE.c.tenant_id == self._tenant.id, _USAGE.c.metric == metric.value)
        start = period_start(period, self._clock())
        if start is not None:
            query = query.where(_USAGE.c.recorded_at >= start)
        if run_id is not None:
            query = query.where(_USAGE.c.run_id == run_id)
        with self._tenant.scope.transaction() as conn:
            return int(conn.execute(query).scalar_one())

    def check(self, member: Member, metric: Metric, amount: int, *,
              run_id: str = "") -> BudgetCheck:
        """May `member`'s run use `amount` more of `metric`? Over a limit: ASK or DENY."""
        for limit in self._effective_limits(metric):
            used = self.used(metric, limit.period)
            if used + amount <= limit.limit:
                continue
            context = ActionContext(target=f"budget:{metric.value}",
                                    amount_usd=amount / MICRO if metric is Metric.MODEL_COST
                                    else None)
            decision = self._policy.decide(f"budget.exceed.{metric.value}", Risk.SPEND, member,
                                           context)
            if limit.on_exceed == "stop" and decision.outcome is not Outcome.DENY:
                decision = decision.model_copy(update={
                    "outcome": Outcome.DENY, "code": "budget_stop", "reason": _(
                        "The {period} limit of {limit} for {metric} is reached.").format(
                            period=limit.period, limit=limit.limit, metric=metric.value)})
                self._tenant.audit.record(member.actor, "budget.stopped",
                                          f"budget:{metric.value}",
                                          {"run": run_id, "used": used, "amount": amount,
                                           "limit": limit.limit, "period": limit.period})
            return BudgetCheck(metric=metric, amount=amount, used=used, limit=limit.limit,
                               within=False, decision=decision)
        return BudgetCheck(metric=metric, amount=amount, used=self.used(metric), limit=None,
                           within=True)

    def _effective_limits(self, metric: Metric) -> list[Limit]:
        limits = [limit for m, limit in self.limits().items() if m is metric]
        if metric is Metric.MODEL_COST:
            spend = self._constitutions.current().spend
            for cap, period in ((spend.max_per_day_usd, "day"),
                                (spend.max_per_month_usd, "month")):
                if cap is not None:
                    limits.append(Limit(limit=round(cap * MICRO), period=cast(Period, period),
                                        on_exceed="stop"))
        return limits
