"""`Governance`: every part of the governor for one tenant, wired together."""

from __future__ import annotations

from webnova.core.platform import Platform
from webnova.governance.budgets import Budgets
from webnova.governance.compliance.engine import ComplianceReport
from webnova.governance.compliance.waivers import Waivers
from webnova.governance.constitution import Constitutions
from webnova.governance.people import People
from webnova.governance.policy import ApprovalPolicy, ReleaseVerdict, automatic_release


class Governance:
    """People, constitution, approval policy, budgets and compliance waivers of one tenant."""

    def __init__(self, platform: Platform, tenant_id: str) -> None:
        self.tenant = platform.tenant(tenant_id)
        self.people = People(platform, self.tenant)
        self.constitution = Constitutions(self.tenant, self.people)
        self.policy = ApprovalPolicy(self.tenant, self.people, self.constitution)
        self.budgets = Budgets(self.tenant, self.people, self.constitution, self.policy)
        self.waivers = Waivers(self.tenant, self.people, self.constitution)

    def release_verdict(self, report: ComplianceReport, *,
                        tests_passed: bool | None) -> ReleaseVerdict:
        """The approvals="auto" verdict for `report`'s project, counting this tenant's waivers.

        Every failed control counts, whatever waivers the report already carries: the project's
        waivers are looked up here and only unexpired ones cover a finding.
        """
        failures = [r.id for r in report.results if r.status == "fail"]
        return automatic_release(failures, tests_passed=tests_passed,
                                 waivers=self.waivers.for_project(report.project))
