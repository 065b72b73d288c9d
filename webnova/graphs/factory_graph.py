"""The factory graph: six agents, explicit edges, approvals as interrupts.

```
START -> intent -> (clarify -> intent) -> architect -> review_blueprint -> approve_blueprint
      -> coder -> tester -> (coder, bounded) -> review_release -> approve_release -> deployer -> END
coder | approve_release -> (a budget is reached) approve_spend -> coder | deployer | END
```
Branches are `Command` returns typed with `Literal` destinations; every fixed edge is declared
here. Nodes get their dependencies from the runtime context (`FactoryDeps`). The nodes that ask
the brain forward its streamed deltas to LangGraph's custom stream (`stream_mode="custom"`) as
`{"type": "brain_delta", "node": ..., "delta": "text" | "tool_input", "text": ...}`, and every
agent runs with the run's approved budget allowance installed (`webnova.graphs.budget.granting`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from webnova.adapters.brains.port import BrainDelta, reporting_progress
from webnova.agents.architect import architect
from webnova.agents.coder import coder
from webnova.agents.deployer import deployer
from webnova.agents.governor import review_blueprint, review_release
from webnova.agents.intent import intent
from webnova.agents.tester import tester
from webnova.graphs.approvals import approve_blueprint, approve_release, approve_spend, clarify
from webnova.graphs.budget import granting
from webnova.graphs.deps import FactoryDeps, FactoryRuntime
from webnova.graphs.state import FactoryState

_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "intent": ("clarify", "architect", "review_blueprint", END),
    "clarify": ("intent", END),
    "approve_blueprint": ("coder", "architect", "review_blueprint", END),
    "coder": ("tester", "approve_spend", END),
    "tester": ("coder", "review_release", END),
    "approve_release": ("deployer", "architect", "approve_spend", END),
    "approve_spend": ("coder", "deployer", END),
}
FactoryGraph = CompiledStateGraph[FactoryState, FactoryDeps, FactoryState, FactoryState]
BRAIN_NODES = frozenset({"intent", "architect", "coder"})
NODES = ("intent", "clarify", "architect", "review_blueprint", "approve_blueprint", "coder",
         "tester", "review_release", "approve_release", "deployer", "approve_spend")


AGENTS: dict[str, Callable[..., Any]] = {
    "intent": intent, "clarify": clarify, "architect": architect,
    "review_blueprint": review_blueprint, "approve_blueprint": approve_blueprint,
    "coder": coder, "tester": tester, "review_release": review_release,
    "approve_release": approve_release, "deployer": deployer, "approve_spend": approve_spend,
}
# Nodes that check budgets without reading the allowance from the state themselves.
_ALLOWANCE_NODES = frozenset({"deployer"})


def streaming_brain(name: str, agent: Callable[..., Any]) -> Callable[..., Any]:
    """`agent` with the brain's streamed deltas sent to the run's custom stream."""

    @functools.wraps(agent)
    def node(state: FactoryState, runtime: FactoryRuntime) -> Any:
        write = runtime.stream_writer

        def forward(delta: BrainDelta) -> None:
            write({"type": "brain_delta", "node": name, "delta": delta.kind,
                   "text": delta.text})

        with reporting_progress(forward):
            return agent(state, runtime)

    return node


def with_allowance(agent: Callable[..., Any]) -> Callable[..., Any]:
    """`agent` with the run's approved budget allowance visible to its budget checks."""

    @functools.wraps(agent)
    def node(state: FactoryState, runtime: FactoryRuntime) -> Any:
        with granting(state.get("allowance")):
            return agent(state, runtime)

    return node


def factory_builder(nodes: Mapping[str, Callable[..., Any]] | None = None,
                    context_schema: type[Any] = FactoryDeps) -> (
        StateGraph[FactoryState, Any, FactoryState, FactoryState]):
    """The uncompiled graph; `nodes` replaces agents by name (the overhead bench uses stubs).

    `context_schema` is what an invocation's `context` is: `FactoryDeps` in process; LangGraph's
    server passes JSON, which it would coerce into a dataclass schema (see `webnova.graphs.server`).
    """
    graph: StateGraph[FactoryState, Any, FactoryState, FactoryState] = StateGraph(
        FactoryState, context_schema=context_schema)
    chosen = {**AGENTS, **(nodes or {})}
    for name in NODES:
        node = chosen[name]
        if name in BRAIN_NODES and node is AGENTS[name]:
            node = streaming_brain(name, node)
        if name in _ALLOWANCE_NODES and node is AGENTS[name]:
            node = with_allowance(node)
        # Stubs and wrappers lack the agents' Command annotations: destinations are declared.
        graph.add_node(name, node, destinations=_DESTINATIONS.get(name, ()))
    graph.add_edge(START, "intent")
    graph.add_edge("architect", "review_blueprint")
    graph.add_edge("review_blueprint", "approve_blueprint")
    graph.add_edge("review_release", "approve_release")
    graph.add_edge("deployer", END)
    return graph


def build_factory_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> FactoryGraph:
    """Compile the factory graph with `checkpointer` (required to pause and resume)."""
    return factory_builder().compile(checkpointer=checkpointer, name="webnova-factory")
