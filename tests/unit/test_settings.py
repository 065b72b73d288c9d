"""Settings: one reader of the environment, clear errors, safe defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from webnova.settings import SettingsError, load_settings


def test_the_embedded_database_lives_under_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'webnova.db'}"
    assert settings.effective_admin_url == settings.effective_database_url
    assert settings.checkpoint_url == f"sqlite:///{tmp_path / 'checkpoints.sqlite'}"


def test_postgres_checkpoints_live_next_to_postgres_data(tmp_path: Path) -> None:
    url = "postgresql+psycopg://app:pw@127.0.0.1:5432/webnova"
    assert load_settings(home=tmp_path, database_url=url).checkpoint_url == url


@pytest.mark.parametrize("url", ["mysql://x@y/z", "mongodb://h/db", "not a url"])
def test_an_unknown_database_scheme_is_refused_at_start_up(url: str) -> None:
    with pytest.raises(SettingsError, match="unsupported database URL scheme"):
        load_settings(database_url=url)


def test_environment_variables_are_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("WEBNOVA_HOME", str(tmp_path))
    monkeypatch.setenv("WEBNOVA_UI_PORT", "8123")
    monkeypatch.setenv("WEBNOVA_ANTHROPIC_API_KEY", "sk-test-secret")
    settings = load_settings()
    assert settings.home == tmp_path
    assert settings.ui_port == 8123
    assert settings.model_mode == "claude"
    assert "sk-test-secret" not in repr(settings)


def test_the_model_and_sandbox_are_offline_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEBNOVA_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "WEBNOVA_E2B_API_KEY",
                 "E2B_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert (settings.model_mode, settings.sandbox_mode) == ("offline", "local")


@pytest.mark.parametrize(("lang", "expected"), [("ar_SA.UTF-8", "ar-SA"), ("C.UTF-8", "en"),
                                                ("POSIX", "en"), ("en_US.UTF-8", "en-US")])
def test_the_system_language_becomes_the_default_locale(monkeypatch: pytest.MonkeyPatch,
                                                        lang: str, expected: str) -> None:
    monkeypatch.delenv("WEBNOVA_LOCALE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", lang)
    assert load_settings().locale == expected


def test_an_empty_key_variable_means_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNOVA_ANTHROPIC_API_KEY", "")
    monkeypatch.setenv("WEBNOVA_E2B_API_KEY", "  ")
    settings = load_settings()
    assert settings.anthropic_api_key is None and settings.model_mode == "offline"
    assert settings.e2b_api_key is None and settings.sandbox_mode == "local"
