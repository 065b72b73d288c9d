"""A crash at every stage boundary: the rebuilt graph resumes from the checkpoint and ends with
exactly one generate commit and one deployment."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from tests.graph.fakes import Crash, RecordingDeployer, make_deps, stages
from webnova.core.platform import Platform
from webnova.graphs.factory_graph import AGENTS, factory_builder
from webnova.settings import Settings

CLINIC = "A booking platform for our clinic; patients book appointments with doctors."
STAGES = ("intent", "architect", "review_blueprint", "approve_blueprint", "coder", "tester",
          "review_release", "approve_release", "deployer")


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    with Platform.open(settings=settings) as opened:
        yield opened


def _crashing(node: Callable[..., Any], armed: list[bool], where: str) -> Callable[..., Any]:
    def wrapped(state: Any, runtime: Any) -> Any:
        if armed[0] and where == "before":
            armed[0] = False
            raise Crash("killed at the stage boundary")
        result = node(state, runtime)
        if armed[0] and where == "after":
            armed[0] = False
            raise Crash("killed after the stage's work, before its checkpoint")
        return result
    return wrapped


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("stage", STAGES)
def test_crash_at_a_stage_resumes_to_one_commit_and_one_deployment(
        platform: Platform, tmp_path: Path, stage: str, where: str) -> None:
    saver, armed = InMemorySaver(), [True]
    deployer = RecordingDeployer()
    deps = make_deps(platform, tmp_path / "projects", deployer=deployer)
    config: Any = {"configurable": {"thread_id": uuid.uuid4().hex}}
    crashing = factory_builder({stage: _crashing(AGENTS[stage], armed, where)})
    with pytest.raises(Crash):
        crashing.compile(checkpointer=saver).invoke(
            {"run_id": uuid.uuid4().hex, "text": CLINIC, "approvals": "auto"}, config,
            context=deps)
    restarted: Any = factory_builder().compile(checkpointer=saver)
    final = restarted.invoke(None, config, context=deps)
    assert final["status"] == "done"
    assert list(stages(Path(final["project_dir"]))) == ["generate"]
    # Even killed after deploying (before its checkpoint), the re-run deployer finds the journal.
    assert len(deployer.deployments) == 1
