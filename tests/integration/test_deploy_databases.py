"""Each deployed platform's own PostgreSQL database: made once, kept across releases, isolated.

Real PostgreSQL (the role `scripts/ensure-postgres.sh` makes with CREATEDB CREATEROLE, as an
operator's WEBNOVA_DEPLOY_DATABASE_URL would be) and the real project runtime.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.integration.test_factory_deployer import HEALTHY, _project, runtime
from webnova.adapters.appdb import (
    PlatformDatabases,
    database_name,
    driver_url,
)
from webnova.adapters.runtime import ProjectRuntime
from webnova.agents.deployer import LocalDeployer
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog

pytestmark = pytest.mark.postgres
__all__ = ["runtime"]  # the project runtime fixture, shared with the deployer tests

# Answers with the database its release was given.
DATABASE = HEALTHY.replace('b"VERSION"', '(os.environ.get("DATABASE_URL", "-") + " VERSION")'
                           '.encode()')


@pytest.fixture
def slugs(pg_deploy_server: str) -> Iterator[list[str]]:
    """Fresh platform slugs; their databases and roles are dropped afterwards."""
    made: list[str] = []
    yield made
    with psycopg.connect(driver_url(pg_deploy_server), autocommit=True) as conn:
        for slug in made:
            name = sql.Identifier(database_name(slug))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(name))


def _slug(slugs: list[str], kind: str = "clinic") -> str:
    slugs.append(f"t{uuid.uuid4().hex[:10]}-{kind}")
    return slugs[-1]


def _blueprint(slug: str, backend: str = "express") -> Blueprint:
    entry = load_catalog().get("api-only")
    assert entry is not None
    data = entry.blueprint().model_dump(mode="json")
    data["slug"] = slug
    data["stack"].update(backend=backend,
                         language="python" if backend == "fastapi" else "typescript")
    return Blueprint.model_validate(data)


def test_a_platform_database_is_made_once_and_belongs_to_the_platform_alone(
        pg_deploy_server: str, slugs: list[str]) -> None:
    databases = PlatformDatabases(pg_deploy_server)
    first, second = _slug(slugs), _slug(slugs, "shop")
    url = databases.ensure(first, "pw-1")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == (
            database_name(first), database_name(first))
        conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, text text)")
        conn.execute("INSERT INTO notes (text) VALUES ('kept')")
    assert databases.ensure(first, "pw-1") == url  # again: nothing made, nothing lost
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT text FROM notes").fetchall() == [("kept",)]
    other = urlsplit(databases.ensure(second, "pw-2"))  # another platform's role...
    intruder = urlunsplit(other._replace(path=f"/{database_name(first)}"))  # ...on this database
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(intruder)


def test_releases_and_rollbacks_of_a_platform_share_its_database(
        pg_deploy_server: str, slugs: list[str], runtime: ProjectRuntime,
        tmp_path: Path) -> None:
    slug = _slug(slugs)
    deployer = LocalDeployer(runtime, tmp_path / "releases", PlatformDatabases(pg_deploy_server))
    project = _project(tmp_path / "p", DATABASE, 1)
    first = deployer.deploy(_blueprint(slug), project, "run-1")
    assert first.ok and first.url and first.storage == f"postgresql:{database_name(slug)}"
    url, version = httpx.get(first.url, timeout=5, trust_env=False).text.split(" ")
    assert version == "v1" and url.endswith(f"/{database_name(slug)}")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE notes (text text)")
        conn.execute("INSERT INTO notes VALUES ('written by release 1')")
    _project(project, DATABASE, 2)
    second = deployer.deploy(_blueprint(slug), project, "run-2")
    assert second.ok and second.url
    assert httpx.get(second.url, timeout=5, trust_env=False).text == f"{url} v2"
    restored = deployer.restore(slug, first.message, "run-3")
    assert restored.ok and restored.storage == first.storage
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT text FROM notes").fetchall() == [("written by release 1",)]


def test_without_a_database_server_data_is_in_memory_and_the_result_says_so(
        runtime: ProjectRuntime, tmp_path: Path) -> None:
    deployer = LocalDeployer(runtime, tmp_path / "releases")
    project = _project(tmp_path / "p", DATABASE, 1)
    done = deployer.deploy(_blueprint("notes-api"), project, "run-1")
    assert done.ok and done.url and done.storage == "memory"
    assert httpx.get(done.url, timeout=5, trust_env=False).text == "- v1"


def test_fastapi_platforms_stay_in_memory_even_with_a_database_server(
        pg_deploy_server: str, slugs: list[str], runtime: ProjectRuntime,
        tmp_path: Path) -> None:
    slug = _slug(slugs)
    deployer = LocalDeployer(runtime, tmp_path / "releases", PlatformDatabases(pg_deploy_server))
    done = deployer.deploy(_blueprint(slug, "fastapi"), _project(tmp_path / "p", DATABASE, 1),
                           "run-1")
    assert done.ok and done.storage == "memory"


def test_an_unreachable_database_server_fails_the_deployment_clearly(
        runtime: ProjectRuntime, tmp_path: Path) -> None:
    deployer = LocalDeployer(runtime, tmp_path / "releases",
                             PlatformDatabases("postgresql://nobody:pw@127.0.0.1:9/postgres"))
    failed = deployer.deploy(_blueprint("notes-api"), _project(tmp_path / "p", DATABASE, 1),
                             "run-1")
    assert not failed.ok and not failed.rolled_back
    assert "The database of notes-api could not be prepared on 127.0.0.1:9" in failed.message
    assert runtime.records() == []  # nothing was started
