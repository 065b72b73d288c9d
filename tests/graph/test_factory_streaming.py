"""The brain's streamed deltas reach the graph's custom stream (what the chat and CLI show)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from langgraph.checkpoint.memory import InMemorySaver

from tests.graph.fakes import make_deps
from tests.unit.test_brain_claude import KEY, Recorder, _streamed
from webnova.adapters.brains.claude import make_claude_brain
from webnova.adapters.brains.offline import OfflineBrain
from webnova.core.platform import Platform
from webnova.graphs.factory_graph import build_factory_graph
from webnova.settings import Settings

CLINIC = "A booking platform for our dental clinic; patients book appointments with dentists."


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    with Platform.open(settings=settings) as opened:
        yield opened


def test_claude_deltas_stream_out_of_the_intent_and_architect_nodes(
        platform: Platform, tmp_path: Path) -> None:
    offline = OfflineBrain()
    analysis = offline.analyze(CLINIC)
    blueprint = offline.design(analysis)
    recorder = Recorder(
        _streamed("record_intent", analysis.model_dump(mode="json"), preface="Reading it"),
        _streamed("record_blueprint", blueprint.model_dump(mode="json")))
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    brain = make_claude_brain(KEY, "claude-sonnet-4-6", http_client=client, max_retries=0)
    deps = dataclasses.replace(make_deps(platform, tmp_path / "projects"), brain=brain)
    graph = build_factory_graph(InMemorySaver())
    run_id = uuid.uuid4().hex
    config: Any = {"configurable": {"thread_id": run_id}}
    custom: list[dict[str, Any]] = []
    for mode, chunk in graph.stream(
            {"run_id": run_id, "tenant": "acme", "user": "u1", "text": CLINIC, "locale": "en",
             "approvals": "ask"}, config, context=deps, stream_mode=["custom", "updates"]):
        if mode == "custom":
            custom.append(chunk)
    assert graph.get_state(config).next == ("approve_blueprint",)
    by_node = {node: [c for c in custom if c["node"] == node] for node in ("intent", "architect")}
    assert [c["text"] for c in by_node["intent"] if c["delta"] == "text"] == ["Reading ", "it "]
    intent_json = "".join(c["text"] for c in by_node["intent"] if c["delta"] == "tool_input")
    assert json.loads(intent_json)["domain"] == "healthcare"
    architect_json = "".join(c["text"] for c in by_node["architect"])
    assert json.loads(architect_json)["slug"] == blueprint.slug
    assert {c["type"] for c in custom} == {"brain_delta"}
    assert len(recorder.bodies) == 2
