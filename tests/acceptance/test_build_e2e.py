"""The done-when of the factory: an Arabic description becomes a running, tested deployment.

Real everything: offline brain, generator, npm install/typecheck/build/test, the local runtime
with its health check. About a minute and a half per build on a 2-core machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from webnova.adapters.runtime import ProjectRuntime
from webnova.adapters.sandbox.probe import probe_isolation
from webnova.chat.server import environ_with
from webnova.factory import Factory
from webnova.generator.blueprint import Blueprint
from webnova.generator.context import build_context
from webnova.settings import load_settings

pytestmark = pytest.mark.slow

CLINIC_AR = ("منصة لحجز المواعيد في عيادة أسنان: يحجز المرضى مواعيدهم مع الأطباء، "
             "ويتلقون تذكيرات، ويرى الطاقم جدول اليوم.")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"
    ProjectRuntime(tmp_path / "home").stop_all()  # never leave a server behind


def _cli(home: Path, *args: str) -> str:
    # A real `webnova` process, as a person runs it: the tester's sandbox proxy reaches the npm
    # registry, which this test process's network guard (loopback only) would refuse.
    done = subprocess.run([str(Path(sys.executable).parent / "webnova"), *args],
                          env=environ_with({"WEBNOVA_HOME": str(home), "WEBNOVA_DATABASE_URL": "",
                                            "WEBNOVA_ANTHROPIC_API_KEY": ""}),
                          capture_output=True, text=True, timeout=1500, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _assert_running_and_tested(home: Path) -> None:
    with Factory(load_settings(home=home)) as factory:
        (run,) = factory.runs()
        view = factory.get(run.run_id)
    assert view.status == "done"
    assert view.test_report is not None and view.test_report["passed"]
    # Where bubblewrap works (CI) the generated code was installed and tested in the sandbox.
    isolation = {p.get("isolation") for p in view.test_report["phases"]}
    assert isolation == {"bubblewrap"} or probe_isolation(e2b=False).network != "registry"
    assert view.deployment_url is not None and view.blueprint is not None
    health = httpx.get(f"{view.deployment_url}/health", timeout=5, trust_env=False)
    assert health.status_code == 200
    _use_the_deployment(view.deployment_url, Blueprint.model_validate(view.blueprint))


_SAMPLES = {"string": "سارة أحمد", "text": "ملاحظات", "email": "sara@example.com",
            "date": "1990-05-01", "datetime": "2026-12-01T09:00:00.000Z", "integer": 30}


def _use_the_deployment(url: str, bp: Blueprint) -> None:
    """Sign up and keep a record with encrypted fields, as a person would right after a build.

    A production server refuses development keys, so this fails unless the deployer gave the
    release its own secrets; plain HTTP on loopback must not be redirected to HTTPS.
    """
    context = build_context(bp)
    entity = next(e for e in context["entities"] if e["encrypted_props"])
    body = {f["prop"]: _SAMPLES[f["type"]] for f in entity["fields"] if f["type"] in _SAMPLES
            and (f["required"] or f["encrypted"])}
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as api:
        assert api.get("/").status_code == 200  # the web app, not a redirect
        signup = api.post("/api/auth/register", json={"email": "owner@clinic.example",
                                                      "password": "a-long-password-1"})
        assert signup.status_code == 201, signup.text
        api.headers["authorization"] = f"Bearer {signup.json()['token']}"
        created = api.post(f"/api/{entity['route']}", json=body)
        assert created.status_code == 201, created.text
        record = api.get(f"/api/{entity['route']}/{created.json()['id']}").json()
        assert {k: record[k] for k in body} == body  # decrypted with the same key


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
