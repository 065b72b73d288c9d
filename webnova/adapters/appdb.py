"""Databases of deployed platforms, on a PostgreSQL server WebNova may administer.

With `WEBNOVA_DEPLOY_DATABASE_URL` (a role with CREATEDB and CREATEROLE, or a superuser), every
deployed platform gets a database and a login role of its own, both named after its slug. Its
data then outlives releases and rollbacks: blue-green releases of one platform share the
database (the generated migrations are idempotent and only add tables and columns), and no
platform's role may connect to another platform's database. Without that setting each release
keeps its data in the generated server's embedded database, in memory, and starts empty.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from webnova.core.errors import WebNovaError
from webnova.i18n import _

# PostgreSQL identifiers are at most 63 bytes; slugs are lowercase letters, digits and hyphens.
_PREFIX: Final = "wn_"
_NAME_BYTES: Final = 63
_SLUG: Final = re.compile(r"^[a-z][a-z0-9-]*$")
_CONNECT_TIMEOUT_S: Final = 10


class DeployDatabaseError(WebNovaError):
    """A platform's database could not be made or reached (the message says why)."""


def database_name(slug: str) -> str:
    """The database (and role) name of the platform `slug`: `wn_` and the slug with `_`."""
    if not _SLUG.match(slug):
        raise ValueError(f"not a platform slug: {slug!r}")
    return (_PREFIX + slug.replace("-", "_"))[:_NAME_BYTES]


def driver_url(url: str) -> str:
    """`url` as libpq and node-postgres read it (`postgresql+psycopg://` becomes `postgresql://`)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError("the deploy database URL must be a postgresql:// URL")
    return f"postgresql://{rest}"


class PlatformDatabases:
    """Makes (once) and hands out each platform's database on the server at `admin_url`."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = driver_url(admin_url)

    def describe(self) -> str:
        """Where the databases live, without credentials (for messages and `webnova health`)."""
        parts = urlsplit(self.admin_url)
        host = parts.hostname or "localhost"
        return f"{host}:{parts.port or 5432}"

    def check(self) -> None:
        """Connect once as the admin role (`webnova health`); raises psycopg.Error when it fails."""
        with psycopg.connect(self.admin_url, connect_timeout=5) as conn:  # health answers fast
            conn.execute("SELECT 1")

    def ensure(self, slug: str, password: str) -> str:
        """The URL the platform `slug` connects with; its role and database are made if missing.

        The role's password is set to `password` each time, so it always matches the secret
        the deployer keeps for the platform.
        """
        name = database_name(slug)
        try:
            with psycopg.connect(self.admin_url, autocommit=True,
                                 connect_timeout=_CONNECT_TIMEOUT_S) as conn:
                _ensure_role(conn, name, password)
                _ensure_database(conn, name)
        except psycopg.Error as exc:
            raise DeployDatabaseError(_(
                "The database of {slug} could not be prepared on {server}: {error}").format(
                    slug=slug, server=self.describe(), error=_first_line(exc))) from exc
        return self.url_for(name, password)

    def url_for(self, name: str, password: str) -> str:
        """The connection URL of role and database `name` on the admin URL's server."""
        parts = urlsplit(self.admin_url)
        host = parts.hostname or "localhost"
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        netloc = f"{quote(name, safe='')}:{quote(password, safe='')}@{host}"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit(("postgresql", netloc, "/" + quote(name), parts.query, ""))


def _ensure_role(conn: psycopg.Connection[tuple[object, ...]], name: str,
                 password: str) -> None:
    role = sql.Identifier(name)
    secret = sql.Literal(password)
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
        try:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                 "NOBYPASSRLS PASSWORD {}").format(role, secret))
        except psycopg.errors.DuplicateObject:
            pass  # made by a concurrent deployment of the same platform
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, secret))
    # Creating a database owned by the role needs membership in it (PostgreSQL 16 no longer
    # grants that to the role's creator by itself).
    conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))


def _ensure_database(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    database = sql.Identifier(name)
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                database, sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            pass
    # Other platforms' roles (every role is in PUBLIC) may not connect or make temporary tables.
    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))


def _first_line(exc: BaseException) -> str:
    # Driver errors can carry the URL; keep the first line only.
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]
