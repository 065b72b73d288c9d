"""`automatic_release`: when approvals="auto" may release in a person's place, and why not."""

from __future__ import annotations

import datetime as dt

from webnova.governance.compliance.engine import WaiverInfo
from webnova.governance.policy import automatic_release

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _waiver(control_days: int | None) -> WaiverInfo:
    return WaiverInfo(id="w1", by="owner@example.com", reason="initials only", at=AT,
                      expires_at=AT + dt.timedelta(days=control_days)
                      if control_days is not None else None)


def test_passing_tests_and_no_findings_release_automatically() -> None:
    verdict = automatic_release([], tests_passed=True)
    assert (verdict.allowed, verdict.code, verdict.open_findings) == (True, "clear", [])
    assert "no compliance finding is open" in verdict.reason


def test_an_open_finding_refuses_the_automatic_release_and_names_it() -> None:
    verdict = automatic_release(["hipaa.phi-encryption", "gdpr.consent"], tests_passed=True)
    assert (verdict.allowed, verdict.code) == (False, "open_findings")
    assert verdict.open_findings == ["hipaa.phi-encryption", "gdpr.consent"]
    assert "hipaa.phi-encryption, gdpr.consent" in verdict.reason
    assert "in person" in verdict.reason


def test_failed_or_missing_tests_refuse_it_whatever_the_findings() -> None:
    failed = automatic_release([], tests_passed=False)
    unknown = automatic_release([], tests_passed=None)
    assert (failed.allowed, failed.code) == (False, "tests_failed")
    assert (unknown.allowed, unknown.code) == (False, "tests_unknown")


def test_only_unexpired_waivers_cover_findings() -> None:
    waivers = {"hipaa.phi-encryption": _waiver(30)}
    now = AT + dt.timedelta(days=29)
    covered = automatic_release(["hipaa.phi-encryption"], tests_passed=True, waivers=waivers,
                                now=now)
    assert (covered.allowed, covered.code, covered.waived) == (True, "waived",
                                                                ["hipaa.phi-encryption"])
    later = AT + dt.timedelta(days=31)
    lapsed = automatic_release(["hipaa.phi-encryption"], tests_passed=True, waivers=waivers,
                               now=later)
    assert (lapsed.allowed, lapsed.open_findings) == (False, ["hipaa.phi-encryption"])
    forever = automatic_release(["hipaa.phi-encryption"], tests_passed=True,
                                waivers={"hipaa.phi-encryption": _waiver(None)}, now=later)
    assert forever.allowed


def test_a_waiver_of_another_control_covers_nothing() -> None:
    verdict = automatic_release(["gdpr.consent"], tests_passed=True,
                                waivers={"hipaa.phi-encryption": _waiver(30)}, now=AT)
    assert (verdict.allowed, verdict.open_findings, verdict.waived) == (
        False, ["gdpr.consent"], [])
