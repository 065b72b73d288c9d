"""The chat shell: language negotiation, the greeting, the UI command and the shipped UI files."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from webnova import i18n
from webnova.chat import server
from webnova.chat.welcome import (
    choose_language,
    cookie_language,
    pending_reply,
    session_language,
    welcome_text,
)
from webnova.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
FRAGMENT = REPO / "locales" / "pending" / "chat.po"
TRANSLATIONS = REPO / ".chainlit" / "translations"
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    """English and Arabic catalogs made from this area's fragment, merged into the main ones or not.

    Yields the Arabic fragment so tests can look up the expected translations.
    """
    with FRAGMENT.open("rb") as handle:
        arabic = read_po(handle, locale="ar")
    for lang, catalog in (("en", Catalog(locale="en")), ("ar", arabic)):
        folder = tmp_path / "locales" / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "webnova.po").open("wb") as handle:
            write_po(handle, catalog)
    monkeypatch.setattr(i18n, "catalog_dir", lambda: tmp_path / "locales")
    i18n.translations.cache_clear()
    yield arabic
    i18n.translations.cache_clear()


def _settings(home: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "anthropic_api_key": None,
        "e2b_api_key": None,
        "database_url": None,
        **overrides,
    }
    return load_settings(**values)


def _arabic(catalog: Catalog, msgid: str) -> str:
    message = catalog.get(msgid)
    assert message is not None and isinstance(message.string, str), msgid
    return message.string


# --- language negotiation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "cookie", "expected"),
    [
        ("ar-EG", None, "ar"),
        ("ar-SA", "", "ar"),
        ("en-US", None, "en"),
        ("fr-FR,ar;q=0.8", None, "ar"),
        ("ar-SA", "ui_lang=en", "en"),
        ("en-US", "theme=dark; ui_lang=ar", "ar"),
        ("en-GB", "ui_lang=ar-SA", "ar"),
        ("%%%garbage", "ui_lang=<script>", "en"),
        (None, "ui_lang", "en"),
        (None, None, "en"),
    ],
)
def test_chat_language_prefers_the_cookie_then_the_browser(
    accept_language: str | None, cookie: str | None, expected: str
) -> None:
    assert choose_language(accept_language, cookie) == expected


def test_chat_language_falls_back_to_the_operator_default_when_the_browser_names_none() -> None:
    assert choose_language(None, None, default="ar") == "ar"
    assert choose_language("en-US", None, default="ar") == "en"


def test_malformed_language_cookies_are_ignored() -> None:
    assert cookie_language('ui_lang="ar; x=1"; other') is None
    assert cookie_language("ui_lang=ar-SA-extra-long") is None
    assert cookie_language("ui_lang=ar") == "ar"


def test_session_language_reads_chainlit_websocket_sessions_and_tolerates_http_ones() -> None:
    websocket = SimpleNamespace(language="ar-SA", environ={"HTTP_COOKIE": "ui_lang=en"})
    arabic_browser = SimpleNamespace(language="ar-EG", environ={})
    http_session = SimpleNamespace()
    assert session_language(websocket) == "en"
    assert session_language(arabic_browser) == "ar"
    assert session_language(http_session, default="ar") == "ar"


# --- what the chat says --------------------------------------------------------------------


def test_welcome_names_the_offline_planner_and_local_sandbox_without_keys(
    catalogs: Catalog, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    english = welcome_text(settings, "en")
    arabic = welcome_text(settings, "ar")
    assert "Welcome to WebNova" in english
    assert "offline planner" in english
    assert "Sandbox: local" in english
    assert "on this machine (local runtime)" in english and "/help" in english
    assert "preview: the conversation" not in english  # the factory is connected now
    assert english != arabic
    assert _arabic(catalogs, "Welcome to WebNova") in arabic
    assert "المخطِّط دون اتصال" in arabic
    assert "محلية" in arabic


def test_welcome_names_claude_and_e2b_when_keys_are_configured(
    catalogs: Catalog, tmp_path: Path
) -> None:
    settings = _settings(
        tmp_path,
        anthropic_api_key="sk-ant-test",
        e2b_api_key="e2b-test",
        anthropic_model="claude-test-1",
    )
    english = welcome_text(settings, "en")
    arabic = welcome_text(settings, "ar")
    assert "Claude (claude-test-1)" in english
    assert "offline planner" not in english
    assert "E2B" in english
    assert "Claude (claude-test-1)" in arabic
    assert ARABIC.search(arabic)
    assert "sk-ant-test" not in english + arabic


def test_reply_to_a_message_is_honest_and_localized(catalogs: Catalog) -> None:
    english = pending_reply("en")
    arabic = pending_reply("ar")
    assert "not connected to this chat yet" in english
    assert "`webnova --help`" in english
    assert "`webnova --help`" in arabic
    assert ARABIC.search(arabic)
    assert english != arabic


def test_arabic_fragment_translates_every_chat_string_with_the_same_placeholders() -> None:
    with FRAGMENT.open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    messages = [m for m in catalog if m.id]
    assert messages
    for message in messages:
        assert isinstance(message.id, str) and isinstance(message.string, str)
        assert ARABIC.search(message.string), message.id
        assert set(re.findall(r"\{\w+\}", message.id)) == set(
            re.findall(r"\{\w+\}", message.string)
        ), message.id


# --- starting the UI -----------------------------------------------------------------------


def test_ui_command_runs_chainlit_headless_from_the_app_root(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "home", anthropic_api_key="sk-ant-secret")
    command = server.ui_command(
        settings, "127.0.0.1", 8123, app_root=tmp_path / "app", python="/py"
    )
    assert command.argv == (
        "/py",
        "-m",
        "chainlit",
        "run",
        "app.py",
        "--host",
        "127.0.0.1",
        "--port",
        "8123",
        "--headless",
    )
    assert command.cwd == tmp_path / "app"
    assert command.env["CHAINLIT_APP_ROOT"] == str(tmp_path / "app")
    assert command.env["WEBNOVA_HOME"] == str(tmp_path / "home")
    assert command.env["WEBNOVA_ANTHROPIC_API_KEY"] == "sk-ant-secret"
    assert "DATABASE_URL" not in command.env
    assert not any("sk-ant-secret" in arg for arg in command.argv)


def test_ui_command_without_headless_lets_chainlit_open_a_browser(tmp_path: Path) -> None:
    command = server.ui_command(
        _settings(tmp_path), "0.0.0.0", 8000, app_root=tmp_path, headless=False
    )
    assert command.argv[0] == sys.executable
    assert "--headless" not in command.argv


def test_settings_cleared_for_the_ui_stay_cleared_in_the_child(tmp_path: Path) -> None:
    env = server.settings_env(_settings(tmp_path, anthropic_api_key=None))
    assert env["WEBNOVA_ANTHROPIC_API_KEY"] == ""
    assert env["WEBNOVA_E2B_API_KEY"] == ""


def test_child_environment_keeps_path_and_drops_chainlit_database_switches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("LITERAL_API_KEY", "lit-key")
    env = server.environ_with({"WEBNOVA_HOME": "/srv/webnova"})
    assert "PATH" in env
    assert env["WEBNOVA_HOME"] == "/srv/webnova"
    assert "DATABASE_URL" not in env
    assert "LITERAL_API_KEY" not in env


def test_a_writable_checkout_is_served_in_place(tmp_path: Path) -> None:
    assert server.prepare_app_root(_settings(tmp_path / "home"), REPO) == REPO


def test_a_read_only_installation_is_copied_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "site-packages" / "app"
    (source / ".chainlit" / "translations").mkdir(parents=True)
    (source / "public").mkdir()
    (source / "app.py").write_text("# app\n", encoding="utf-8")
    (source / "chainlit.md").write_text("# Hi\n", encoding="utf-8")
    (source / "chainlit_ar.md").write_text("# أهلًا\n", encoding="utf-8")
    (source / ".chainlit" / "config.toml").write_text("[UI]\n", encoding="utf-8")
    (source / "public" / "rtl.js").write_text("//\n", encoding="utf-8")
    monkeypatch.setattr(server, "_is_writable", lambda path: False)
    settings = _settings(tmp_path / "home")

    root = server.prepare_app_root(settings, source)

    assert root == tmp_path / "home" / "ui"
    assert (root / "app.py").read_text(encoding="utf-8") == "# app\n"
    assert (root / "chainlit_ar.md").read_text(encoding="utf-8") == "# أهلًا\n"
    assert (root / ".chainlit" / "config.toml").is_file()
    assert (root / "public" / "rtl.js").is_file()


# --- the files Chainlit serves -------------------------------------------------------------


def _keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        keys |= _keys(value, path) if isinstance(value, dict) else {path}
    return keys


def _translation(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TRANSLATIONS / name).read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", ["ar.json", "ar-SA.json"])
def test_arabic_ui_translations_cover_every_chainlit_key(name: str) -> None:
    # find_spec, not import: importing chainlit writes .chainlit/ and .files/ into the cwd.
    spec = importlib.util.find_spec("chainlit")
    assert spec is not None and spec.origin is not None
    bundled = Path(spec.origin).parent / "translations" / "en-US.json"
    truth = _keys(json.loads(bundled.read_text(encoding="utf-8")))
    assert _keys(_translation("en-US.json")) == truth
    assert _keys(_translation(name)) == truth
    placeholder = _translation(name)["chat"]["input"]["placeholder"]
    assert ARABIC.search(placeholder)


def test_welcome_pages_exist_in_both_languages_and_differ() -> None:
    english = (REPO / "chainlit.md").read_text(encoding="utf-8")
    arabic = (REPO / "chainlit_ar.md").read_text(encoding="utf-8")
    saudi = (REPO / "chainlit_ar-SA.md").read_text(encoding="utf-8")
    assert "offline planner" in english
    assert english != arabic
    assert ARABIC.search(arabic)
    assert "المخطِّط دون اتصال" in arabic
    assert saudi == arabic


def test_chainlit_config_loads_rtl_script_and_refuses_html_and_any_origin() -> None:
    config = tomllib.loads((REPO / ".chainlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["UI"]["name"] == "WebNova"
    assert config["UI"]["custom_js"] == "/public/rtl.js"
    assert (REPO / "public" / "rtl.js").is_file()
    assert config["features"]["unsafe_allow_html"] is False
    assert "*" not in config["project"]["allow_origins"]
    assert "language" not in config["UI"]
