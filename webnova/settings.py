"""WebNova's settings: the one and only reader of the process environment.

Every other module receives a `Settings` instance (or values taken from it); ruff bans `os.environ`
and `os.getenv` everywhere else so configuration cannot leak in through a side door.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_DB_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


class SettingsError(ValueError):
    """A setting has a value WebNova cannot work with; the message names the setting."""


class Settings(BaseSettings):
    """All of WebNova's configuration, from `WEBNOVA_*` variables and an optional `.env` file."""

    model_config = SettingsConfigDict(
        env_prefix="WEBNOVA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    home: Path = Field(
        default_factory=lambda: Path.home() / ".webnova",
        description="Directory for the embedded database, checkpoints, projects and logs.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL the app connects with; empty means SQLite at "
        "<home>/webnova.db. On PostgreSQL use a non-superuser role so Row Level Security applies.",
    )
    database_admin_url: str | None = Field(
        default=None,
        description="URL of the role that owns the schema and runs migrations; "
        "defaults to database_url.",
    )
    deploy_database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL of a role with CREATEDB and CREATEROLE: each platform the "
        "local target deploys gets its own database and role there, so its data outlives "
        "releases and rollbacks. Empty: each release keeps its data in memory and starts empty.",
    )
    locale: str = Field(
        default="en",
        validation_alias=AliasChoices("WEBNOVA_LOCALE", "LC_ALL", "LANG"),
        description="Default language of the CLI and of new chats when the browser gives none.",
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("WEBNOVA_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY"),
        description="Claude key; without it the offline brain is used.",
    )
    anthropic_model: str = Field(default="claude-sonnet-4-6", description="Claude model id.")
    e2b_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("WEBNOVA_E2B_API_KEY", "E2B_API_KEY"),
        description="E2B key; without it code runs in the local sandbox.",
    )
    sandbox_network: Literal["registry", "host"] = Field(
        default="registry",
        description="What sandboxed package installs may reach: registry = only the package "
        "registries, through WebNova's allow-listing proxy; host = the host's network, unfiltered.",
    )
    sandbox_registry_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated extra registries (host or host:port) the sandbox may reach "
        "besides the npm and PyPI registries and the host's pip mirrors.",
    )
    sandbox_timeout_seconds: float = Field(
        default=10.0, gt=0, le=300,
        description="Wall-clock limit of one sandboxed code run (`webnova sandbox run`, tools).",
    )
    sandbox_memory_mb: int = Field(default=512, ge=64,
                                   description="Address-space limit of one sandboxed code run.")
    sandbox_cpu_seconds: int = Field(default=10, ge=1,
                                     description="CPU-time limit of one sandboxed code run.")
    ui_host: str = Field(default="127.0.0.1", description="Address the Chainlit UI listens on.")
    ui_port: int = Field(default=8000, ge=1, le=65535, description="Port of the Chainlit UI.")
    auth_secret: SecretStr | None = Field(
        default=None,
        description="Secret that signs UI session tokens; generated under <home> when empty.",
    )
    owner_email: str | None = Field(
        default=None,
        description="With owner_password: the first ROOT_OWNER, created on first start when the "
        "tenant has no owner yet (or use `webnova users create-owner`).",
    )
    owner_password: SecretStr | None = Field(default=None, description="See owner_email.")
    approval_timeout_minutes: int = Field(
        default=0, ge=0,
        description="Minutes an approval may wait in the chat before it is rejected in the "
        "policy's name; 0 keeps it pending until someone answers. Never approves.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO")
    test_database_url: SecretStr | None = Field(
        default=None,
        description="Tests only: PostgreSQL URL of a role that may create databases.",
    )
    test_app_database_url: SecretStr | None = Field(
        default=None,
        description="Tests only: PostgreSQL URL of the non-superuser application role.",
    )
    test_deploy_database_url: SecretStr | None = Field(
        default=None,
        description="Tests only: PostgreSQL URL of a role that may create databases and roles.",
    )
    ci: bool = Field(
        default=False,
        validation_alias=AliasChoices("CI"),
        description="Set by CI; tests that need PostgreSQL fail instead of skipping.",
    )

    @field_validator("sandbox_registry_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("database_url", "database_admin_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in SUPPORTED_DB_SCHEMES:
            raise ValueError(
                f"unsupported database URL scheme {scheme or value!r}; "
                "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
            )
        return value

    @field_validator("anthropic_api_key", "e2b_api_key", "auth_secret", "owner_password",
                     "test_database_url", "test_app_database_url", "deploy_database_url",
                     "test_deploy_database_url", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        # An exported-but-empty variable (how `webnova ui` switches a key off in its child)
        # must mean "not configured", never a blank key that sends requests and fails.
        if isinstance(value, str | SecretStr) and not str(
                value.get_secret_value() if isinstance(value, SecretStr) else value).strip():
            return None
        return value

    @field_validator("locale")
    @classmethod
    def _plain_locale(cls, value: str) -> str:
        # LANG looks like "ar_SA.UTF-8" or "C.UTF-8"; keep the language part only.
        tag = value.split(".", 1)[0].replace("_", "-")
        return "en" if tag in ("", "C", "POSIX") else tag

    @property
    def effective_database_url(self) -> str:
        """The URL the app connects with: the configured one or the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.home / 'webnova.db'}"

    @property
    def effective_admin_url(self) -> str:
        """The URL migrations run with."""
        return self.database_admin_url or self.effective_database_url

    @property
    def model_mode(self) -> Literal["offline", "claude"]:
        """Which brain is active: Claude only when a key is configured."""
        return "claude" if self.anthropic_api_key else "offline"

    @property
    def sandbox_mode(self) -> Literal["local", "e2b"]:
        """Which sandbox is active: E2B only when a key is configured."""
        return "e2b" if self.e2b_api_key else "local"

    @property
    def checkpoint_url(self) -> str:
        """Where LangGraph checkpoints live: PostgreSQL next to the data, else a SQLite file."""
        url = self.effective_database_url
        if url.startswith("postgresql"):
            return url
        return f"sqlite:///{self.home / 'checkpoints.sqlite'}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; overrides win over the environment (used by tests and the CLI)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
