"""`webnova health`: what is configured, what is reachable, and how long each check took."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.engine import make_url

from webnova.core import db
from webnova.i18n import N_
from webnova.settings import Settings

Detail = dict[str, str | int | float | bool | None]
Outcome = tuple[bool, str, Detail]


class HealthCheck(BaseModel):
    """One component's state; `detail` is plain data, `summary` a translatable message id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    ok: bool
    summary: str
    detail: Detail
    latency_ms: float


def _timed(name: str, check: Callable[[], Outcome]
           ) -> HealthCheck:
    start = time.perf_counter()
    try:
        ok, summary, detail = check()
    except Exception as exc:
        ok, summary, detail = False, N_("unreachable"), {"error": _first_line(exc)}
    return HealthCheck(name=name, ok=ok, summary=summary, detail=detail,
                       latency_ms=round((time.perf_counter() - start) * 1000, 2))


def _first_line(exc: BaseException) -> str:
    # Driver errors can carry the URL; keep only the first line and never the password.
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def run_checks(settings: Settings) -> list[HealthCheck]:
    """Every health check, in display order."""
    url = settings.effective_database_url
    return [
        _timed("database", lambda: _database(url)),
        _timed("migrations", lambda: _migrations(url)),
        _timed("checkpointer", lambda: _checkpointer(settings)),
        _timed("sandbox", lambda: _sandbox(settings)),
        _timed("deployments", lambda: _deployments(settings)),
        _timed("model", lambda: _model(settings)),
    ]


def _database(url: str) -> Outcome:
    backend = db.backend_of(url)
    with db.scoped_engine(url) as engine:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        detail: Detail = {"backend": backend,
                                                              "url": _safe_url(url)}
        if backend == "postgresql":
            role = db.check_role(engine)
            detail |= {"role": role.name, "rls_enforced": role.rls_enforced}
            if not role.rls_enforced:
                return False, N_("connected as a role that bypasses Row Level Security"), detail
    return True, N_("reachable"), detail


def _migrations(url: str) -> Outcome:
    with db.scoped_engine(url) as engine:
        current = db.current_revision(engine)
    head = db.head_revision()
    if current == head:
        return True, N_("up to date"), {"current": current, "head": head}
    return False, N_("behind: run `webnova db upgrade`"), {"current": current, "head": head}


def _checkpointer(settings: Settings) -> Outcome:
    url = settings.checkpoint_url
    if url.startswith("postgresql"):
        with db.scoped_engine(url) as engine, engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True, N_("PostgreSQL, next to the data"), {"kind": "postgres"}
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(path).close()
    return True, N_("SQLite file"), {"kind": "sqlite", "path": str(path)}


def _sandbox(settings: Settings) -> Outcome:
    if settings.sandbox_mode == "e2b":
        return True, N_("E2B (remote microVMs; key configured)"), {"mode": "e2b"}
    from webnova.adapters.sandbox.probe import probe_isolation

    report = probe_isolation(e2b=False, network_mode=settings.sandbox_network)
    # `network`: what a package-manager session may reach ("registry" = only the allowlisted
    # registries through WebNova's proxy; "host" = unfiltered, as configured; "off" = nothing).
    detail: Detail = {"mode": "local", "level": report.level, "network": report.network}
    if report.level == "bubblewrap":
        return True, N_("local, bubblewrap namespaces + rlimits"), detail
    return True, N_("local, degraded to rlimits + timeout (no namespaces)"), detail


def _deployments(settings: Settings) -> Outcome:
    """Where deployed platforms keep their data; with a server configured, that it answers."""
    if settings.deploy_database_url is None:
        return True, N_("local, data in memory (each release starts empty)"), {"data": "memory"}
    from webnova.adapters.appdb import PlatformDatabases

    databases = PlatformDatabases(settings.deploy_database_url.get_secret_value())
    databases.check()
    return True, N_("local, each platform's data in its own PostgreSQL database"), {
        "data": "postgresql", "server": databases.describe()}


def _model(settings: Settings) -> Outcome:
    if settings.model_mode == "claude":
        return True, N_("Claude (API key configured)"), {"mode": "claude",
                                                          "model": settings.anthropic_model}
    return True, N_("offline planner (no API key)"), {"mode": "offline"}


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
