"""The governor agent: reviews the blueprint and the release, and answers for the policy.

The reviews use the compliance packs of `webnova.governance`; the approval itself happens in the
approval nodes (`webnova.graphs.approvals`). With approvals="auto" the policy approves in the
person's place, and says so in the audit log; it never approves a release whose tests failed, and
it refuses a spend (one more budget unit) unless the governance policy or the tenant's
`governance.auto_spend_units` setting allows it (`details.auto_spend` of the request).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from webnova.generator.blueprint import Blueprint
from webnova.governance.compliance.engine import ComplianceReport, evaluate
from webnova.governance.policy import automatic_release
from webnova.graphs.deps import FactoryRuntime, deps_of
from webnova.graphs.events import ReleaseReviewed
from webnova.graphs.state import ALLOWED, ApprovalRequest, Decision, FactoryState, Risk
from webnova.i18n import _, use_locale


def _failures(report: ComplianceReport) -> list[str]:
    return [r.id for r in report.blocking]


def review_blueprint(state: FactoryState, runtime: FactoryRuntime) -> dict[str, Any]:
    """Check the blueprint against its compliance packs and prepare the approval request."""
    deps_of(runtime)
    bp = Blueprint.model_validate(state["blueprint"])
    report = evaluate(blueprint=bp)
    with use_locale(state.get("locale", "en")):
        request = ApprovalRequest(
            kind="blueprint", risk="write", allowed=list(ALLOWED["blueprint"]),
            summary=_("Approve blueprint version {version} of {name} before code is "
                      "generated?").format(version=bp.version, name=bp.name),
            details={"template": bp.template, "domain": bp.domain,
                     "entities": [e.name for e in bp.entities],
                     "features": bp.features.model_dump(mode="json"),
                     "compliance": list(bp.compliance), "packs": list(report.packs),
                     "compliance_failures": _failures(report),
                     "reasons": state.get("analysis", {}).get("reasons", [])})
    return {"review": request.model_dump(mode="json"), "steps": state.get("steps", 0) + 1}


def review_release(state: FactoryState, runtime: FactoryRuntime) -> dict[str, Any]:
    """Check tests and compliance of the generated project and prepare the deploy approval."""
    deps = deps_of(runtime)
    bp = Blueprint.model_validate(state["blueprint"])
    report = evaluate(blueprint=bp, project_dir=Path(state["project_dir"]))
    failures = _failures(report)
    risk: Risk = "destructive" if failures else "external"
    deps.ledger.emit(state["run_id"], ReleaseReviewed(risk=risk, compliance_failures=failures),
                     actor="agent:governor")
    tests = state.get("test_report", {})
    with use_locale(state.get("locale", "en")):
        passed = tests.get("passed") if isinstance(tests.get("passed"), bool) else None
        verdict = deps.release_verdict(report, passed) if deps.release_verdict else \
            automatic_release(failures, tests_passed=passed)
        request = ApprovalRequest(
            kind="release", risk=risk, allowed=list(ALLOWED["release"]),
            summary=_("Deploy {name} (commit {commit})? Tests passed.").format(
                name=bp.name, commit=(state.get("commit") or "-")[:10]),
            details={"commit": state.get("commit"), "tests": tests.get("summary", ""),
                     "packs": list(report.packs), "compliance_failures": failures,
                     "auto_release": verdict.allowed, "auto_release_reason": verdict.reason})
    return {"review": request.model_dump(mode="json"), "steps": state.get("steps", 0) + 1}


def policy_decision(state: FactoryState, request: ApprovalRequest) -> Decision | None:
    """The policy's answer in approvals="auto" mode, or None when a person must decide."""
    if state.get("approvals") != "auto" or request.kind == "clarify":
        return None
    if request.kind == "release":
        # Failing tests or an open, unwaived finding: a person decides (review_release's verdict).
        if request.details.get("auto_release") is not True:
            return None
        return Decision(kind="approve", actor="policy",
                        text=str(request.details.get("auto_release_reason", ""))[:4000])
    if request.kind == "spend":
        if request.details.get("auto_spend") is True:
            return Decision(kind="approve", actor="policy", text=(
                "auto-approved: the tenant's budget settings allow the policy to grant one more "
                f"{request.details.get('budget')} budget"))
        return Decision(kind="reject", actor="policy", text=(
            "refused by the policy: spending beyond the budget needs a person, the tenant's "
            "budget settings do not allow auto-spend"))
    reason = "auto-approved by the run's approvals=auto policy"
    if request.details.get("compliance_failures"):
        # The blueprint stage: findings are shown and audited; the release gate holds them.
        reason += "; open compliance findings: " + ", ".join(
            request.details["compliance_failures"])
    return Decision(kind="approve", text=reason, actor="policy")
