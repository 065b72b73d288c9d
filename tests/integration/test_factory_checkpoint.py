"""Checkpointers: the SQLite file by default, PostgreSQL when the database is PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.types import Command

from tests.conftest import PgUrls, create_pg_database, drop_pg_database
from tests.graph.fakes import make_deps
from webnova.core.platform import Platform
from webnova.graphs.checkpoint import open_checkpointer, psycopg_dsn
from webnova.graphs.factory_graph import build_factory_graph
from webnova.settings import Settings, load_settings

CLINIC = "A booking platform for our clinic; patients book appointments with doctors."


def _pause_then_resume(settings: Settings, platform: Platform, projects: Path) -> str:
    run_id = uuid.uuid4().hex
    config: Any = {"configurable": {"thread_id": run_id}}
    deps = make_deps(platform, projects)
    with open_checkpointer(settings) as saver:
        first: Any = build_factory_graph(saver)
        out = first.invoke({"run_id": run_id, "text": CLINIC, "approvals": "ask"}, config,
                           context=deps, version="v2")
        assert out.interrupts[0].value["kind"] == "blueprint"
    with open_checkpointer(settings) as saver:  # a new connection (pool), as after a restart
        graph: Any = build_factory_graph(saver)
        graph.invoke(Command(resume={"kind": "approve"}), config, context=deps)
        final = graph.invoke(Command(resume={"kind": "approve"}), config, context=deps)
    return str(final["status"])


def test_sqlite_checkpoints_live_in_a_file_under_home(settings: Settings,
                                                      tmp_path: Path) -> None:
    with Platform.open(settings=settings) as platform:
        assert _pause_then_resume(settings, platform, tmp_path / "projects") == "done"
    assert (settings.home / "checkpoints.sqlite").is_file()


def test_psycopg_dsn_drops_the_sqlalchemy_driver() -> None:
    assert psycopg_dsn("postgresql+psycopg://u:p@h:5432/db") == "postgresql://u:p@h:5432/db"


@pytest.fixture
def own_pg_database(pg_server: tuple[str, str]) -> Iterator[PgUrls]:
    """A database of its own: the checkpoint tables must not leak into the shared one."""
    urls = create_pg_database(pg_server)
    yield urls
    drop_pg_database(pg_server, urls.name)


@pytest.mark.postgres
def test_postgres_checkpoints_survive_a_new_pool(own_pg_database: PgUrls,
                                                 tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", database_url=own_pg_database.app,
                             database_admin_url=own_pg_database.admin)
    assert settings.checkpoint_url.startswith("postgresql")
    with Platform.open(settings=settings) as platform:
        assert _pause_then_resume(settings, platform, tmp_path / "projects") == "done"
