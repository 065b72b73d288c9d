"""Password sign-in to the chat against WebNova's people, and the secret that signs its sessions.

* The login name is an e-mail (`sara@acme.com`, signing in to the default tenant) or
  `tenant:e-mail` (`acme:sara@acme.com`). `People.authenticate` checks the scrypt hash, refuses
  suspended and banned members and audits failures; no credential is ever stored here.
* The Chainlit user's identifier is `<tenant>:<email>`, so Chainlit keeps a separate user (and a
  separate thread list) per tenant membership: each person sees only their tenant's runs.
* The session (user id, tenant, session version) rides in the user's metadata. `current_member`
  re-checks it against the database, so a suspension or ban ends an open chat at its next message.
* Until the first account exists (a fresh clone), the UI runs in setup mode: no sign-in, the
  local operator of the default tenant, and a notice saying how to require sign-in. Once any
  account exists, sign-in is required from the next UI start on (`accounts_exist`).
* `CHAINLIT_AUTH_SECRET` comes from `Settings.auth_secret`, else from `<home>/ui-auth-secret`,
  generated once with 0600 permissions.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Table, func, select

from webnova.core.models import UserRow
from webnova.core.platform import Platform
from webnova.governance.people import OPERATOR_ID, Member, People, Role, Session, operator
from webnova.governance.service import Governance
from webnova.settings import Settings

DEFAULT_TENANT: Final = "default"
SECRET_FILE: Final = "ui-auth-secret"
_SECRET_BYTES: Final = 48


def auth_secret(settings: Settings) -> str:
    """The secret that signs chat session tokens: configured, or generated once under home."""
    if settings.auth_secret is not None and settings.auth_secret.get_secret_value():
        return settings.auth_secret.get_secret_value()
    path = settings.home / SECRET_FILE
    if path.is_file():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    return _write_secret(path)


def _write_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(_SECRET_BYTES)
    # Created with 0600 from the start: the secret is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


class ChatIdentity(BaseModel):
    """Who signed in, as stored in the Chainlit user's metadata."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant_id: str
    email: str
    user_id: str
    role: Role
    session_version: int

    @property
    def identifier(self) -> str:
        """The Chainlit user identifier: one per tenant membership."""
        return f"{self.tenant_id}:{self.email}"

    def metadata(self) -> dict[str, Any]:
        """JSON-ready metadata for `cl.User`."""
        return self.model_dump(mode="json")

    @classmethod
    def from_metadata(cls, metadata: object) -> ChatIdentity | None:
        """The identity in a `cl.User`'s metadata, or None when it is missing or malformed."""
        try:
            return cls.model_validate(metadata)
        except ValidationError:
            return None


def split_login(login: str, default_tenant: str = DEFAULT_TENANT) -> tuple[str, str]:
    """`acme:sara@acme.com` -> ('acme', 'sara@acme.com'); a bare e-mail uses `default_tenant`."""
    tenant, sep, email = login.strip().partition(":")
    if not sep or "@" in tenant or not tenant:
        return default_tenant, login.strip()
    return tenant.strip(), email.strip()


def sign_in(platform: Platform, login: str, password: str,
            default_tenant: str = DEFAULT_TENANT) -> ChatIdentity | None:
    """Check a login and password; the identity of the active member, or None.

    Unknown tenants are not created by a login attempt: they simply do not authenticate.
    """
    tenant_id, email = split_login(login, default_tenant)
    if tenant_id not in platform.tenant_ids():
        return None
    people = Governance(platform, tenant_id).people
    member = people.authenticate(email, password)
    if member is None:
        return None
    session = people.start_session(member)
    return ChatIdentity(tenant_id=tenant_id, email=member.email, user_id=session.user_id,
                        role=member.role, session_version=session.session_version)


def accounts_exist(platform: Platform) -> bool:
    """Whether any WebNova account exists; if so the chat requires sign-in."""
    users = UserRow.__table__
    assert isinstance(users, Table)
    with platform.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(users)).scalar_one()) > 0


def operator_identity(tenant_id: str = DEFAULT_TENANT) -> ChatIdentity:
    """The local operator, for setup mode (no account exists yet, so nobody can sign in)."""
    member = operator(tenant_id)
    return ChatIdentity(tenant_id=tenant_id, email=member.email, user_id=OPERATOR_ID,
                        role=member.role, session_version=member.session_version)


def current_member(platform: Platform, identity: ChatIdentity) -> Member | None:
    """The member a chat session still speaks for; None once suspended, banned or signed out."""
    if identity.user_id == OPERATOR_ID:
        # Setup mode ends when the first account appears: the operator session ends with it.
        return None if accounts_exist(platform) else operator(identity.tenant_id)
    if identity.tenant_id not in platform.tenant_ids():
        return None
    people = People(platform, platform.tenant(identity.tenant_id))
    return people.session_member(Session(user_id=identity.user_id, tenant_id=identity.tenant_id,
                                         session_version=identity.session_version))


def bootstrap_owner(platform: Platform, email: str | None, password: str | None,
                    tenant_id: str = DEFAULT_TENANT) -> Member | None:
    """Create the tenant's first ROOT_OWNER from configuration on first start; None otherwise.

    Does nothing when either value is missing or the tenant already has a root owner, so it is
    safe on every start and never changes an existing password.
    """
    if not email or not password:
        return None
    people = Governance(platform, tenant_id).people
    if any(m.role is Role.ROOT_OWNER for m in people.members()):
        return None
    return people.create_owner(email, password, actor="settings")
