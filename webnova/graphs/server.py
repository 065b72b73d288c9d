"""The factory graph for LangGraph's own server (`langgraph.json` points here).

The server owns checkpointing and passes the run's context as JSON, so the dependencies are built
here from the settings and the context's `tenant` (default "default"), once per tenant. The
graph's context schema is a TypedDict: LangGraph coerces a JSON context into a dataclass schema
(it would try `FactoryDeps(**context)`) but passes it as is for a TypedDict, so `deps_of` gets the
JSON and builds the dependencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from typing_extensions import TypedDict

from webnova.graphs.deps import FactoryDeps
from webnova.graphs.factory_graph import factory_builder
from webnova.graphs.state import FactoryState


class ServerContext(TypedDict, total=False):
    """The JSON context of a run on LangGraph's server."""

    tenant: str


ServerGraph = CompiledStateGraph[FactoryState, ServerContext, FactoryState, FactoryState]


def make_graph() -> ServerGraph:
    """The compiled graph without a checkpointer (the server supplies one)."""
    return factory_builder(context_schema=ServerContext).compile(name="webnova-factory")


def server_deps(context: Mapping[str, Any]) -> FactoryDeps:
    """Dependencies for a server-run graph whose context is plain JSON."""
    return _deps_for(str(context.get("tenant") or "default"))


@cache
def _deps_for(tenant: str) -> FactoryDeps:
    from webnova.factory import Factory

    # Lives as long as the server process, like the server's own connection pools.
    return Factory().deps(tenant)
