"""Approval policy, constitution, budgets and waivers on both backends."""

from __future__ import annotations

import pytest

from webnova.core.platform import Platform
from webnova.governance.budgets import Limit, Metric
from webnova.governance.errors import AccessDenied, InvalidInput
from webnova.governance.people import Member, Role
from webnova.governance.policy import ActionContext, Outcome, Risk
from webnova.governance.service import Governance

PASSWORD = "correct horse battery"


@pytest.fixture
def gov(platform: Platform, tenant_id: str) -> Governance:
    return Governance(platform, tenant_id)


@pytest.fixture
def people(gov: Governance) -> dict[Role, Member]:
    root = gov.people.create_owner("root@example.com", PASSWORD)
    out = {Role.ROOT_OWNER: root}
    for role in (Role.OWNER, Role.ADMIN, Role.DEVELOPER, Role.VIEWER):
        out[role] = gov.people.add(root, f"{role.value.lower()}@example.com", PASSWORD, role)
    return out


# ---------------------------------------------------------------- policy


def test_reads_and_writes_are_automatic_and_riskier_actions_ask(
        gov: Governance, people: dict[Role, Member]) -> None:
    dev = people[Role.DEVELOPER]
    outcomes = {risk: gov.policy.decide("tool", risk, dev) for risk in Risk}
    assert {r: d.outcome for r, d in outcomes.items()} == {
        Risk.READ: Outcome.ALLOW, Risk.WRITE: Outcome.ALLOW, Risk.EXTERNAL: Outcome.ASK,
        Risk.DESTRUCTIVE: Outcome.ASK, Risk.SPEND: Outcome.ASK}
    assert outcomes[Risk.EXTERNAL].approver_role is Role.ADMIN
    assert outcomes[Risk.SPEND].approver_role is Role.OWNER


def test_a_viewer_may_read_but_not_write(gov: Governance, people: dict[Role, Member]) -> None:
    viewer = people[Role.VIEWER]
    assert gov.policy.decide("read", Risk.READ, viewer).outcome is Outcome.ALLOW
    denied = gov.policy.decide("edit", Risk.WRITE, viewer)
    assert denied.outcome is Outcome.DENY and denied.code == "role"


def test_approve_for_me_below_a_risk_auto_approves_lower_risks_only(
        gov: Governance, people: dict[Role, Member]) -> None:
    owner, dev = people[Role.OWNER], people[Role.DEVELOPER]
    with pytest.raises(AccessDenied):
        gov.policy.set_auto_approve_below(dev, Risk.SPEND)
    gov.policy.set_auto_approve_below(owner, Risk.DESTRUCTIVE)
    assert gov.tenant.settings.get("governance.auto_approve_below") == "destructive"
    assert gov.policy.decide("call api", Risk.EXTERNAL, dev).outcome is Outcome.ALLOW
    assert gov.policy.decide("drop", Risk.DESTRUCTIVE, dev).outcome is Outcome.ASK


def test_an_approval_records_who_when_what_and_why(gov: Governance,
                                                   people: dict[Role, Member]) -> None:
    decision = gov.policy.decide("delete project", Risk.DESTRUCTIVE, people[Role.DEVELOPER],
                                 ActionContext(target="project:shop"))
    record = gov.policy.approve(decision, people[Role.OWNER], reason="old prototype")
    entry = list(gov.tenant.audit.entries())[-1]
    assert (entry.seq, entry.actor, entry.action, entry.target) == (
        record.audit_seq, "owner@example.com", "approval.granted", "project:shop")
    assert entry.detail["why"] == "old prototype"
    assert entry.detail["requested_by"] == "developer@example.com"
    assert entry.detail["risk"] == "destructive" and record.at == entry.recorded_at


def test_approvals_by_the_wrong_role_another_tenant_or_a_suspended_member_are_refused(
        platform: Platform, gov: Governance, people: dict[Role, Member], tenant_id: str) -> None:
    decision = gov.policy.decide("deploy", Risk.DESTRUCTIVE, people[Role.DEVELOPER])
    with pytest.raises(AccessDenied):
        gov.policy.approve(decision, people[Role.ADMIN])  # needs an owner
    other = Governance(platform, f"{tenant_id}-x")
    stranger = other.people.create_owner("boss@other.example", PASSWORD)
    with pytest.raises(AccessDenied):
        gov.policy.approve(decision, stranger)
    with pytest.raises(AccessDenied):
        other.policy.approve(decision, stranger)  # the question belongs to another tenant
    gov.people.suspend(people[Role.ROOT_OWNER], "owner@example.com")
    with pytest.raises(AccessDenied):
        gov.policy.approve(decision, people[Role.OWNER])  # read before the suspension
    refusals = [e.detail["refused"] for e in gov.tenant.audit.entries()
                if e.action == "approval.refused"]
    assert refusals == ["role", "other_tenant", "inactive"]
    assert [e.detail["refused"] for e in other.tenant.audit.entries()
            if e.action == "approval.refused"] == ["other_tenant"]


def test_only_questions_can_be_approved(gov: Governance, people: dict[Role, Member]) -> None:
    allowed = gov.policy.decide("read", Risk.READ, people[Role.DEVELOPER])
    with pytest.raises(InvalidInput):
        gov.policy.approve(allowed, people[Role.OWNER])


def test_a_suspended_member_gets_only_denials(gov: Governance,
                                              people: dict[Role, Member]) -> None:
    gov.people.suspend(people[Role.ROOT_OWNER], "developer@example.com")
    decision = gov.policy.decide("read", Risk.READ, people[Role.DEVELOPER])
    assert decision.outcome is Outcome.DENY and decision.code == "inactive"
    assert list(gov.tenant.audit.entries())[-1].action == "policy.deny"


# ---------------------------------------------------------------- constitution

STRICT = """\
constitution: 1
deploy:
  production_approval: OWNER
  require_passing_tests: true
data:
  allowed_regions: [frankfurt, eu-central-1]
spend:
  max_per_day_usd: 5
ai:
  may_change_constitution: false
"""


def test_the_constitution_governs_deploys(gov: Governance, people: dict[Role, Member]) -> None:
    gov.constitution.change(people[Role.OWNER], STRICT)
    dev = people[Role.DEVELOPER]
    failing = gov.policy.decide("deploy", Risk.EXTERNAL, dev,
                                ActionContext(environment="staging", tests_passed=False))
    assert (failing.outcome, failing.code) == (Outcome.DENY, "failing_tests")
    abroad = gov.policy.decide("deploy", Risk.EXTERNAL, dev,
                               ActionContext(environment="staging", region="us-east-1"))
    assert (abroad.outcome, abroad.code) == (Outcome.DENY, "region")
    production = gov.policy.decide("deploy", Risk.EXTERNAL, dev, ActionContext(
        environment="production", tests_passed=True, region="frankfurt"))
    assert (production.outcome, production.approver_role) == (Outcome.ASK, Role.OWNER)
    with pytest.raises(AccessDenied):
        gov.policy.approve(production, people[Role.ADMIN])
    assert gov.policy.approve(production, people[Role.OWNER], "release 1.0").approved


def test_only_owners_change_the_constitution_and_each_change_is_audited_with_a_diff(
        gov: Governance, people: dict[Role, Member]) -> None:
    with pytest.raises(AccessDenied):
        gov.constitution.change(people[Role.ADMIN], STRICT)
    result = gov.constitution.change(people[Role.OWNER], STRICT)
    assert result.accepted and result.version == 1
    assert "+  allowed_regions: [frankfurt, eu-central-1]" in result.diff
    entry = list(gov.tenant.audit.entries())[-1]
    assert entry.action == "constitution.changed" and entry.detail["diff"] == result.diff
    second = gov.constitution.change(people[Role.ROOT_OWNER], STRICT.replace("5", "7"))
    assert second.version == 2
    assert "-  max_per_day_usd: 5\n+  max_per_day_usd: 7" in second.diff
    assert [v.version for v in gov.constitution.history()] == [1, 2]


def test_an_ai_may_not_change_the_constitution_for_its_owner(
        gov: Governance, people: dict[Role, Member]) -> None:
    with pytest.raises(AccessDenied, match="AI"):
        gov.constitution.change(people[Role.OWNER], STRICT, via_ai=True)
    assert gov.constitution.current_version().version == 0
    assert list(gov.tenant.audit.entries())[-1].detail == {"reason": "ai", "via_ai": True}


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("constitution: 1\ndeploy: [oops\n", 3, "not valid YAML"),
    ("constitution: 1\ndeploy:\n  require_passing_tests: maybe\n", 3, "boolean"),
    ("constitution: 1\nspend:\n  max_per_day_usd: 10\n  max_per_day_usd: 20\n", 4, "duplicate"),
    ("constitution: 1\ndata:\n  allowed_regions: [fra1]\n  forbidden_regions: [ams1, fra1]\n",
     4, "both allowed and forbidden"),
    ("constitution: 1\nspend:\n  max_per_day_usd: 100\n  max_per_month_usd: 50\n", 3,
     "daily cap"),
    ("constitution: 1\ndeploy:\n  production_approval: VIEWER\n", 3, "never be approved"),
    ("constitution: 1\nbudget: 5\n", 2, "Extra inputs"),
])
def test_a_broken_or_self_contradicting_constitution_is_rejected_and_the_old_one_kept(
        gov: Governance, people: dict[Role, Member], text: str, line: int, reason: str) -> None:
    gov.constitution.change(people[Role.OWNER], STRICT)
    result = gov.constitution.change(people[Role.OWNER], text)
    assert not result.accepted and result.version == 1
    assert result.problems[0].line == line
    assert reason in result.problems[0].reason
    assert gov.constitution.current_version().text == STRICT
    assert list(gov.tenant.audit.entries())[-1].action == "constitution.rejected"


# ---------------------------------------------------------------- budgets


def test_usage_within_a_limit_passes_and_beyond_it_asks_for_a_spend_approval(
        gov: Governance, people: dict[Role, Member]) -> None:
    dev = people[Role.DEVELOPER]
    gov.budgets.set_limit(people[Role.ADMIN], Metric.MODEL_TOKENS, Limit(limit=1000,
                                                                         period="day"))
    gov.budgets.record("run-1", {Metric.MODEL_TOKENS: 900, Metric.SANDBOX_MS: 1200})
    assert gov.budgets.used(Metric.MODEL_TOKENS, "day") == 900
    assert gov.budgets.check(dev, Metric.MODEL_TOKENS, 100).within
    over = gov.budgets.check(dev, Metric.MODEL_TOKENS, 101, run_id="run-2")
    assert not over.within and over.decision is not None
    assert (over.decision.outcome, over.decision.risk) == (Outcome.ASK, Risk.SPEND)
    assert gov.policy.approve(over.decision, people[Role.OWNER], "demo day").approved


def test_a_stop_limit_and_the_constitutions_daily_spend_cap_stop_the_run(
        gov: Governance, people: dict[Role, Member]) -> None:
    dev = people[Role.DEVELOPER]
    gov.budgets.set_limit(people[Role.ADMIN], Metric.DEPLOYMENTS,
                          Limit(limit=1, period="month", on_exceed="stop"))
    gov.budgets.record("run-1", {Metric.DEPLOYMENTS: 1})
    stopped = gov.budgets.check(dev, Metric.DEPLOYMENTS, 1)
    assert stopped.decision is not None and stopped.decision.outcome is Outcome.DENY
    gov.constitution.change(people[Role.OWNER], STRICT)  # max_per_day_usd: 5
    gov.budgets.record("run-1", {Metric.MODEL_COST: 4_900_000})
    capped = gov.budgets.check(dev, Metric.MODEL_COST, 200_000)
    assert capped.limit == 5_000_000 and capped.decision is not None
    assert capped.decision.outcome is Outcome.DENY
    assert "budget.stopped" in [e.action for e in gov.tenant.audit.entries()]


def test_only_admins_set_budgets(gov: Governance, people: dict[Role, Member]) -> None:
    with pytest.raises(AccessDenied):
        gov.budgets.set_limit(people[Role.DEVELOPER], Metric.PROJECTS, Limit(limit=3))
    with pytest.raises(InvalidInput):
        gov.budgets.record("run", {Metric.PROJECTS: -1})


# ---------------------------------------------------------------- waivers


def test_a_waiver_needs_an_owner_and_a_reason(gov: Governance,
                                              people: dict[Role, Member]) -> None:
    with pytest.raises(InvalidInput):
        gov.waivers.waive(people[Role.OWNER], "shop", "pci-dss.tls", "   ")
    with pytest.raises(AccessDenied):
        gov.waivers.waive(people[Role.ADMIN], "shop", "pci-dss.tls", "TLS ends at our proxy")
    with pytest.raises(InvalidInput):
        gov.waivers.waive(people[Role.OWNER], "shop", "pci-dss.nope", "TLS ends at our proxy")
    waiver = gov.waivers.waive(people[Role.OWNER], "shop", "pci-dss.tls",
                               "TLS ends at our proxy")
    assert gov.waivers.for_project("shop") == {"pci-dss.tls": waiver}
    assert gov.waivers.for_project("other") == {}
    actions = [e.action for e in gov.tenant.audit.entries()][-4:]
    assert actions == ["compliance.waive.refused"] * 3 + ["compliance.waived"]
