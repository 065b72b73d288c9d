"""The factory graph for LangGraph's own server (`langgraph.json` points here).

The server owns checkpointing and passes the run's context as JSON, so the dependencies are built
here from the settings and the context's `tenant` (default "default"), once per tenant.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from webnova.graphs.deps import FactoryDeps
from webnova.graphs.factory_graph import FactoryGraph, factory_builder


def make_graph() -> FactoryGraph:
    """The compiled graph without a checkpointer (the server supplies one)."""
    return factory_builder().compile(name="webnova-factory")


def server_deps(context: Mapping[str, Any]) -> FactoryDeps:
    """Dependencies for a server-run graph whose context is plain JSON."""
    return _deps_for(str(context.get("tenant") or "default"))


@cache
def _deps_for(tenant: str) -> FactoryDeps:
    from webnova.factory import Factory

    # Lives as long as the server process, like the server's own connection pools.
    return Factory().deps(tenant)
