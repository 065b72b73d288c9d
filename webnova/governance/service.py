"""`Governance`: every part of the governor for one tenant, wired together."""

from __future__ import annotations

from webnova.core.platform import Platform
from webnova.governance.budgets import Budgets
from webnova.governance.compliance.waivers import Waivers
from webnova.governance.constitution import Constitutions
from webnova.governance.people import People
from webnova.governance.policy import ApprovalPolicy


class Governance:
    """People, constitution, approval policy, budgets and compliance waivers of one tenant."""

    def __init__(self, platform: Platform, tenant_id: str) -> None:
        self.tenant = platform.tenant(tenant_id)
        self.people = People(platform, self.tenant)
        self.constitution = Constitutions(self.tenant, self.people)
        self.policy = ApprovalPolicy(self.tenant, self.people, self.constitution)
        self.budgets = Budgets(self.tenant, self.people, self.constitution, self.policy)
        self.waivers = Waivers(self.tenant, self.people)
