"""The approval policy: one server-side decision for every action, keyed on the action's risk.

`decide(action, risk, member, context)` returns ALLOW (auto-approved), ASK (a person with at
least `approver_role` must approve) or DENY (with the reason). The order of the rules:

1. The member must be an active member of this tenant (else DENY).
2. The constitution's hard rules: no deploy while tests fail, no deploy to a region the data may
   not live in, no constitution change by an AI (else DENY).
3. The member's role must be allowed to request the risk at all (a viewer only reads).
4. A release with open (unwaived) blocking compliance findings is never approved automatically:
   an owner must approve it in person (ASK, audited like every approval).
5. Production deploys need the constitution's `production_approval` role (ASK).
6. Risks below the tenant's "approve for me below" threshold, and risks the default table
   auto-approves, are ALLOWed unless the constitution says `always_ask` for them; the rest ASK.

`automatic_release` is the same rule for a run started with approvals="auto" (`--yes`): the policy
may approve a release in a person's place only when the tests passed and every blocking finding
is covered by an owner's unexpired waiver; otherwise a person must decide, and the verdict's
localized reason says why.

`approve` / `reject` record who decided, when, what and why in the audit log; an approval by
someone without the role, from another tenant or not active is refused, and the refusal is
audited too. Every decision above `read` is audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from webnova.core.events import utcnow
from webnova.core.platform import TenantHandle
from webnova.governance.compliance.engine import WaiverInfo
from webnova.governance.constitution import Constitution, Constitutions
from webnova.governance.errors import AccessDenied, InvalidInput
from webnova.governance.people import Member, People, Role, authorize, role_label
from webnova.i18n import _

AUTO_APPROVE_SETTING: Final = "governance.auto_approve_below"
DEPLOY_ACTIONS: Final = frozenset({"deploy", "release"})


class Risk(StrEnum):
    """How much harm an action can do, in increasing order."""

    READ = "read"
    WRITE = "write"
    EXTERNAL = "external"
    DESTRUCTIVE = "destructive"
    SPEND = "spend"

    @property
    def rank(self) -> int:
        """Position in the order read < write < external < destructive < spend."""
        return list(Risk).index(self)


class Outcome(StrEnum):
    """What happens to the action."""

    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


class RiskRule(BaseModel):
    """The default handling of one risk."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    auto: bool
    requester: Role = Field(description="Lowest role that may request the action.")
    approver: Role = Field(description="Lowest role that may approve it when asked.")


DEFAULT_RULES: Final = {
    Risk.READ: RiskRule(auto=True, requester=Role.VIEWER, approver=Role.ADMIN),
    Risk.WRITE: RiskRule(auto=True, requester=Role.DEVELOPER, approver=Role.ADMIN),
    Risk.EXTERNAL: RiskRule(auto=False, requester=Role.DEVELOPER, approver=Role.ADMIN),
    Risk.DESTRUCTIVE: RiskRule(auto=False, requester=Role.DEVELOPER, approver=Role.OWNER),
    Risk.SPEND: RiskRule(auto=False, requester=Role.DEVELOPER, approver=Role.OWNER),
}


class ActionContext(BaseModel):
    """Facts about the action that the constitution's rules look at."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    target: str = ""
    environment: str | None = None
    tests_passed: bool | None = None
    region: str | None = None
    amount_usd: float | None = None
    via_ai: bool = False
    # Blocking compliance findings (control ids) no unexpired waiver covers, for a release.
    open_findings: tuple[str, ...] = ()


class Decision(BaseModel):
    """The policy's answer for one action."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    tenant_id: str
    action: str
    risk: Risk
    outcome: Outcome
    requested_by: str
    approver_role: Role | None = None
    code: str
    reason: str
    context: ActionContext
    decided_at: dt.datetime


class ApprovalRecord(BaseModel):
    """A person's answer to an ASK: who, when, what and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    decision_id: str
    action: str
    risk: Risk
    approved: bool
    by: str
    role: Role
    reason: str
    at: dt.datetime
    audit_seq: int


class ApprovalPolicy:
    """Decisions and approvals for one tenant."""

    def __init__(self, tenant: TenantHandle, people: People,
                 constitutions: Constitutions) -> None:
        self._tenant = tenant
        self._people = people
        self._constitutions = constitutions

    # ------------------------------------------------------------------ threshold

    def auto_approve_below(self) -> Risk | None:
        """The tenant's "approve for me below risk X" setting (None: only the defaults)."""
        value = self._tenant.settings.get(AUTO_APPROVE_SETTING)
        return Risk(value) if value else None

    def set_auto_approve_below(self, by: Member, risk: Risk | None) -> None:
        """Set (or clear) the threshold; needs the `policy.set` permission (owners)."""
        by = self._people.current(by)
        check = authorize(by, "policy.set", tenant_id=self._tenant.id)
        if not check.allowed:
            self._tenant.audit.record(by.actor, "policy.set.refused", AUTO_APPROVE_SETTING,
                                      {"reason": check.code})
            raise AccessDenied(check.reason)
        old = self.auto_approve_below()
        if risk is None:
            self._tenant.settings.delete(AUTO_APPROVE_SETTING)
        else:
            self._tenant.settings.set(AUTO_APPROVE_SETTING, risk.value)
        self._tenant.audit.record(by.actor, "policy.set", AUTO_APPROVE_SETTING, {
            "from": old.value if old else None, "to": risk.value if risk else None})

    # ------------------------------------------------------------------ deciding

    def decide(self, action: str, risk: Risk, member: Member,
               context: ActionContext | None = None) -> Decision:
        """The decision for `member` doing `action` of `risk` (audited above read)."""
        context = context or ActionContext()
        member = self._people.current(member)
        outcome, approver, code, reason = self._evaluate(action, risk, member, context)
        decision = Decision(id=str(uuid.uuid4()), tenant_id=self._tenant.id, action=action,
                            risk=risk, outcome=outcome, requested_by=member.actor,
                            approver_role=approver, code=code, reason=reason, context=context,
                            decided_at=utcnow())
        if risk is not Risk.READ or outcome is not Outcome.ALLOW:
            self._tenant.audit.record(member.actor, f"policy.{outcome.value}",
                                      context.target or action, _decision_detail(decision))
        return decision

    def _evaluate(self, action: str, risk: Risk, member: Member,
                  context: ActionContext) -> tuple[Outcome, Role | None, str, str]:
        check = authorize(member, "project.read", tenant_id=self._tenant.id)
        if not check.allowed:
            return Outcome.DENY, None, check.code, check.reason
        rules = self._constitutions.current()
        hard = _constitution_denial(action, context, rules)
        if hard:
            return Outcome.DENY, None, hard[0], hard[1]
        rule = DEFAULT_RULES[risk]
        if member.role.rank < rule.requester.rank and action not in member.permissions:
            return Outcome.DENY, None, "role", _(
                "{who} ({role}) may not request {risk} actions.").format(
                    who=member.email, role=role_label(member.role), risk=risk.value)
        production = Role(rules.deploy.production_approval) \
            if context.environment == "production" else Role.OWNER
        if action in DEPLOY_ACTIONS and context.open_findings:
            role = max(production, Role.OWNER, key=lambda r: r.rank)
            return Outcome.ASK, role, "open_findings", _(
                "Open compliance findings ({ids}) block an automatic release; {role} must "
                "approve it in person, or an owner waive each finding with a reason.").format(
                    ids=", ".join(context.open_findings), role=role_label(role))
        if action in DEPLOY_ACTIONS and context.environment == "production":
            role = production
            return Outcome.ASK, role, "production_deploy", _(
                "The constitution requires approval by {role} for production deploys.").format(
                    role=role_label(role))
        threshold = self.auto_approve_below()
        below = threshold is not None and risk.rank < threshold.rank
        if (rule.auto or below) and risk.value not in rules.approvals.always_ask:
            return Outcome.ALLOW, None, "auto", _("Approved automatically by the policy.")
        return Outcome.ASK, rule.approver, "ask", _(
            "{risk} actions need approval by {role}.").format(
                risk=risk.value, role=role_label(rule.approver))

    # ------------------------------------------------------------------ approving

    def approve(self, decision: Decision, approver: Member, reason: str = "") -> ApprovalRecord:
        """Approve an ASK; refused (and audited) unless `approver` may approve it."""
        return self._answer(decision, approver, reason, approved=True)

    def reject(self, decision: Decision, approver: Member, reason: str = "") -> ApprovalRecord:
        """Reject an ASK (a timeout or an unclear answer is a rejection too)."""
        return self._answer(decision, approver, reason, approved=False)

    def _answer(self, decision: Decision, approver: Member, reason: str, *,
                approved: bool) -> ApprovalRecord:
        if decision.outcome is not Outcome.ASK:
            raise InvalidInput(_("Only a pending question can be approved or rejected."))
        approver = self._people.current(approver)
        refusal = self._approval_refusal(decision, approver)
        if refusal:
            self._tenant.audit.record(approver.actor, "approval.refused",
                                      decision.context.target or decision.action,
                                      {**_decision_detail(decision), "refused": refusal[0]})
            raise AccessDenied(refusal[1])
        action = "approval.granted" if approved else "approval.rejected"
        entry = self._tenant.audit.record(
            approver.actor, action, decision.context.target or decision.action,
            {**_decision_detail(decision), "role": approver.role.value, "why": reason})
        return ApprovalRecord(decision_id=decision.id, action=decision.action,
                              risk=decision.risk, approved=approved, by=approver.actor,
                              role=approver.role, reason=reason, at=entry.recorded_at,
                              audit_seq=entry.seq)

    def _approval_refusal(self, decision: Decision, approver: Member) -> tuple[str, str] | None:
        if decision.tenant_id != self._tenant.id:
            return "other_tenant", _("This question belongs to another tenant.")
        check = authorize(approver, "project.read", tenant_id=decision.tenant_id)
        if not check.allowed:
            return check.code, check.reason
        needed = decision.approver_role or Role.OWNER
        if approver.role.rank < needed.rank or "!approval.grant" in approver.permissions:
            return "role", _("{who} ({role}) may not approve this; it needs {needed}.").format(
                who=approver.email, role=role_label(approver.role), needed=role_label(needed))
        return None


ReleaseCode = Literal["clear", "waived", "tests_failed", "tests_unknown", "open_findings"]


class ReleaseVerdict(BaseModel):
    """Whether the policy may approve a release in a person's place, and why (localized)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    allowed: bool
    code: ReleaseCode
    reason: str
    open_findings: list[str] = Field(default_factory=list)
    waived: list[str] = Field(default_factory=list)


def automatic_release(failures: Iterable[str], *, tests_passed: bool | None,
                      waivers: Mapping[str, WaiverInfo] | None = None,
                      now: dt.datetime | None = None) -> ReleaseVerdict:
    """The approvals="auto" answer for a release with these blocking findings (control ids).

    Allowed only when the tests passed and every finding is covered by an unexpired waiver;
    otherwise a person must approve (the caller asks instead of approving). `waivers` are the
    project's waivers by control id (`Waivers.for_project`), lapsed ones included: they are
    checked against `now` here.
    """
    found = list(dict.fromkeys(failures))
    held = {c: w for c, w in (waivers or {}).items() if w.active(now)}
    waived = [c for c in found if c in held]
    open_findings = [c for c in found if c not in held]
    if tests_passed is not True:
        code: ReleaseCode = "tests_failed" if tests_passed is False else "tests_unknown"
        reason = _("The tests failed, so the release is not approved automatically; a person "
                   "must decide.") if tests_passed is False else _(
            "No passing test report, so the release is not approved automatically; a person "
            "must decide.")
        return ReleaseVerdict(allowed=False, code=code, reason=reason,
                              open_findings=open_findings, waived=waived)
    if open_findings:
        return ReleaseVerdict(allowed=False, code="open_findings", reason=_(
            "Open compliance findings ({ids}) block an automatic release; an owner must approve "
            "it in person, or waive each finding with a reason.").format(
                ids=", ".join(open_findings)), open_findings=open_findings, waived=waived)
    if waived:
        return ReleaseVerdict(allowed=True, code="waived", reason=_(
            "Approved automatically by the policy: the tests passed and every compliance "
            "finding is waived by an owner ({ids}).").format(ids=", ".join(waived)),
            waived=waived)
    return ReleaseVerdict(allowed=True, code="clear", reason=_(
        "Approved automatically by the policy: the tests passed and no compliance finding is "
        "open."))


def _constitution_denial(action: str, context: ActionContext,
                         constitution: Constitution) -> tuple[str, str] | None:
    if action in DEPLOY_ACTIONS and constitution.deploy.require_passing_tests and \
            context.tests_passed is False:
        return "failing_tests", _("The constitution forbids deploying while tests fail.")
    if context.region is not None and not constitution.region_allowed(context.region):
        return "region", _("The constitution does not allow data in region {region}.").format(
            region=context.region)
    if action == "constitution.change" and context.via_ai and \
            not constitution.ai.may_change_constitution:
        return "ai", _("The constitution forbids an AI to change it.")
    return None


def _decision_detail(decision: Decision) -> dict[str, object]:
    return {"decision": decision.id, "action": decision.action, "risk": decision.risk.value,
            "outcome": decision.outcome.value, "code": decision.code,
            "requested_by": decision.requested_by,
            "context": decision.context.model_dump(exclude_defaults=True)}
