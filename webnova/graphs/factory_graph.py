"""The factory graph: six agents, explicit edges, approvals as interrupts.

```
START -> intent -> (clarify -> intent) -> architect -> review_blueprint -> approve_blueprint
      -> coder -> tester -> (coder, bounded) -> review_release -> approve_release -> deployer -> END
```
Branches are `Command` returns typed with `Literal` destinations; every fixed edge is declared
here. Nodes get their dependencies from the runtime context (`FactoryDeps`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from webnova.agents.architect import architect
from webnova.agents.coder import coder
from webnova.agents.deployer import deployer
from webnova.agents.governor import review_blueprint, review_release
from webnova.agents.intent import intent
from webnova.agents.tester import tester
from webnova.graphs.approvals import approve_blueprint, approve_release, clarify
from webnova.graphs.deps import FactoryDeps
from webnova.graphs.state import FactoryState

_DESTINATIONS: dict[str, tuple[str, ...]] = {
    "intent": ("clarify", "architect", "review_blueprint", END),
    "clarify": ("intent", END),
    "approve_blueprint": ("coder", "architect", "review_blueprint", END),
    "coder": ("tester", END),
    "tester": ("coder", "review_release", END),
    "approve_release": ("deployer", "architect", END),
}
FactoryGraph = CompiledStateGraph[FactoryState, FactoryDeps, FactoryState, FactoryState]
NODES = ("intent", "clarify", "architect", "review_blueprint", "approve_blueprint", "coder",
         "tester", "review_release", "approve_release", "deployer")


AGENTS: dict[str, Callable[..., Any]] = {
    "intent": intent, "clarify": clarify, "architect": architect,
    "review_blueprint": review_blueprint, "approve_blueprint": approve_blueprint,
    "coder": coder, "tester": tester, "review_release": review_release,
    "approve_release": approve_release, "deployer": deployer,
}


def factory_builder(nodes: Mapping[str, Callable[..., Any]] | None = None) -> (
        StateGraph[FactoryState, FactoryDeps, FactoryState, FactoryState]):
    """The uncompiled graph; `nodes` replaces agents by name (the overhead bench uses stubs)."""
    graph = StateGraph(FactoryState, context_schema=FactoryDeps)
    chosen = {**AGENTS, **(nodes or {})}
    for name in NODES:
        # Stubs lack the agents' Command annotations, so their destinations are declared.
        graph.add_node(name, chosen[name], destinations=_DESTINATIONS.get(name, ()))
    graph.add_edge(START, "intent")
    graph.add_edge("architect", "review_blueprint")
    graph.add_edge("review_blueprint", "approve_blueprint")
    graph.add_edge("review_release", "approve_release")
    graph.add_edge("deployer", END)
    return graph


def build_factory_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> FactoryGraph:
    """Compile the factory graph with `checkpointer` (required to pause and resume)."""
    return factory_builder().compile(checkpointer=checkpointer, name="webnova-factory")
