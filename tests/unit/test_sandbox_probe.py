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
    monkeypatch.setattr("shutil.which", lambda *args, **kwargs: None)
    report = probe.probe_local(SandboxLimits())
    assert report.level == "rlimits-only"
    assert report.bwrap is None
    assert any("bubblewrap" in warning for warning in report.warnings)
    assert "pid-namespace" not in report.features


def test_a_bubblewrap_that_cannot_make_namespaces_degrades_with_its_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # /bin/false stands in for bwrap under a seccomp profile that refuses namespaces.
    monkeypatch.setattr("shutil.which", lambda *args, **kwargs: "/bin/false")
    report = probe.probe_local(SandboxLimits())
    assert report.level == "rlimits-only"
    assert any("cannot create namespaces" in warning for warning in report.warnings)


def test_the_degraded_level_still_runs_code() -> None:
    with LocalSandbox(force_level="rlimits-only").create() as session:
        result = session.run_code("print('still works')", "python")
    assert result.stdout == "still works\n"
    assert result.isolation == "rlimits-only"


def test_the_probe_reports_the_network_level_it_proved() -> None:
    report = probe.probe_isolation()
    if report.level == "bubblewrap":
        # Proven by a ping through the in-sandbox forwarder to the host proxy.
        assert report.network == "registry"
        assert "registry-only-network" in report.features
    else:
        assert report.network == "off"
        assert any("no network namespace" in warning for warning in report.warnings)
    assert probe.probe_local(SandboxLimits(network_mode="host")).network == "host"


def test_a_broken_registry_path_is_reported_as_no_network(
        monkeypatch: pytest.MonkeyPatch) -> None:
    if probe.probe_isolation().level != "bubblewrap":
        pytest.skip("registry networking needs bubblewrap")
    from webnova.adapters.sandbox import local

    # No interpreter for the in-sandbox forwarder: the ping cannot get through.
    monkeypatch.setattr(local, "SYSTEM_PYTHON", "/nonexistent/python3")
    report = probe.probe_local(SandboxLimits())
    assert report.level == "bubblewrap"
    assert report.network == "off"
    assert any("Registry-only networking does not work here" in w for w in report.warnings)
    assert "registry-only-network" not in report.features
    sandbox = LocalSandbox(report=report)
    with sandbox.create(network=True) as session:
        assert session.network == "off"  # never more than the probe proved
