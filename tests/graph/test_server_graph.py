"""`langgraph.json` exposes the factory graph the way LangGraph's own server loads it.

The server reads each `graphs` entry as `<path or module>:<attribute>`, imports a `.py` path as a
file (not as a package module), calls the attribute when it is a factory function, and attaches
its own checkpointer to the compiled graph. The run's context arrives as plain JSON.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph

from webnova.graphs import server
from webnova.graphs.factory_graph import NODES

ROOT = Path(__file__).resolve().parents[2]
CLINIC = "A booking platform for our dental clinic; patients book appointments with dentists."


def _entries() -> dict[str, str]:
    config = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))
    assert config["dependencies"] == ["."]
    graphs: dict[str, str] = config["graphs"]
    return graphs


def _load(spec: str) -> Any:
    """Import `spec` as LangGraph's server does: a file path or a dotted module, then `:attr`."""
    location, attribute = spec.rsplit(":", 1)
    module: ModuleType
    if location.endswith(".py"):
        path = (ROOT / location).resolve()
        assert path.is_file(), path
        file_spec = importlib.util.spec_from_file_location("webnova_langgraph_entry", path)
        assert file_spec is not None and file_spec.loader is not None
        module = importlib.util.module_from_spec(file_spec)
        file_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(location)
    target = getattr(module, attribute)
    return target() if callable(target) and not isinstance(target, CompiledStateGraph) else target


def test_langgraph_json_names_the_factory_graph_with_its_nodes() -> None:
    entries = _entries()
    assert list(entries) == ["webnova-factory"]
    graph = _load(entries["webnova-factory"])
    assert isinstance(graph, CompiledStateGraph)
    assert graph.name == "webnova-factory"
    assert graph.checkpointer is None  # the server brings its own
    drawn = graph.get_graph()
    assert set(drawn.nodes) - {"__start__", "__end__"} == set(NODES)
    assert ("__start__", "intent") in {(e.source, e.target) for e in drawn.edges}
    # The module path and the file path are the same graph.
    module_graph = _load("webnova.graphs.server:make_graph")
    assert set(module_graph.get_graph().nodes) == set(drawn.nodes)


@pytest.fixture
def server_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("WEBNOVA_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "WEBNOVA_DATABASE_URL",
                 "WEBNOVA_DATABASE_ADMIN_URL", "WEBNOVA_CHECKPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEBNOVA_HOME", str(tmp_path / "home"))
    server._deps_for.cache_clear()
    yield tmp_path / "home"
    server._deps_for.cache_clear()


def test_a_server_run_with_a_json_context_reaches_the_first_approval(server_home: Path) -> None:
    graph = _load(_entries()["webnova-factory"]).copy(update={"checkpointer": InMemorySaver()})
    run_id = uuid.uuid4().hex
    config: Any = {"configurable": {"thread_id": run_id}}
    out = graph.invoke({"run_id": run_id, "tenant": "acme", "user": "api", "text": CLINIC,
                        "locale": "en", "approvals": "ask"}, config,
                       context={"tenant": "acme"}, version="v2")
    (request,) = out.interrupts
    assert request.value["kind"] == "blueprint"
    assert request.value["details"]["domain"] == "healthcare"
    assert server_home.is_dir()  # the deps came from the settings, under WEBNOVA_HOME
