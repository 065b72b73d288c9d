"""The Factory API over the real SQLite checkpointer, with a scripted tester and deployer."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.graph.fakes import RecordingDeployer, ScriptedTester, stages
from webnova.adapters.brains.claude import BrainError, Usage
from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.brains.port import IntentAnalysis
from webnova.factory import Factory, FactoryError
from webnova.governance.budgets import Limit, Metric
from webnova.governance.people import operator
from webnova.governance.service import Governance
from webnova.resources import data_path
from webnova.settings import Settings

CLINIC_AR = "منصة لحجز المواعيد في عيادة، يحجز المرضى مواعيدهم مع الأطباء ويتلقون تذكيرات."
SHOP_EN = "An online shop for handmade soap with a product catalogue."
REPO = Path(__file__).resolve().parents[2]


def _factory(settings: Settings, tester: ScriptedTester | None = None,
             deployer: RecordingDeployer | None = None) -> Factory:
    return Factory(settings, tester=tester or ScriptedTester(),
                   deployer=deployer or RecordingDeployer())


@pytest.fixture
def factory(settings: Settings) -> Iterator[Factory]:
    with _factory(settings) as opened:
        yield opened


def test_run_waits_at_each_gate_and_finishes_in_another_factory(settings: Settings) -> None:
    with _factory(settings) as first:
        run = first.start(CLINIC_AR, tenant="acme", user="u1", locale="ar")
        assert run.status == "waiting"
        assert run.pending is not None and run.pending.kind == "blueprint"
    with _factory(settings) as second:  # a new checkpointer connection, as after a restart
        assert second.resume(run.run_id, "approve").pending.kind == "release"  # type: ignore[union-attr]
        done = second.resume(run.run_id, "approve", user="u1")
    assert done.status == "done"
    assert done.deployment_url and done.commit and done.project_dir
    assert done.blueprint and done.blueprint["domain"] == "healthcare"
    assert done.test_report and done.test_report["passed"]


def test_runs_lists_every_run_of_the_tenant_with_its_status(factory: Factory) -> None:
    waiting = factory.start(CLINIC_AR, tenant="acme")
    finished = factory.start(CLINIC_AR, tenant="acme", approvals="auto")
    other = factory.start(CLINIC_AR, tenant="globex")
    listed = {r.run_id: r.status for r in factory.runs("acme")}
    assert listed == {waiting.run_id: "waiting", finished.run_id: "done"}
    assert other.run_id not in listed


def test_another_tenant_cannot_see_or_answer_a_run(factory: Factory) -> None:
    run = factory.start(CLINIC_AR, tenant="acme")
    with pytest.raises(FactoryError, match=run.run_id):
        factory.get(run.run_id, tenant="globex")
    with pytest.raises(FactoryError, match=run.run_id):
        factory.resume(run.run_id, "approve", tenant="globex")
    still = factory.get(run.run_id, tenant="acme")
    assert still.status == "waiting" and still.pending is not None
    assert still.pending.kind == "blueprint"


def test_resume_of_an_unknown_run_is_a_clear_error(factory: Factory) -> None:
    with pytest.raises(FactoryError, match="no run"):
        factory.resume("does-not-exist", "approve")


def test_resume_of_a_finished_run_is_a_clear_error(factory: Factory) -> None:
    run = factory.start(CLINIC_AR, approvals="auto")
    with pytest.raises(FactoryError, match="already done"):
        factory.resume(run.run_id, "approve")


def test_a_decision_the_gate_does_not_allow_is_refused_before_resuming(
        factory: Factory) -> None:
    run = factory.start("build me something")
    assert run.pending is not None and run.pending.kind == "clarify"
    with pytest.raises(FactoryError, match="not allowed"):
        factory.resume(run.run_id, "approve")
    assert factory.get(run.run_id).status == "waiting"


def test_a_spec_file_starts_at_the_blueprint_review(factory: Factory, tmp_path: Path) -> None:
    spec = data_path("blueprints") / "examples" / "clinic-booking.yaml"
    run = factory.start(spec)
    assert run.pending is not None and run.pending.kind == "blueprint"
    assert run.blueprint is not None and run.blueprint["slug"] == "clinic-booking"


def test_an_invalid_spec_file_is_a_clear_error(factory: Factory, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(FactoryError, match="not a valid blueprint"):
        factory.start(spec)
    spec.write_text("name: [unclosed\n", encoding="utf-8")  # a document-level problem
    with pytest.raises(FactoryError, match=r"blueprint: YAML syntax error at line 2"):
        factory.start(spec)


def test_stream_yields_typed_stage_and_approval_events(factory: Factory) -> None:
    events = list(factory.stream(CLINIC_AR))
    kinds = [e.kind for e in events]
    assert kinds[0] == "stage_started" and events[0].stage == "intent"
    assert "message" in kinds
    assert kinds[-2:] == ["approval_requested", "stage_finished"]
    assert events[-2].approval is not None and events[-2].approval.kind == "blueprint"


def test_async_api_runs_to_a_deployment(factory: Factory) -> None:
    async def build() -> str:
        run = await factory.astart(CLINIC_AR, approvals="auto")
        return (await factory.aget(run.run_id)).status

    assert asyncio.run(build()) == "done"


def test_out_directory_receives_the_project(factory: Factory, tmp_path: Path) -> None:
    run = factory.start(CLINIC_AR, approvals="auto", out=tmp_path / "clinic")
    assert run.project_dir == str((tmp_path / "clinic").resolve())
    assert (tmp_path / "clinic" / "package.json").is_file()


class FlakyBrain(OfflineBrain):
    """Fails like an overloaded Claude on its first call."""

    failed = False

    def analyze(self, text: str, locale: str = "en") -> IntentAnalysis:
        if not self.failed:
            self.failed = True
            raise BrainError("Claude answered with an error (529); the run kept its state.")
        return super().analyze(text, locale)


def test_a_model_error_keeps_the_run_and_resume_continues(settings: Settings) -> None:
    with Factory(settings, brain=FlakyBrain(), tester=ScriptedTester(),
                 deployer=RecordingDeployer()) as factory:
        events = list(factory.stream(CLINIC_AR))
        assert events[-1].kind == "run_failed" and "529" in events[-1].text
        run_id = events[-1].run_id
        assert factory.get(run_id).status == "interrupted"
        assert factory.resume(run_id, None).pending is not None


def test_a_reached_deployment_budget_stops_the_run_before_deploying(
        settings: Settings) -> None:
    deployer = RecordingDeployer()
    with _factory(settings, deployer=deployer) as factory:
        budgets = Governance(factory.platform, "acme").budgets
        budgets.set_limit(operator("acme"), Metric.DEPLOYMENTS,
                          Limit(limit=0, period="total", on_exceed="stop"))
        run = factory.start(CLINIC_AR, tenant="acme", approvals="auto")
        assert run.status == "failed" and run.error
        assert run.test_report and run.test_report["passed"]  # the state is kept
        assert budgets.used(Metric.PROJECTS, run_id=run.run_id) == 1
    assert deployer.deployments == []


def test_usage_is_recorded_per_run(factory: Factory) -> None:
    run = factory.start(CLINIC_AR, tenant="acme", approvals="auto")
    budgets = Governance(factory.platform, "acme").budgets
    assert budgets.used(Metric.DEPLOYMENTS, run_id=run.run_id) == 1
    assert budgets.used(Metric.PROJECTS, run_id=run.run_id) == 1


class MeteredBrain(OfflineBrain):
    """An offline brain with a usage meter like ClaudeBrain's (100 tokens, 1 cent per call)."""

    def __init__(self) -> None:
        self.usage = Usage()

    def analyze(self, text: str, locale: str = "en") -> IntentAnalysis:
        self.usage.input_tokens += 100
        self.usage.cost_usd += 0.01
        return super().analyze(text, locale)


def test_model_tokens_and_cost_are_recorded_per_run(settings: Settings) -> None:
    with Factory(settings, brain=MeteredBrain(), tester=ScriptedTester(),
                 deployer=RecordingDeployer()) as factory:
        run = factory.start(CLINIC_AR, tenant="acme")
        budgets = Governance(factory.platform, "acme").budgets
        assert budgets.used(Metric.MODEL_TOKENS, run_id=run.run_id) == 100
        assert budgets.used(Metric.MODEL_COST, run_id=run.run_id) == 10_000


_CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from tests.graph.fakes import RecordingDeployer, ScriptedTester
    from webnova.factory import Factory
    from webnova.settings import load_settings

    home, mode, text = sys.argv[1], sys.argv[2], sys.argv[3]

    class KillingTester(ScriptedTester):
        def run(self, blueprint, project):
            os.kill(os.getpid(), signal.SIGKILL)

    tester = KillingTester() if mode == "in-tester" else ScriptedTester()
    factory = Factory(load_settings(home=Path(home)), tester=tester,
                      deployer=RecordingDeployer())
    printed = False
    for event in factory.stream(text, approvals="auto" if mode == "in-tester" else "ask"):
        if not printed:
            print(event.run_id, flush=True)
            printed = True
    os.kill(os.getpid(), signal.SIGKILL)
""")


def _killed_child(settings: Settings, mode: str) -> str:
    started = subprocess.run(
        [sys.executable, "-c", _CHILD, str(settings.home), mode, CLINIC_AR], cwd=REPO,
        capture_output=True, text=True, timeout=120, check=False)
    assert started.returncode == -signal.SIGKILL, started.stderr
    return started.stdout.strip()


def test_kill_9_inside_an_approval_wait_resumes_in_a_new_process(settings: Settings) -> None:
    run_id = _killed_child(settings, "in-approval")
    deployer = RecordingDeployer()
    with _factory(settings, deployer=deployer) as factory:
        assert factory.get(run_id).status == "waiting"
        factory.resume(run_id, "approve")
        done = factory.resume(run_id, "approve")
    assert done.status == "done"
    assert list(stages(Path(done.project_dir or ""))) == ["generate"]
    assert len(deployer.deployments) == 1


def test_kill_9_inside_a_stage_continues_from_the_last_step(settings: Settings) -> None:
    run_id = _killed_child(settings, "in-tester")
    deployer = RecordingDeployer()
    with _factory(settings, deployer=deployer) as factory:
        assert factory.get(run_id).status == "interrupted"
        done = factory.resume(run_id, None)
    assert done.status == "done"
    assert list(stages(Path(done.project_dir or ""))) == ["generate"]
    assert len(deployer.deployments) == 1


def test_projects_lists_each_generated_project_with_its_deployment(factory: Factory) -> None:
    assert factory.projects("acme") == []
    done = factory.start(CLINIC_AR, tenant="acme", locale="ar", approvals="auto")
    factory.start("a blog", tenant="acme")  # too vague: no project is generated
    listed = factory.projects("acme")
    assert [(p.run_id, p.status, p.deployment_url) for p in listed] == [
        (done.run_id, "done", done.deployment_url)]
    assert listed[0].project_dir == done.project_dir and listed[0].commit == done.commit
    assert factory.projects("globex") == []


def _unencrypted_phi_blueprint() -> dict[str, Any]:
    brain = OfflineBrain()
    data = brain.design(brain.analyze(CLINIC_AR)).model_dump(mode="json")
    data["entities"][0]["fields"][0]["encrypted"] = False  # Patient.full_name is PHI
    return data


def test_auto_mode_leaves_a_release_with_an_open_finding_to_a_person(factory: Factory) -> None:
    waiting = factory.start(_unencrypted_phi_blueprint(), tenant="acme", approvals="auto")
    assert waiting.status == "waiting" and waiting.pending is not None
    assert waiting.pending.kind == "release"
    assert waiting.pending.details["compliance_failures"] == ["hipaa.phi-encryption"]
    assert waiting.pending.details["auto_release"] is False
    assert "hipaa.phi-encryption" in waiting.pending.details["auto_release_reason"]
    assert factory.resume(waiting.run_id, "approve", user="owner").status == "done"


def test_auto_mode_releases_when_an_owner_waived_the_finding(factory: Factory) -> None:
    blueprint = _unencrypted_phi_blueprint()
    Governance(factory.platform, "acme").waivers.waive(
        operator("acme"), blueprint["slug"], "hipaa.phi-encryption",
        "names are public in this directory-only pilot, signed off by legal")
    done = factory.start(blueprint, tenant="acme", approvals="auto")
    assert done.status == "done"


def test_the_report_of_a_built_project_lists_the_gates_its_run_passed(factory: Factory) -> None:
    from webnova.governance.report import build_report, render_text
    from webnova.governance.service import Governance

    done = factory.start(CLINIC_AR, tenant="acme", approvals="auto")
    report = build_report(Path(done.project_dir or ""), Governance(factory.platform, "acme"))
    assert [a.action for a in report.approvals] == ["approval.blueprint.approve",
                                                    "approval.release.approve"]
    assert "approval.release.approve" in render_text(report)
    other = factory.start(SHOP_EN, tenant="acme", approvals="auto")  # not this project's gates
    again = build_report(Path(done.project_dir or ""), Governance(factory.platform, "acme"))
    assert other.status == "done" and len(again.approvals) == 2


def test_the_audit_chain_head_is_anchored_in_the_project_history(
        factory: Factory, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    from webnova.governance.tamper import published_heads, verify_repo

    with caplog.at_level(logging.WARNING):
        done = factory.start(CLINIC_AR, tenant="acme", approvals="auto", out=tmp_path / "clinic")
    # The blueprint gate comes before the repository exists: a later head covers it, unwarned.
    assert not [r for r in caplog.records if "audit head" in r.getMessage()]
    project = Path(done.project_dir or "")
    heads = published_heads(project, "acme")
    # The release approval and the deployment, each after its own audit entry.
    assert len(heads) >= 2
    audit = factory.platform.tenant("acme").audit
    last = audit.head()
    assert last is not None and heads[-1].seq == last.seq
    assert verify_repo(audit, "acme", project).ok
