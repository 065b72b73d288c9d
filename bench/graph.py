"""`webnova bench graph`: per-step overhead of the factory graph's machinery.

The factory graph (typed state with reducers, runtime context, `Command` routing, the same
nodes and edges) runs with stub agents, next to a bare LangGraph graph of the same shape (the nine
steps an auto-approved run takes, as a plain chain) on the same kind of checkpointer, in the same
run. Target: the factory graph costs at most 1.2x the bare graph per step.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import uuid
from itertools import pairwise
from pathlib import Path
from typing import Any

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command
from typing_extensions import TypedDict

from webnova.benchkit import BenchReport, BenchRow, time_each
from webnova.graphs.deps import FactoryDeps
from webnova.graphs.factory_graph import factory_builder
from webnova.settings import Settings

PATH = ("intent", "architect", "review_blueprint", "approve_blueprint", "coder", "tester",
        "review_release", "approve_release", "deployer")
NEXT = dict(pairwise(PATH))
ROUTED = {"intent", "approve_blueprint", "coder", "tester", "approve_release"}
RUNS = 60
ROUNDS = 5


def _stub(name: str) -> Any:
    def node(state: dict[str, Any]) -> Any:
        update = {"steps": state.get("steps", 0) + 1, "messages": [name]}
        if name in ROUTED:
            return Command(goto=NEXT.get(name, END), update=update)
        return update
    return node


class BareState(TypedDict, total=False):
    """The bare graph's state: the same keys a run carries, no reducers."""

    run_id: str
    text: str
    steps: int


def _bare(state: BareState) -> BareState:
    return {"steps": state.get("steps", 0) + 1}


def _bare_graph(saver: SqliteSaver) -> Any:
    graph = StateGraph(BareState)
    for name in PATH:
        graph.add_node(name, _bare)
    graph.add_edge(START, PATH[0])
    for a, b in pairwise(PATH):
        graph.add_edge(a, b)
    graph.add_edge(PATH[-1], END)
    return graph.compile(checkpointer=saver)


def _factory_graph(saver: SqliteSaver) -> Any:
    stubs = {name: _stub(name) for name in (*PATH, "clarify")}
    return factory_builder(stubs).compile(checkpointer=saver)


def _per_step_us(graph: Any, context: Any) -> float:
    def once() -> None:
        config = {"configurable": {"thread_id": uuid.uuid4().hex}}
        graph.invoke({"run_id": "bench", "text": "x" * 200}, config, context=context)
    samples = time_each(once, RUNS)
    return statistics.median(samples) / len(PATH) * 1e6


def run(settings: Settings) -> BenchReport:
    """Median microseconds per step, factory graph vs bare graph, SQLite file checkpointer."""
    del settings
    report = BenchReport(name="graph")
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "ckpt.sqlite", check_same_thread=False)
        saver = SqliteSaver(conn)
        saver.setup()
        bare, factory = _bare_graph(saver), _factory_graph(saver)
        deps = FactoryDeps.__new__(FactoryDeps)  # stubs never touch it; only its presence counts
        pairs = [(_per_step_us(bare, None), _per_step_us(factory, deps)) for _ in range(ROUNDS)]
        conn.close()
    base = statistics.median(p[0] for p in pairs)
    ours = statistics.median(p[1] for p in pairs)
    report.rows.append(BenchRow(
        case="per-step time, 9-step run", backend="sqlite", value=ours, unit="µs/step",
        baseline=base, target=1 / 1.2, higher_is_better=False,
        extra={"rounds": ROUNDS, "runs_per_round": RUNS}))
    report.notes.append("ratio = bare / factory; >= 0.83 means the factory graph costs at most "
                        "1.2x a bare LangGraph graph per step.")
    return report
