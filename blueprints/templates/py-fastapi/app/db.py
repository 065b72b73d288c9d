"""Database access: PostgreSQL (psycopg) when DATABASE_URL is set, otherwise an embedded SQLite
database (in memory, or SQLITE_PATH) so the app runs with no set-up. Tables are created at start
(idempotent), so a regenerated project picks up added tables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import DateTime, Engine, create_engine, event, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from app.config import production

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


class Base(DeclarativeBase):
    pass


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def ssl_mode(url: str) -> str:
    """TLS to PostgreSQL: required (verify-full) in production unless the server is local.

    DATABASE_SSL=require|verify-full|disable overrides; an sslmode in the URL wins over all.
    """
    configured = os.environ.get("DATABASE_SSL", "")
    if configured:
        return configured
    host = urlparse(url).hostname or ""
    return "verify-full" if production() and host not in LOCAL_HOSTS else "prefer"


def normalize(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str = "") -> Engine:
    if url:
        engine = create_engine(normalize(url), pool_pre_ping=True,
                               connect_args={"sslmode": ssl_mode(url)})
    else:
        path = os.environ.get("SQLITE_PATH", "")
        engine = create_engine(f"sqlite:///{path}" if path else "sqlite://",
                               connect_args={"check_same_thread": False},
                               poolclass=StaticPool if not path else None)
        event.listen(engine, "connect", _sqlite_foreign_keys)
    Base.metadata.create_all(engine)
    return engine


def _sqlite_foreign_keys(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    def __init__(self, url: str = "") -> None:
        self.engine = make_engine(url)
        self.kind = "postgresql" if url else "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
