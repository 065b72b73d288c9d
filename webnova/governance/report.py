"""The governance report of a project: controls, status, evidence, waivers and approvals.

`build_report` evaluates a project directory or a blueprint file; with a `Governance` it also
attaches the tenant's waivers and the approvals recorded for the project. `render_text` writes
it for people (in the current language), `GovernanceReport.model_dump_json` for machines; the
chat shows the same text.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from webnova.generator.validation import parse_blueprint
from webnova.governance.compliance.engine import ComplianceReport, evaluate
from webnova.governance.errors import InvalidInput
from webnova.governance.service import Governance
from webnova.i18n import _, current_locale


class ApprovalLine(BaseModel):
    """An approval or rejection recorded for the project."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seq: int
    action: str
    by: str
    at: str
    risk: str
    why: str


class GovernanceReport(BaseModel):
    """Everything the governor knows about one project."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    compliance: ComplianceReport
    release_allowed: bool
    blocking: list[str]
    approvals: list[ApprovalLine] = Field(default_factory=list)


def build_report(target: Path, governance: Governance | None = None,
                 deploy_region: str | None = None,
                 deploy_url: str | None = None) -> GovernanceReport:
    """Evaluate a project directory or a blueprint file (raises InvalidInput when unreadable)."""
    constitution = governance.constitution.current() if governance is not None else None
    if target.is_dir():
        report = evaluate(project_dir=target, constitution=constitution,
                          deploy_region=deploy_region, deploy_url=deploy_url)
    elif target.is_file():
        parsed = parse_blueprint(target.read_bytes(), filename=target.name)
        if parsed.blueprint is None:
            raise InvalidInput(_("{path} is not a valid blueprint: {problems}").format(
                path=target, problems="; ".join(str(i) for i in parsed.issues[:5])))
        report = evaluate(blueprint=parsed.blueprint, constitution=constitution,
                          deploy_region=deploy_region, deploy_url=deploy_url)
    else:
        raise InvalidInput(_("{path} does not exist.").format(path=target))
    approvals: list[ApprovalLine] = []
    if governance is not None:
        report = governance.waivers.apply(report)
        approvals = _approvals(governance, report.project)
    return GovernanceReport(compliance=report, release_allowed=report.release_allowed,
                            blocking=[r.id for r in report.blocking], approvals=approvals)


def _approvals(governance: Governance, project: str) -> list[ApprovalLine]:
    """The project's approvals: policy decisions on it, and the gates of the runs that built it.

    A run's gates are audited as `approval.<gate>.<decision>` with the project's slug in the
    detail (the run is their target).
    """
    lines = []
    for entry in governance.tenant.audit.entries():
        policy = entry.action in ("approval.granted", "approval.rejected") and \
            project in entry.target
        gate = entry.action.startswith("approval.") and entry.detail.get("project") == project
        if policy or gate:
            why = entry.detail.get("why") or entry.detail.get("reason") or ""
            lines.append(ApprovalLine(seq=entry.seq, action=entry.action, by=entry.actor,
                                      at=entry.recorded_at.isoformat(timespec="seconds"),
                                      risk=str(entry.detail.get("risk", "")), why=str(why)))
    return lines


def render_text(report: GovernanceReport, locale: str | None = None) -> str:
    """The report as plain text lines in `locale` (default: the current language)."""
    lang = locale or current_locale()
    c = report.compliance
    status_names = {"pass": _("pass"), "fail": _("FAIL"), "not_checked": _("not checked")}
    lines = [_("Compliance of {project} (packs: {packs}; checked: {stages})").format(
        project=c.project, packs=", ".join(c.packs) or "-", stages=", ".join(c.stages) or "-")]
    for result in c.results:
        status = status_names[result.status]
        if result.waiver is not None:
            status = _("waived by {who}: {why}").format(who=result.waiver.by,
                                                        why=result.waiver.reason)
        lines.append(f"[{status}] {result.id} {result.title.get(lang)} ({result.ref})")
        for finding in (f for s in result.stages for f in s.findings):
            mark = "+" if finding.ok else "-"
            where = f" @ {finding.location}" if finding.location else ""
            lines.append(f"    {mark} {finding.message.get(lang)}{where}")
        if result.expired_waiver is not None and result.expired_waiver.expires_at is not None:
            lines.append("    " + _("The waiver by {who} lapsed on {date}: {why}").format(
                who=result.expired_waiver.by, why=result.expired_waiver.reason,
                date=result.expired_waiver.expires_at.date().isoformat()))
        if result.status == "fail":
            lines.append("    " + _("Fix: {fix}").format(fix=result.fix.get(lang)))
    for approval in report.approvals:
        lines.append(_("Approval #{seq}: {action} by {who} at {at}: {why}").format(
            seq=approval.seq, action=approval.action, who=approval.by, at=approval.at,
            why=approval.why or "-"))
    lines.append(_("Release allowed.") if report.release_allowed else
                 _("Release blocked by: {ids}").format(ids=", ".join(report.blocking)))
    return "\n".join(lines)
