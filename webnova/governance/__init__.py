"""The governor: people, approval policy, constitution, compliance packs, budgets, reports.

Entry point: `Governance(platform, tenant_id)` (see `webnova.governance.service`); tamper evidence
outside the database lives in `webnova.governance.tamper`.
"""
