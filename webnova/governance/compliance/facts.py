"""The facts model of a project tree, and the names and patterns its readers share.

`ProjectFacts` is what the compliance checks read: schema columns, routes with their guards,
calls and projection, app-wide middleware, token expiry, database TLS, dependencies, committed
secrets and deploy regions, each with the file and line it was read from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Final

TS_SUFFIXES: Final = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx")
HTTP_METHODS: Final = frozenset({"get", "post", "put", "patch", "delete"})
NOT_LOGGING: Final = re.compile(r"log_?(?:in|out|on|off)|logo", re.IGNORECASE)
NEXT_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
ENCRYPTED_NAME: Final = re.compile(r"encrypt", re.IGNORECASE)
LOGGING_MIDDLEWARE: Final = re.compile(r"log|morgan|pino|winston", re.IGNORECASE)
HTTPS_MIDDLEWARE: Final = re.compile(r"https?redirect|forcessl|enforcehttps|requirehttps|"
                                     r"sslredirect|hsts", re.IGNORECASE)


@dataclass
class Column:
    """A table column as declared in the schema."""

    table: str
    name: str
    type_name: str
    file: str
    line: int
    encrypted: bool = False
    key: str = ""  # the property name in code (Drizzle), when it differs from the column name


@dataclass
class Route:
    """An HTTP endpoint with everything that runs before its handler."""

    method: str
    path: str
    file: str
    line: int
    guards: list[str] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)
    # "all" (whole rows), "explicit" (chosen fields) or "unknown" (no query seen).
    projection: str = "unknown"
    fields: list[str] = field(default_factory=list)
    # Fields a summary mapper removes from whole rows (`delete row[name]` over a constant list).
    excluded: list[str] = field(default_factory=list)


@dataclass
class Located:
    """A fact with the file and line it was read from."""

    value: str
    file: str
    line: int


@dataclass
class ProjectFacts:
    """Everything the code checks look at."""

    root: Path
    stack: str = "unknown"
    columns: list[Column] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    middleware: list[Located] = field(default_factory=list)
    https: list[Located] = field(default_factory=list)
    request_logging: list[Located] = field(default_factory=list)
    token_expiry_seconds: list[tuple[int, Located]] = field(default_factory=list)
    db_tls: list[tuple[bool, Located]] = field(default_factory=list)
    dependencies: set[str] = field(default_factory=set)
    secrets: list[Located] = field(default_factory=list)
    deploy_regions: list[Located] = field(default_factory=list)
    files_scanned: int = 0

    def tables(self) -> set[str]:
        """Names of every table in the schema."""
        return {c.table for c in self.columns}

    def copy(self) -> ProjectFacts:
        """A copy that shares nothing mutable with this one (a tenth of `copy.deepcopy`)."""
        return replace(
            self, columns=[replace(c) for c in self.columns],
            routes=[replace(r, guards=list(r.guards), calls=set(r.calls), fields=list(r.fields),
                            excluded=list(r.excluded)) for r in self.routes],
            middleware=[replace(x) for x in self.middleware],
            https=[replace(x) for x in self.https],
            request_logging=[replace(x) for x in self.request_logging],
            token_expiry_seconds=[(n, replace(x)) for n, x in self.token_expiry_seconds],
            db_tls=[(on, replace(x)) for on, x in self.db_tls],
            dependencies=set(self.dependencies), secrets=[replace(x) for x in self.secrets],
            deploy_regions=[replace(x) for x in self.deploy_regions])


def rel_path(root: Path, path: Path) -> str:
    """`path` relative to `root`, with forward slashes.

    Every path read is under its root as walked, so this is usually a string slice: pathlib's
    `relative_to` costs more than reading a small file.
    """
    text, base = str(path), str(root)
    if os.sep == "/" and text.startswith(base) and text[len(base):len(base) + 1] == "/" and \
            base != "/":
        return text[len(base) + 1:]
    return str(PurePosixPath(path.relative_to(root)))


def duration_seconds(value: str | int | float) -> int | None:
    """Seconds of a duration such as 900, "15m", "1h", "2 days" (None when unreadable)."""
    if isinstance(value, int | float):
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", value.lower())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    scale = {"": 1, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60,
             "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hrs": 3600,
             "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
    return int(number * scale[unit]) if unit in scale else None


def join_path(prefix: str, path: str) -> str:
    """A mount prefix and a route path as one URL path (`/api` + `x/` = `/api/x`)."""
    joined = "/" + "/".join(p for p in (prefix.strip("/"), path.strip("/")) if p)
    return joined
