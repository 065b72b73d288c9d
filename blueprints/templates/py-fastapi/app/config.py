"""Settings from the environment (see .env.example); read once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    database_url: str
    production: bool


@cache
def settings() -> Settings:
    return Settings(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        database_url=os.environ.get("DATABASE_URL", ""),
        production=os.environ.get("APP_ENV", os.environ.get("NODE_ENV", "")) == "production",
    )


def production() -> bool:
    """Read at call time so tests can switch it."""
    return os.environ.get("APP_ENV", os.environ.get("NODE_ENV", "")) == "production"
