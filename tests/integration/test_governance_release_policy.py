"""A release with open blocking findings is never approved automatically; waivers lapse.

On both backends: the policy asks an owner in person (audited) instead of auto-approving, whatever
the tenant's "approve for me below" threshold; the approvals="auto" verdict follows the same rule;
a waiver covers a finding only until the constitution's `compliance.waiver_days` have passed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from tests.unit.governance_trees import compliant_data
from webnova.core.platform import Platform
from webnova.generator.blueprint import Blueprint
from webnova.governance.compliance.engine import evaluate
from webnova.governance.constitution import parse_constitution
from webnova.governance.errors import AccessDenied
from webnova.governance.people import Member, Role
from webnova.governance.policy import ActionContext, Outcome, Risk, automatic_release
from webnova.governance.report import GovernanceReport, render_text
from webnova.governance.service import Governance
from webnova.governance.tamper import publish_current_head, verify_repo

PASSWORD = "correct horse battery"
FINDING = "hipaa.phi-encryption"


@pytest.fixture
def gov(platform: Platform, tenant_id: str) -> Governance:
    return Governance(platform, tenant_id)


@pytest.fixture
def people(gov: Governance) -> dict[Role, Member]:
    root = gov.people.create_owner("root@example.com", PASSWORD)
    out = {Role.ROOT_OWNER: root}
    for role in (Role.OWNER, Role.ADMIN, Role.DEVELOPER):
        out[role] = gov.people.add(root, f"{role.value.lower()}@example.com", PASSWORD, role)
    return out


def _release(open_findings: tuple[str, ...] = ()) -> ActionContext:
    return ActionContext(target="project:clinic", tests_passed=True, open_findings=open_findings)


def test_open_findings_make_the_release_ask_an_owner_even_under_approve_for_me(
        gov: Governance, people: dict[Role, Member]) -> None:
    dev, admin, owner = people[Role.DEVELOPER], people[Role.ADMIN], people[Role.OWNER]
    gov.policy.set_auto_approve_below(owner, Risk.SPEND)  # "approve everything for me"
    clean = gov.policy.decide("release", Risk.EXTERNAL, dev, _release())
    assert clean.outcome is Outcome.ALLOW
    blocked = gov.policy.decide("release", Risk.EXTERNAL, dev,
                                _release(open_findings=(FINDING,)))
    assert (blocked.outcome, blocked.code, blocked.approver_role) == (
        Outcome.ASK, "open_findings", Role.OWNER)
    assert FINDING in blocked.reason and "in person" in blocked.reason
    with pytest.raises(AccessDenied):
        gov.policy.approve(blocked, admin, reason="ship it")
    record = gov.policy.approve(blocked, owner, reason="encryption lands next sprint")
    entries = list(gov.tenant.audit.entries())
    refused, granted = entries[-2], entries[-1]
    assert (refused.action, refused.actor) == ("approval.refused", "admin@example.com")
    assert (granted.seq, granted.action, granted.actor) == (
        record.audit_seq, "approval.granted", "owner@example.com")
    assert granted.detail["code"] == "open_findings"
    assert granted.detail["context"]["open_findings"] == [FINDING]
    assert granted.detail["why"] == "encryption lands next sprint"


def test_a_production_release_with_findings_needs_the_higher_of_both_roles(
        gov: Governance, people: dict[Role, Member]) -> None:
    gov.constitution.change(people[Role.OWNER], "constitution: 1\ndeploy:\n"
                            "  production_approval: ROOT_OWNER\n")
    decision = gov.policy.decide("deploy", Risk.EXTERNAL, people[Role.DEVELOPER], ActionContext(
        environment="production", tests_passed=True, open_findings=(FINDING,)))
    assert (decision.outcome, decision.approver_role) == (Outcome.ASK, Role.ROOT_OWNER)
    with pytest.raises(AccessDenied):
        gov.policy.approve(decision, people[Role.OWNER])


def test_a_waiver_covers_an_automatic_release_until_it_lapses(
        gov: Governance, people: dict[Role, Member]) -> None:
    gov.constitution.change(people[Role.OWNER], "constitution: 1\ncompliance:\n"
                            "  waiver_days: 7\n")
    waiver = gov.waivers.waive(people[Role.OWNER], "clinic", FINDING,
                               "the field holds initials only")
    assert waiver.expires_at == waiver.at + dt.timedelta(days=7)
    waivers = gov.waivers.for_project("clinic")
    soon, late = waiver.at + dt.timedelta(days=6), waiver.at + dt.timedelta(days=8)
    covered = automatic_release([FINDING], tests_passed=True, waivers=waivers, now=soon)
    assert (covered.allowed, covered.code, covered.waived) == (True, "waived", [FINDING])
    lapsed = automatic_release([FINDING], tests_passed=True, waivers=waivers, now=late)
    assert (lapsed.allowed, lapsed.code, lapsed.open_findings) == (False, "open_findings",
                                                                    [FINDING])
    assert gov.waivers.active_for_project("clinic", now=soon) == waivers
    assert gov.waivers.active_for_project("clinic", now=late) == {}


def test_a_lapsed_waiver_no_longer_unblocks_the_report(
        gov: Governance, people: dict[Role, Member]) -> None:
    data = compliant_data()
    data["entities"][0]["fields"][0]["encrypted"] = False
    report = evaluate(blueprint=Blueprint.model_validate(data))
    assert [r.id for r in report.blocking] == [FINDING]
    waiver = gov.waivers.waive(people[Role.OWNER], report.project, FINDING,
                               "the field holds initials only")
    assert gov.waivers.apply(report, now=waiver.at + dt.timedelta(days=1)).release_allowed
    stale = gov.waivers.apply(report, now=waiver.at + dt.timedelta(days=91))  # default: 90
    assert [r.id for r in stale.blocking] == [FINDING]
    assert stale.result(FINDING).expired_waiver == waiver
    text = render_text(GovernanceReport(compliance=stale, release_allowed=stale.release_allowed,
                                        blocking=[r.id for r in stale.blocking]), "en")
    assert waiver.expires_at is not None
    assert f"lapsed on {waiver.expires_at.date().isoformat()}" in text
    assert f"Release blocked by: {FINDING}" in text


def test_the_waiver_lifetime_is_checked_when_the_constitution_is_parsed() -> None:
    bad = parse_constitution("constitution: 1\ncompliance:\n  waiver_days: 0\n")
    assert bad.constitution is None
    assert [(p.line, p.path) for p in bad.problems] == [(3, "compliance.waiver_days")]
    never = parse_constitution("constitution: 1\ncompliance:\n  waiver_days: null\n")
    assert never.constitution is not None
    assert never.constitution.compliance.waiver_days is None


def test_the_tenants_release_verdict_counts_its_waivers(
        gov: Governance, people: dict[Role, Member]) -> None:
    data = compliant_data()
    data["entities"][0]["fields"][0]["encrypted"] = False
    report = evaluate(blueprint=Blueprint.model_validate(data))
    refused = gov.release_verdict(report, tests_passed=True)
    assert (refused.allowed, refused.open_findings) == (False, [FINDING])
    gov.waivers.waive(people[Role.OWNER], report.project, FINDING, "the field holds initials")
    allowed = gov.release_verdict(report, tests_passed=True)
    assert (allowed.allowed, allowed.code, allowed.waived) == (True, "waived", [FINDING])
    assert not gov.release_verdict(report, tests_passed=False).allowed


# ---------------------------------------------------------------- publishing heads


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C",
                    str(repo), *args], check=True, capture_output=True)


def test_the_current_head_is_published_after_an_approval_and_verified(
        gov: Governance, people: dict[Role, Member], tmp_path: Path) -> None:
    assert not publish_current_head(gov.tenant.audit, None, reason="approval:blueprint").ok
    repo = tmp_path / "clinic"
    repo.mkdir()
    assert "not a git repository" in publish_current_head(
        gov.tenant.audit, repo, reason="approval:release").error
    (repo / "README.md").write_text("clinic\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "generated")
    decision = gov.policy.decide("release", Risk.EXTERNAL, people[Role.DEVELOPER],
                                 _release(open_findings=(FINDING,)))
    record = gov.policy.approve(decision, people[Role.OWNER], reason="accepted for the pilot")
    published = publish_current_head(gov.tenant.audit, repo, reason="approval:release")
    assert published.ok
    assert published.tag == f"webnova-audit/{gov.tenant.id}/{record.audit_seq}"
    check = verify_repo(gov.tenant.audit, gov.tenant.id, repo)
    assert (check.ok, check.published) == (True, 1)
