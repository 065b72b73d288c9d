"""A reached budget raises a spend approval: approve grants one more unit, reject stops cleanly."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.graph.fakes import RecordingDeployer, make_deps
from tests.graph.test_factory_graph import CLINIC_AR, Run
from webnova.core.platform import Platform
from webnova.governance.budgets import Limit, Metric
from webnova.governance.people import operator
from webnova.governance.service import Governance
from webnova.graphs.budget import AUTO_SPEND_SETTING, RunBudget
from webnova.graphs.deps import FactoryDeps
from webnova.settings import Settings


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    with Platform.open(settings=settings) as opened:
        yield opened


def _steps_deps(platform: Platform, tmp_path: Path, **extra: Any) -> FactoryDeps:
    # intent, architect, review and approval use 4 steps: the coder meets the budget of 3.
    return dataclasses.replace(make_deps(platform, tmp_path / "projects", **extra), max_steps=3)


def _audit(platform: Platform) -> list[tuple[str, str]]:
    return [(e.actor, e.action) for e in platform.tenant("acme").audit.entries()]


def test_the_step_budget_asks_to_spend_and_approval_continues(
        platform: Platform, tmp_path: Path) -> None:
    deployer = RecordingDeployer()
    run = Run(_steps_deps(platform, tmp_path, deployer=deployer))
    run.start(CLINIC_AR)
    (spend,) = run.decide("approve").interrupts
    assert spend.value["kind"] == "spend" and spend.value["risk"] == "spend"
    assert spend.value["allowed"] == ["approve", "reject"]
    assert spend.value["details"]["budget"] == "steps"
    assert spend.value["details"]["resume"] == "coder"
    assert spend.value["details"]["auto_spend"] is False
    assert spend.value["summary"] == ("The run reached its budget (4 steps used, 3 allowed). "
                                      "Allow 3 more steps and continue?")
    assert not (tmp_path / "projects").exists()  # nothing was generated before the decision
    assert run.decide("approve", text="worth it").interrupts[0].value["kind"] == "release"
    assert run.state["allowance"] == {"steps": 1}
    assert run.decide("approve").value["status"] == "done"
    assert deployer.deployments == [run.run_id]
    assert ("user:u1", "approval.spend.approve") in _audit(platform)
    kinds = [(type(e).__name__, getattr(e, "kind", "")) for e in run.deps.ledger.history(
        run.run_id)]
    assert ("ApprovalRequested", "spend") in kinds and ("ApprovalGranted", "spend") in kinds


def test_a_rejected_spend_stops_cleanly_and_keeps_the_state(
        platform: Platform, tmp_path: Path) -> None:
    run = Run(_steps_deps(platform, tmp_path))
    run.start(CLINIC_AR)
    run.decide("approve")
    final = run.decide("reject", text="not this month").value
    assert final["status"] == "failed"
    assert final["error"] == ("The run stopped at its budget (4 steps used, 3 allowed); its state "
                              "is kept.")
    assert final["blueprint"]["slug"] and final["analysis"]  # the state is kept
    assert not (tmp_path / "projects").exists()
    entries = _audit(platform)
    assert ("user:u1", "approval.spend.reject") in entries
    assert ("user:u1", "run.budget_stop") in entries
    assert run.events()[-1] == "RunFinished"


def test_the_policy_refuses_to_spend_without_the_tenants_auto_spend(
        platform: Platform, tmp_path: Path) -> None:
    run = Run(_steps_deps(platform, tmp_path), approvals="auto")
    final = run.start(CLINIC_AR).value
    assert final["status"] == "failed"
    spend = final["decisions"][-1]
    assert spend["actor"] == "policy" and spend["kind"] == "reject"
    assert "auto-spend" in spend["text"]
    assert ("policy", "approval.spend.reject") in _audit(platform)


def test_the_policy_spends_as_many_units_as_the_tenant_allows(
        platform: Platform, tmp_path: Path) -> None:
    platform.tenant("acme").settings.set(AUTO_SPEND_SETTING, 1)
    run = Run(_steps_deps(platform, tmp_path), approvals="auto")
    final = run.start(CLINIC_AR).value
    assert final["status"] == "done"
    assert [d["kind"] for d in final["decisions"]] == ["approve", "approve", "approve"]
    assert final["allowance"] == {"steps": 1}
    assert ("policy", "approval.spend.approve") in _audit(platform)


def test_a_second_unit_is_refused_when_the_tenant_allows_only_one(
        platform: Platform, tmp_path: Path) -> None:
    platform.tenant("acme").settings.set(AUTO_SPEND_SETTING, 1)
    # Budget 2: the coder asks at 4 steps (one unit: 4), and again at 5 (two units would be 6).
    deps = dataclasses.replace(make_deps(platform, tmp_path / "projects"), max_steps=2)
    final = Run(deps, approvals="auto").start(CLINIC_AR).value
    assert final["status"] == "failed"
    assert [d["kind"] for d in final["decisions"][-2:]] == ["approve", "reject"]
    assert "(5 steps used, 4 allowed)" in final["error"]


def test_a_deployment_budget_that_asks_is_a_spend_approval_before_deploying(
        platform: Platform, tmp_path: Path) -> None:
    budgets = Governance(platform, "acme").budgets
    budgets.set_limit(operator("acme"), Metric.DEPLOYMENTS,
                      Limit(limit=0, period="total", on_exceed="ask"))
    deployer = RecordingDeployer()
    deps = dataclasses.replace(make_deps(platform, tmp_path / "projects", deployer=deployer),
                               budget=RunBudget(budgets, "acme"))
    run = Run(deps)
    run.start(CLINIC_AR)
    run.decide("approve")
    (spend,) = run.decide("approve").interrupts
    assert spend.value["kind"] == "spend"
    assert spend.value["details"]["budget"] == "deployments"
    assert spend.value["details"]["resume"] == "deployer"
    assert deployer.deployments == []
    final = run.decide("approve").value
    # The deployer's own budget check sees the approved unit and deploys once.
    assert final["status"] == "done", final.get("error")
    assert deployer.deployments == [run.run_id]
    assert budgets.used(Metric.DEPLOYMENTS, run_id=run.run_id) == 1


def test_a_model_cost_budget_that_asks_stops_further_work_until_approved(
        platform: Platform, tmp_path: Path) -> None:
    budgets = Governance(platform, "acme").budgets
    budgets.set_limit(operator("acme"), Metric.MODEL_COST,
                      Limit(limit=5_000, period="month", on_exceed="ask"))
    budgets.record("earlier-run", {Metric.MODEL_COST: 6_000})
    deps = dataclasses.replace(make_deps(platform, tmp_path / "projects"),
                               budget=RunBudget(budgets, "acme"))
    run = Run(deps)
    run.start(CLINIC_AR)
    (spend,) = run.decide("approve").interrupts
    assert spend.value["details"]["budget"] == "model_cost_micro_usd"
    assert spend.value["details"]["unit"] == 5_000
    assert run.decide("approve").interrupts[0].value["kind"] == "release"
