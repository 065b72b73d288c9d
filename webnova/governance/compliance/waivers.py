"""Waivers: an owner's reasoned decision to release despite a failed control.

Only an active ROOT_OWNER or OWNER with the `compliance.waive` permission may waive, and only with
a reason; refusals are audited like the waivers themselves. Waivers are append-only rows. A waiver
lapses `compliance.waiver_days` after it was given (the constitution's rule, 90 days by default);
a lapsed waiver covers nothing, and the control blocks the release again until it is waived anew.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final, cast

from sqlalchemy import Table, insert, select

from webnova.core.events import as_utc, utcnow
from webnova.core.models import WaiverRow
from webnova.core.platform import TenantHandle
from webnova.governance.compliance.catalog import all_control_ids
from webnova.governance.compliance.engine import ComplianceReport, WaiverInfo
from webnova.governance.constitution import Constitution, Constitutions
from webnova.governance.errors import AccessDenied, InvalidInput
from webnova.governance.people import Member, People, Role, authorize
from webnova.i18n import _

_ROWS = cast(Table, WaiverRow.__table__)
MIN_REASON: Final = 10


class Waivers:
    """The compliance waivers of one tenant."""

    def __init__(self, tenant: TenantHandle, people: People,
                 constitutions: Constitutions | None = None) -> None:
        self._tenant = tenant
        self._people = people
        self._constitutions = constitutions

    def _lifetime(self) -> dt.timedelta | None:
        rules = self._constitutions.current() if self._constitutions is not None else \
            Constitution(constitution=1)
        days = rules.compliance.waiver_days
        return dt.timedelta(days=days) if days is not None else None

    def waive(self, by: Member, project: str, control_id: str, reason: str) -> WaiverInfo:
        """Waive `control_id` for `project` (audited).

        Raises:
            AccessDenied: `by` is not an active owner of this tenant (audited).
            InvalidInput: no reason, or no such control (audited).
        """
        by = self._people.current(by)
        target = f"project:{project}/{control_id}"
        check = authorize(by, "compliance.waive", tenant_id=self._tenant.id)
        refusal: tuple[str, Exception] | None = None
        if not check.allowed:
            refusal = check.code, AccessDenied(check.reason)
        elif by.role not in (Role.ROOT_OWNER, Role.OWNER):
            refusal = "role", AccessDenied(_("Only an owner may waive a compliance control."))
        elif control_id not in all_control_ids():
            refusal = "unknown_control", InvalidInput(_("Unknown control {id}.").format(
                id=control_id))
        elif len(reason.strip()) < MIN_REASON:
            refusal = "no_reason", InvalidInput(_(
                "A waiver needs a reason of at least {count} characters.").format(
                    count=MIN_REASON))
        if refusal is not None:
            self._tenant.audit.record(by.actor, "compliance.waive.refused", target,
                                      {"reason": refusal[0]})
            raise refusal[1]
        now = utcnow()
        lifetime = self._lifetime()
        waiver = WaiverInfo(id=str(uuid.uuid4()), by=by.actor, reason=reason.strip(), at=now,
                            expires_at=now + lifetime if lifetime is not None else None)
        with self._tenant.scope.transaction(write=True) as conn:
            conn.execute(insert(_ROWS).values(
                tenant_id=self._tenant.id, id=waiver.id, project=project,
                control_id=control_id, reason=waiver.reason, waived_by=waiver.by,
                created_at=waiver.at))
        self._tenant.audit.record(by.actor, "compliance.waived", target, {
            "waiver": waiver.id, "why": waiver.reason,
            "expires_at": waiver.expires_at.isoformat() if waiver.expires_at else None})
        return waiver

    def for_project(self, project: str) -> dict[str, WaiverInfo]:
        """The newest waiver of each control for `project`, with when it lapses."""
        lifetime = self._lifetime()
        with self._tenant.scope.transaction() as conn:
            rows = conn.execute(select(_ROWS.c.control_id, _ROWS.c.id, _ROWS.c.waived_by,
                                       _ROWS.c.reason, _ROWS.c.created_at)
                                .where(_ROWS.c.tenant_id == self._tenant.id,
                                       _ROWS.c.project == project)
                                .order_by(_ROWS.c.created_at)).all()
        return {r[0]: WaiverInfo(id=r[1], by=r[2], reason=r[3], at=as_utc(r[4]),
                                 expires_at=as_utc(r[4]) + lifetime if lifetime else None)
                for r in rows}

    def active_for_project(self, project: str,
                           now: dt.datetime | None = None) -> dict[str, WaiverInfo]:
        """The waivers of `project` that still hold at `now`."""
        return {control: waiver for control, waiver in self.for_project(project).items()
                if waiver.active(now)}

    def apply(self, report: ComplianceReport,
              now: dt.datetime | None = None) -> ComplianceReport:
        """`report` with this tenant's waivers for its project attached (lapsed: no cover)."""
        return report.with_waivers(self.for_project(report.project), now)
