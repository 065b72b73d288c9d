"""Shared fixtures: isolated settings, a fresh PostgreSQL database per test session, and the
`platform` fixture that runs a test on both the embedded SQLite default and real PostgreSQL."""

from __future__ import annotations

import ipaddress
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from webnova.core import db
from webnova.core.platform import Platform
from webnova.i18n import use_locale
from webnova.settings import Settings, load_settings

_ENV = load_settings()
_REAL_CONNECT = socket.socket.connect
_REAL_CONNECT_EX = socket.socket.connect_ex


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths and the like never leave the machine
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already be a network request


def _guarded(real):  # type: ignore[no-untyped-def]
    def connect(sock: socket.socket, address: object):  # type: ignore[no-untyped-def]
        if not _is_local(address):
            raise ConnectionRefusedError(f"tests may not reach the network (tried {address!r})")
        return real(sock, address)
    return connect


@pytest.fixture(autouse=True)
def _english_unless_asked() -> Iterator[None]:
    """Every test starts in English and leaves no language behind (`webnova --lang ar` sets it
    for the whole context, as a CLI process should)."""
    with use_locale("en"):
        yield


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """No test reaches beyond this machine: a connection to anything but loopback is refused."""
    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", _guarded(_REAL_CONNECT))
    mp.setattr(socket.socket, "connect_ex", _guarded(_REAL_CONNECT_EX))
    yield
    mp.undo()


@dataclass(frozen=True)
class PgUrls:
    """A throwaway database: `admin` owns and migrates it, `app` is the RLS-bound app role."""

    admin: str
    app: str
    name: str


def _pg_unavailable(reason: str) -> None:
    if _ENV.ci:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> tuple[str, str]:
    """Owner and app URLs of the test server (from `scripts/ensure-postgres.sh`, run by make)."""
    if _ENV.test_database_url is None or _ENV.test_app_database_url is None:
        _pg_unavailable("WEBNOVA_TEST_DATABASE_URL / WEBNOVA_TEST_APP_DATABASE_URL are not set; "
                        "run the tests through `make test`")
    assert _ENV.test_database_url is not None and _ENV.test_app_database_url is not None
    return (_ENV.test_database_url.get_secret_value(),
            _ENV.test_app_database_url.get_secret_value())


@pytest.fixture(scope="session")
def pg_deploy_server() -> str:
    """URL of a role that may create databases and roles (WEBNOVA_DEPLOY_DATABASE_URL's kind)."""
    if _ENV.test_deploy_database_url is None:
        _pg_unavailable("WEBNOVA_TEST_DEPLOY_DATABASE_URL is not set; run the tests through "
                        "`make test`")
    assert _ENV.test_deploy_database_url is not None
    return _ENV.test_deploy_database_url.get_secret_value()


def create_pg_database(server: tuple[str, str]) -> PgUrls:
    """Create and migrate an empty database owned by the test owner role."""
    owner_url, app_url = (db.normalize_url(u) for u in server)
    name = f"webnova_t_{uuid.uuid4().hex[:12]}"
    try:
        engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
    except Exception as exc:
        _pg_unavailable(str(exc).splitlines()[0])
    urls = PgUrls(
        admin=make_url(owner_url).set(database=name).render_as_string(hide_password=False),
        app=make_url(app_url).set(database=name).render_as_string(hide_password=False),
        name=name,
    )
    db.upgrade(urls.admin, app_url=urls.app)
    return urls


def drop_pg_database(server: tuple[str, str], name: str) -> None:
    """Drop a database made by create_pg_database (connections are closed by force)."""
    db.drop_database(server[0], name)


@pytest.fixture(scope="session")
def pg_database(pg_server: tuple[str, str]) -> Iterator[PgUrls]:
    """One migrated PostgreSQL database shared by the session (tests use unique tenants)."""
    urls = create_pg_database(pg_server)
    yield urls
    drop_pg_database(pg_server, urls.name)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with an isolated WEBNOVA_HOME and the embedded database inside it."""
    return load_settings(home=tmp_path / "home", database_url=None, database_admin_url=None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test on the embedded default and on real PostgreSQL."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, settings: Settings, request: pytest.FixtureRequest) -> str:
    """The app's URL on the chosen backend (PostgreSQL: the non-superuser app role)."""
    if backend == "sqlite":
        return settings.effective_database_url
    pg: PgUrls = request.getfixturevalue("pg_database")
    return pg.app


@pytest.fixture
def platform(database_url: str, settings: Settings) -> Iterator[Platform]:
    """An open Platform on the chosen backend."""
    with Platform.open(database_url, settings=settings) as opened:
        yield opened


@pytest.fixture
def tenant_id() -> str:
    """A tenant id no other test uses (the PostgreSQL database is shared by the session)."""
    return f"t-{uuid.uuid4().hex[:10]}"
