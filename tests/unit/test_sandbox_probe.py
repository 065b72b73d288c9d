"""The start-up probe: the level this host gives, its latency, and a visible downgrade."""

from __future__ import annotations

import pytest

from webnova.adapters.sandbox import probe
from webnova.adapters.sandbox.local import LocalSandbox
from webnova.adapters.sandbox.port import SandboxLimits


def test_the_probe_reports_a_local_level_with_its_latency_and_is_cached() -> None:
    report = probe.probe_isolation()
    assert report.level in ("bubblewrap", "rlimits-only")
    assert report.latency_ms is not None
    assert report.latency_ms > 0
    assert probe.probe_isolation() is report
    assert "rlimits" in report.features
    assert ("network-namespace" in report.features) == (report.level == "bubblewrap")


def test_with_e2b_configured_the_level_is_e2b() -> None:
    assert probe.probe_isolation(e2b=True).level == "e2b"


def test_without_bubblewrap_the_probe_degrades_visibly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe.shutil, "which", lambda *args, **kwargs: None)
    report = probe.probe_local(SandboxLimits())
    assert report.level == "rlimits-only"
    assert report.bwrap is None
    assert any("bubblewrap" in warning for warning in report.warnings)
    assert "pid-namespace" not in report.features


def test_a_bubblewrap_that_cannot_make_namespaces_degrades_with_its_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # /bin/false stands in for bwrap under a seccomp profile that refuses namespaces.
    monkeypatch.setattr(probe.shutil, "which", lambda *args, **kwargs: "/bin/false")
    report = probe.probe_local(SandboxLimits())
    assert report.level == "rlimits-only"
    assert any("cannot create namespaces" in warning for warning in report.warnings)


def test_the_degraded_level_still_runs_code() -> None:
    with LocalSandbox(force_level="rlimits-only").create() as session:
        result = session.run_code("print('still works')", "python")
    assert result.stdout == "still works\n"
    assert result.isolation == "rlimits-only"
