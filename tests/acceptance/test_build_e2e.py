"""The done-when of the factory: an Arabic description becomes a running, tested deployment.

Real everything: offline brain, generator, npm install/typecheck/build/test, the local runtime
with its health check. About a minute and a half per build on a 2-core machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from webnova.adapters.runtime import ProjectRuntime
from webnova.factory import Factory
from webnova.graphs.cli import app
from webnova.settings import load_settings

pytestmark = pytest.mark.slow

CLINIC_AR = ("منصة لحجز المواعيد في عيادة أسنان: يحجز المرضى مواعيدهم مع الأطباء، "
             "ويتلقون تذكيرات، ويرى الطاقم جدول اليوم.")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"
    ProjectRuntime(tmp_path / "home").stop_all()  # never leave a server behind


def _cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"WEBNOVA_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return result.output


def _assert_running_and_tested(home: Path) -> None:
    with Factory(load_settings(home=home)) as factory:
        (run,) = factory.runs()
        view = factory.get(run.run_id)
    assert view.status == "done"
    assert view.test_report is not None and view.test_report["passed"]
    assert view.deployment_url is not None
    health = httpx.get(f"{view.deployment_url}/health", timeout=5, trust_env=False)
    assert health.status_code == 200


def test_build_yes_ends_with_a_running_deployment_whose_tests_passed(home: Path) -> None:
    output = _cli(home, "build", CLINIC_AR, "--yes", "--lang", "ar")
    assert "Done:" in output or "http://127.0.0.1" in output
    _assert_running_and_tested(home)


def test_build_without_yes_stops_at_each_gate_and_finishes_through_resume(home: Path) -> None:
    output = _cli(home, "build", CLINIC_AR)
    (run_id,) = set(re.findall(r"webnova resume ([0-9a-f]{32})", output))
    assert "webnova resume" in _cli(home, "resume", run_id, "--approve")
    assert "http://127.0.0.1" in _cli(home, "resume", run_id, "--approve")
    _assert_running_and_tested(home)
