"""The coder repairs failing code in custom-logic slots with Claude, bounded by the loop breaker.

The project is really generated (FastAPI stack) and carries a person's custom module with a
marked slot and its test; the slot is deliberately broken, so the project's own test fails when
the tester runs it with pytest. Claude answers through a recorded `record_repair` stream (never
the network). The fast tests run only the person's test file; the slow one the whole suite.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver

from tests.graph.fakes import Crash, make_deps, stages
from tests.unit.test_brain_claude import KEY, Recorder, _streamed
from webnova.adapters.brains.claude import ClaudeBrain, make_claude_brain
from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.brains.port import RepairPlan, SlotEdit
from webnova.adapters.git import ProjectRepo
from webnova.agents.coder import project_dir
from webnova.core.platform import Platform
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.generate import generate_project
from webnova.graphs import deps as graph_deps
from webnova.graphs.deps import FactoryDeps
from webnova.graphs.factory_graph import build_factory_graph
from webnova.graphs.repair import RepairRejected, apply_plan, find_slots
from webnova.settings import Settings

PRICING = '''"""Booking fees: the clinic's own rule, kept across regenerations."""


def booking_fee(minutes: int) -> int:
    """The fee in halalas for an appointment of `minutes` (one riyal a minute)."""
    # webnova:custom-begin booking_fee
    return minutes * 100 - 1
    # webnova:custom-end booking_fee
'''
PRICING_TEST = '''from app.pricing import booking_fee


def test_fee_is_one_riyal_per_minute() -> None:
    # webnova:custom-begin not_a_slot_in_a_test
    assert booking_fee(30) == 3000
    # webnova:custom-end not_a_slot_in_a_test
'''
FIXED = "    return minutes * 100\n"


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    with Platform.open(settings=settings) as opened:
        yield opened


def fastapi_blueprint() -> Blueprint:
    preset = load_catalog().get("api-only")
    assert preset is not None
    data = preset.blueprint().model_dump(mode="json")
    data["stack"].update(frontend="none", backend="fastapi", language="python")
    data.update(template="api-only", pages=[])
    return Blueprint.model_validate(data)


def project_with_broken_slot(folder: Path, bp: Blueprint, run_id: str) -> Path:
    """Generate the project, then commit a person's custom module whose slot is wrong."""
    outcome = generate_project(bp, folder, run_id=run_id)
    assert outcome.ok, outcome.message
    (folder / "app" / "pricing.py").write_text(PRICING, encoding="utf-8")
    (folder / "tests" / "test_pricing.py").write_text(PRICING_TEST, encoding="utf-8")
    assert ProjectRepo.open(folder).commit_all("custom-logic", bp.version, run_id, "fees")
    return folder


@dataclass
class PytestTester:
    """Runs the project's own tests with pytest (this interpreter has the stack installed)."""

    only: str | None = "tests/test_pricing.py"
    crash_on_call: int | None = None
    calls: list[bool] = field(default_factory=list)

    def run(self, blueprint: Blueprint, project: Path) -> graph_deps.TestReport:
        del blueprint
        if self.crash_on_call == len(self.calls) + 1:
            self.crash_on_call = None
            raise Crash("killed while testing")
        # One file needs none of the suite's fixtures: --noconftest keeps the fast tests fast.
        only = ["--noconftest", self.only] if self.only else []
        command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                   "-o", "addopts=", *only]
        # No plugin autoload: this interpreter's dev plugins are not the project's.
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        done = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600,
                              check=False, env=env)
        self.calls.append(done.returncode == 0)
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        return graph_deps.TestReport(passed=done.returncode == 0, summary=tail)


def claude(recorder: Recorder) -> ClaudeBrain:
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    return make_claude_brain(KEY, "claude-sonnet-4-6", http_client=client, max_retries=0)


def no_fill_stream() -> httpx.Response:
    """Claude's answer to the coder's first question: no business rules to add."""
    return _streamed("record_custom_logic", {
        "edits": [], "explanation": "the description asks for no extra rule"})


def repair_stream(code: str = FIXED) -> httpx.Response:
    return _streamed("record_repair", {
        "edits": [{"file": "app/pricing.py", "name": "booking_fee", "code": code}],
        "explanation": "the fee was one halala short"})


class BlueprintRun:
    """A run started from a blueprint, with approvals decided by the policy."""

    text = ""  # the person's description, if any

    def __init__(self, deps: FactoryDeps, bp: Blueprint) -> None:
        self.saver = InMemorySaver()
        self.deps = deps
        self.bp = bp
        self.run_id = uuid.uuid4().hex
        self.config: Any = {"configurable": {"thread_id": self.run_id}}
        self.folder = project_dir(deps.projects_dir, bp, self.run_id)

    def start(self) -> dict[str, Any]:
        graph = build_factory_graph(self.saver)
        value: dict[str, Any] = graph.invoke(
            {"run_id": self.run_id, "tenant": "acme", "user": "u1", "text": self.text,
             "locale": "en", "approvals": "auto", "blueprint": self.bp.model_dump(mode="json")},
            self.config, context=self.deps, version="v2").value
        return value

    def resume(self) -> dict[str, Any]:
        graph = build_factory_graph(self.saver)
        value: dict[str, Any] = graph.invoke(None, self.config, context=self.deps,
                                             version="v2").value
        return value

    def events(self) -> list[str]:
        return [type(e).__name__ for e in self.deps.ledger.history(self.run_id)]


def _run(platform: Platform, tmp_path: Path, brain: Any, tester: PytestTester) -> BlueprintRun:
    deps = dataclasses.replace(make_deps(platform, tmp_path / "projects"), brain=brain,
                               tester=tester)
    run = BlueprintRun(deps, fastapi_blueprint())
    project_with_broken_slot(run.folder, run.bp, run.run_id)
    return run


def test_slots_are_found_outside_tests_and_only_they_can_be_edited(tmp_path: Path) -> None:
    bp = fastapi_blueprint()
    folder = project_with_broken_slot(tmp_path / "p", bp, "r1")
    slots = find_slots(folder)
    assert not [s for s in slots if s.file.startswith("tests/")]
    (slot,) = [s for s in slots if s.file == "app/pricing.py"]
    assert slot.name == "booking_fee"
    assert slot.code == "    return minutes * 100 - 1\n"
    with pytest.raises(RepairRejected, match="not a custom-logic slot"):
        apply_plan(folder, RepairPlan(edits=[SlotEdit(
            file="tests/test_pricing.py", name="not_a_slot_in_a_test", code="pass")]))
    with pytest.raises(RepairRejected, match="markers"):
        apply_plan(folder, RepairPlan(edits=[SlotEdit(
            file="app/pricing.py", name="booking_fee", code="# webnova:custom-end booking_fee")]))
    assert (folder / "app" / "pricing.py").read_text(encoding="utf-8") == PRICING
    assert apply_plan(folder, RepairPlan(edits=[SlotEdit(
        file="app/pricing.py", name="booking_fee", code=FIXED.rstrip("\n"))])) == ["app/pricing.py"]
    assert (folder / "app" / "pricing.py").read_text(encoding="utf-8") == \
        PRICING.replace("minutes * 100 - 1", "minutes * 100")


def test_claude_repairs_the_broken_slot_and_the_tests_then_pass(
        platform: Platform, tmp_path: Path) -> None:
    recorder = Recorder(no_fill_stream(), repair_stream())
    tester = PytestTester()
    run = _run(platform, tmp_path, claude(recorder), tester)
    final = run.start()
    assert final["status"] == "done", final.get("error")
    assert tester.calls == [False, True]
    assert list(stages(run.folder))[:2] == ["repair", "custom-logic"]
    assert final["commit"] == ProjectRepo.open(run.folder).head()
    assert "minutes * 100\n" in (run.folder / "app" / "pricing.py").read_text(encoding="utf-8")
    fill, body = recorder.bodies
    assert fill["tool_choice"] == {"type": "tool", "name": "record_custom_logic"}
    prompt = body["messages"][0]["content"]
    assert body["tool_choice"] == {"type": "tool", "name": "record_repair"}
    assert "assert 2999 == 3000" in prompt  # the tester's failure summary
    assert "return minutes * 100 - 1" in prompt and "test_pricing" not in \
        prompt.split("<slots>")[1]
    assert "CodeRepaired" in run.events()
    assert any("Repaired app/pricing.py" in m for m in final["messages"])


def test_the_offline_brain_proposes_no_repair_and_the_loop_breaker_stops(
        platform: Platform, tmp_path: Path) -> None:
    tester = PytestTester()
    run = _run(platform, tmp_path, OfflineBrain(), tester)
    final = run.start()
    assert final["status"] == "failed"
    assert "3 attempts" in final["error"]
    assert tester.calls == [False, False, False]
    assert "repair" not in list(stages(run.folder))
    assert sum("No repair was proposed" in m for m in final["messages"]) == 2


def test_a_crash_after_the_repair_neither_asks_claude_nor_commits_again(
        platform: Platform, tmp_path: Path) -> None:
    # One answer each: a second request for either would fail.
    recorder = Recorder(no_fill_stream(), repair_stream())
    tester = PytestTester(crash_on_call=2)
    run = _run(platform, tmp_path, claude(recorder), tester)
    with pytest.raises(Crash):
        run.start()
    assert run.resume()["status"] == "done"
    assert list(stages(run.folder)).count("repair") == 1
    assert len(recorder.bodies) == 2


@pytest.mark.slow
def test_the_whole_generated_suite_passes_after_the_repair(
        platform: Platform, tmp_path: Path) -> None:
    recorder = Recorder(no_fill_stream(), repair_stream())
    tester = PytestTester(only=None)
    run = _run(platform, tmp_path, claude(recorder), tester)
    final = run.start()
    assert final["status"] == "done", final.get("error")
    assert tester.calls == [False, True]
