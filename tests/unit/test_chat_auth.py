"""Chat sign-in against WebNova's people, the session secret, and the chat history's own tables."""

from __future__ import annotations

import asyncio
import stat
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, inspect

from webnova.chat.auth import (
    ChatIdentity,
    accounts_exist,
    auth_secret,
    bootstrap_owner,
    current_member,
    operator_identity,
    sign_in,
    split_login,
)
from webnova.chat.datalayer import chat_database_url, make_data_layer, schema_statements
from webnova.chat.server import ui_command
from webnova.core.platform import Platform
from webnova.governance.people import Role, operator
from webnova.governance.service import Governance
from webnova.settings import Settings, load_settings

with warnings.catch_warnings():
    # Chainlit's import pulls in a dependency that still uses pydantic v1-style config.
    warnings.simplefilter("ignore", DeprecationWarning)
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
    from chainlit.types import Pagination, ThreadFilter
    from chainlit.user import User

PASSWORD = "correct horse battery"


@pytest.fixture
def home_settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "home", database_url=None, database_admin_url=None,
                         auth_secret=None)


@pytest.fixture
def platform(home_settings: Settings) -> Iterator[Platform]:
    with Platform.open(settings=home_settings) as opened:
        yield opened


@pytest.fixture
def owner(platform: Platform) -> str:
    Governance(platform, "default").people.create_owner("Root@Example.com", PASSWORD)
    return "root@example.com"


def test_generated_secret_is_private_and_stable(home_settings: Settings) -> None:
    first = auth_secret(home_settings)
    second = auth_secret(home_settings)
    path = home_settings.home / "ui-auth-secret"

    assert first == second
    assert len(first) >= 48
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_configured_secret_wins(home_settings: Settings) -> None:
    configured = home_settings.model_copy(update={"auth_secret": SecretStr("s" * 40)})

    assert auth_secret(configured) == "s" * 40
    assert not (home_settings.home / "ui-auth-secret").exists()


def test_login_names_a_tenant_or_uses_the_default() -> None:
    assert split_login("sara@acme.com") == ("default", "sara@acme.com")
    assert split_login(" acme:sara@acme.com ") == ("acme", "sara@acme.com")
    assert split_login("odd:name@x.com:y", "t") == ("odd", "name@x.com:y")


def test_right_password_signs_in_with_a_tenant_scoped_identity(platform: Platform,
                                                               owner: str) -> None:
    identity = sign_in(platform, "ROOT@example.com", PASSWORD)

    assert identity is not None
    assert identity.identifier == "default:root@example.com"
    assert identity.role is Role.ROOT_OWNER
    assert ChatIdentity.from_metadata(identity.metadata()) == identity


@pytest.mark.parametrize("login", ["root@example.com", "nobody@example.com",
                                   "ghost-tenant:root@example.com"])
def test_wrong_credentials_or_unknown_tenant_are_refused(platform: Platform, owner: str,
                                                         login: str) -> None:
    password = "wrong password!!" if login == "root@example.com" else PASSWORD

    assert sign_in(platform, login, password) is None
    assert "ghost-tenant" not in platform.tenant_ids()


def test_suspension_ends_an_open_chat_session(platform: Platform, owner: str) -> None:
    gov = Governance(platform, "default")
    gov.people.add(operator("default"), "dev@example.com", PASSWORD, Role.DEVELOPER)
    identity = sign_in(platform, "dev@example.com", PASSWORD)
    assert identity is not None
    assert current_member(platform, identity) is not None

    gov.people.suspend(operator("default"), "dev@example.com", "left the team")

    assert current_member(platform, identity) is None
    assert sign_in(platform, "dev@example.com", PASSWORD) is None


def test_malformed_metadata_is_no_identity() -> None:
    assert ChatIdentity.from_metadata({"tenant_id": "x"}) is None
    assert ChatIdentity.from_metadata("nonsense") is None


def test_first_owner_comes_from_configuration_once(platform: Platform) -> None:
    created = bootstrap_owner(platform, "boss@example.com", PASSWORD)
    again = bootstrap_owner(platform, "other@example.com", "another password")

    assert created is not None and created.role is Role.ROOT_OWNER
    assert again is None
    assert bootstrap_owner(platform, None, None) is None
    assert sign_in(platform, "boss@example.com", PASSWORD) is not None


def test_chat_history_uses_its_own_sqlite_file(home_settings: Settings) -> None:
    url = chat_database_url(home_settings)

    assert url == f"sqlite+aiosqlite:///{home_settings.home / 'chat.sqlite'}"
    pg = home_settings.model_copy(update={"database_url": "postgresql://u:p@h:5432/db"})
    assert chat_database_url(pg) == "postgresql+psycopg://u:p@h:5432/db"
    assert schema_statements("postgresql")[0] == "CREATE SCHEMA IF NOT EXISTS chainlit"


def test_data_layer_stores_threads_with_steps_per_user(home_settings: Settings) -> None:
    layer = make_data_layer(home_settings)

    async def scenario() -> tuple[int, int]:
        sara = await layer.create_user(User(identifier="acme:sara@acme.test"))
        omar = await layer.create_user(User(identifier="globex:omar@globex.test"))
        assert sara is not None and omar is not None
        thread = str(uuid.uuid4())
        await layer.update_thread(thread, name="clinic", user_id=sara.id)
        step = {"id": str(uuid.uuid4()), "threadId": thread, "name": "planner", "type": "tool",
                "streaming": False, "output": "planned", "autoCollapse": True,
                "createdAt": "2026-01-01T00:00:00Z"}
        # Outside a websocket session Chainlit's queueing decorator needs a context; call through.
        await SQLAlchemyDataLayer.create_step.__wrapped__(layer, step)
        mine = await layer.list_threads(Pagination(first=10), ThreadFilter(userId=sara.id))
        theirs = await layer.list_threads(Pagination(first=10), ThreadFilter(userId=omar.id))
        await layer.close()
        return len(mine.data[0]["steps"]), len(theirs.data)

    assert asyncio.run(scenario()) == (1, 0)
    engine = create_engine(f"sqlite:///{home_settings.home / 'chat.sqlite'}")
    columns = {c["name"] for c in inspect(engine).get_columns("steps")}
    engine.dispose()
    assert "autoCollapse" in columns


def test_ui_child_gets_the_session_secret_in_its_environment_only(
        home_settings: Settings, tmp_path: Path) -> None:
    command = ui_command(home_settings, "127.0.0.1", 8123, app_root=tmp_path)

    secret = command.env["CHAINLIT_AUTH_SECRET"]
    assert secret == auth_secret(home_settings)
    assert not any(secret in arg for arg in command.argv)


def test_setup_mode_lasts_until_the_first_account_exists(platform: Platform) -> None:
    identity = operator_identity()
    assert not accounts_exist(platform)
    member = current_member(platform, identity)
    assert member is not None and member.role is Role.ROOT_OWNER

    Governance(platform, "default").people.create_owner("first@example.com", PASSWORD)

    assert accounts_exist(platform)
    assert current_member(platform, identity) is None


@pytest.mark.postgres
def test_postgres_chat_history_lives_in_its_own_schema(tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    pg = request.getfixturevalue("pg_database")
    settings = load_settings(home=tmp_path / "home", database_url=pg.app,
                             database_admin_url=pg.admin)
    layer = make_data_layer(settings)

    async def scenario() -> str | None:
        user = await layer.create_user(User(identifier=f"t-{uuid.uuid4().hex[:8]}:a@b.co"))
        await layer.close()
        return user.identifier if user else None

    assert asyncio.run(scenario()) is not None
    engine = create_engine(pg.admin.replace("postgresql://", "postgresql+psycopg://", 1)
                           if pg.admin.startswith("postgresql://") else pg.admin)
    tables = set(inspect(engine).get_table_names(schema="chainlit"))
    webnova_users = {c["name"] for c in inspect(engine).get_columns("users", schema="public")}
    engine.dispose()
    assert {"users", "threads", "steps", "elements", "feedbacks"} <= tables
    assert "identifier" not in webnova_users  # WebNova's own users table is untouched
