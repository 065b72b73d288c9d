"""People: users, their role and status in a tenant, custom permissions, sessions, `authorize`.

A user is a global identity (e-mail and password hash); what they may do is their membership in a
tenant: a role (ROOT_OWNER > OWNER > ADMIN > DEVELOPER > VIEWER), a status (ACTIVE, SUSPENDED,
BANNED) and custom permissions that add to (`deploy`) or remove from (`!deploy`) the role's set.
A suspended or banned member can do nothing, and the session version is bumped so every session
they hold ends. A person manages only members ranked strictly below them and grants only roles
ranked below their own; ROOT_OWNER exists once per tenant and is created, never granted.
Every change, and every refused attempt, is recorded in the tenant's audit log.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Final, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from webnova.core.events import utcnow
from webnova.core.models import MembershipRow, UserRow
from webnova.core.platform import Platform, TenantHandle
from webnova.governance.errors import AccessDenied, InvalidInput, UnknownUser
from webnova.governance.passwords import (
    DUMMY_HASH,
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    verify_password,
)
from webnova.i18n import _

_USERS = cast(Table, UserRow.__table__)
_MEMBERS = cast(Table, MembershipRow.__table__)
EMAIL_PATTERN: Final = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PERMISSION_PATTERN: Final = re.compile(r"^!?[a-z][a-z0-9_.-]{0,63}$")


class Role(StrEnum):
    """What a member may do; compared by rank."""

    ROOT_OWNER = "ROOT_OWNER"
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    DEVELOPER = "DEVELOPER"
    VIEWER = "VIEWER"

    @property
    def rank(self) -> int:
        """Higher ranks include the lower ones' rights."""
        return _RANKS[self]


_RANKS: Final = {Role.VIEWER: 1, Role.DEVELOPER: 2, Role.ADMIN: 3, Role.OWNER: 4,
                 Role.ROOT_OWNER: 5}


class Status(StrEnum):
    """Only ACTIVE members can act; BANNED is final, SUSPENDED can be lifted."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    BANNED = "BANNED"


_VIEWER_PERMS: Final = frozenset({"project.read", "report.read", "audit.read"})
_DEVELOPER_PERMS: Final = _VIEWER_PERMS | {"project.write", "run.start", "blueprint.propose",
                                           "sandbox.run"}
_ADMIN_PERMS: Final = _DEVELOPER_PERMS | {"users.manage", "approval.grant", "deploy",
                                          "budgets.set"}
_OWNER_PERMS: Final = _ADMIN_PERMS | {"constitution.change", "compliance.waive", "policy.set"}
ROLE_PERMISSIONS: Final[Mapping[Role, frozenset[str]]] = {
    Role.VIEWER: _VIEWER_PERMS,
    Role.DEVELOPER: _DEVELOPER_PERMS,
    Role.ADMIN: _ADMIN_PERMS,
    Role.OWNER: _OWNER_PERMS,
    Role.ROOT_OWNER: _OWNER_PERMS,
}


class Member(BaseModel):
    """A user as a member of one tenant: who they are and what they may do there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: str
    email: str
    tenant_id: str
    role: Role
    status: Status
    permissions: tuple[str, ...] = ()
    session_version: int = 1

    @property
    def actor(self) -> str:
        """How the member appears in the audit log."""
        return self.email

    @property
    def active(self) -> bool:
        """Only active members can act."""
        return self.status is Status.ACTIVE

    def effective_permissions(self) -> frozenset[str]:
        """The role's permissions plus granted custom ones, minus removed (`!name`) ones."""
        added = {p for p in self.permissions if not p.startswith("!")}
        removed = {p[1:] for p in self.permissions if p.startswith("!")}
        return (ROLE_PERMISSIONS[self.role] | added) - removed


OPERATOR_ID: Final = "operator"


def operator(tenant_id: str) -> Member:
    """The local operator: whoever holds the database (the CLI without `--as`); acts as root."""
    return Member(user_id=OPERATOR_ID, email="operator@local", tenant_id=tenant_id,
                  role=Role.ROOT_OWNER, status=Status.ACTIVE)


class AccessCheck(BaseModel):
    """Outcome of `authorize`: allowed, or refused with a reason in the user's language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed: bool
    reason: str = ""
    code: str = ""


def authorize(member: Member, action: str, *, tenant_id: str | None = None) -> AccessCheck:
    """May `member` perform `action` (a permission name such as `deploy`) in `tenant_id`?

    Everyone calls this before acting: a suspended or banned member, a member of another tenant
    and a member without the permission are refused.
    """
    if tenant_id is not None and member.tenant_id != tenant_id:
        return AccessCheck(allowed=False, code="other_tenant", reason=_(
            "{who} is not a member of tenant {tenant}.").format(who=member.email,
                                                               tenant=tenant_id))
    if not member.active:
        return AccessCheck(allowed=False, code="inactive", reason=_(
            "{who} is {status} and can do nothing.").format(
                who=member.email, status=status_label(member.status)))
    if action not in member.effective_permissions():
        return AccessCheck(allowed=False, code="permission", reason=_(
            "{who} ({role}) may not {action}.").format(
                who=member.email, role=role_label(member.role), action=action))
    return AccessCheck(allowed=True)


def role_label(role: Role) -> str:
    """The role's name in the current language."""
    labels = {Role.ROOT_OWNER: _("root owner"), Role.OWNER: _("owner"), Role.ADMIN: _("admin"),
              Role.DEVELOPER: _("developer"), Role.VIEWER: _("viewer")}
    return labels[role]


def status_label(status: Status) -> str:
    """The status's name in the current language."""
    labels = {Status.ACTIVE: _("active"), Status.SUSPENDED: _("suspended"),
              Status.BANNED: _("banned")}
    return labels[status]


class Session(BaseModel):
    """What a signed-in client holds; it ends when the member's session version moves on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: str
    tenant_id: str
    session_version: int


def normalize_email(email: str) -> str:
    """Trimmed, lower-cased e-mail; raises InvalidInput when it is not one."""
    value = email.strip().lower()
    if not EMAIL_PATTERN.match(value) or len(value) > 254:
        raise InvalidInput(_("{email} is not a valid e-mail address.").format(email=email))
    return value


def check_password(password: str) -> None:
    """Refuse passwords that are too short or too long (the hash is the only thing stored)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(_("A password needs {low} to {high} characters.").format(
            low=MIN_LENGTH, high=MAX_LENGTH))


def parse_role(value: str) -> Role:
    """A role from its name (any case); raises InvalidInput listing the valid ones."""
    try:
        return Role(value.strip().upper().replace("-", "_"))
    except ValueError:
        raise InvalidInput(_("Unknown role {role}; use one of {roles}.").format(
            role=value, roles=", ".join(r.value for r in Role))) from None


class People:
    """The members of one tenant: create, change, list, sign in. Changes are audited."""

    def __init__(self, platform: Platform, tenant: TenantHandle) -> None:
        self._platform = platform
        self._tenant = tenant
        self._scope = tenant.scope

    @property
    def tenant_id(self) -> str:
        """The tenant these people belong to."""
        return self._tenant.id

    # ------------------------------------------------------------------ reading

    def get(self, email: str) -> Member | None:
        """The member with this e-mail, or None."""
        try:
            email = normalize_email(email)
        except InvalidInput:
            return None
        members = self._select(_USERS.c.email == email)
        return members[0] if members else None

    def by_id(self, user_id: str) -> Member | None:
        """The member with this user id, or None."""
        members = self._select(_USERS.c.id == user_id)
        return members[0] if members else None

    def user_exists(self, email: str) -> bool:
        """Whether an account with this e-mail exists (in any tenant)."""
        try:
            email = normalize_email(email)
        except InvalidInput:
            return False
        with self._platform.engine.connect() as conn:
            found = conn.execute(select(_USERS.c.id).where(_USERS.c.email == email)).first()
        return found is not None

    def members(self) -> list[Member]:
        """Every member of the tenant, highest role first, then by e-mail."""
        members = self._select(None)
        return sorted(members, key=lambda m: (-m.role.rank, m.email))

    def _select(self, condition: Any) -> list[Member]:
        query = (select(_USERS.c.id, _USERS.c.email, _MEMBERS.c.role, _MEMBERS.c.status,
                        _MEMBERS.c.permissions, _MEMBERS.c.session_version)
                 .join(_MEMBERS, _MEMBERS.c.user_id == _USERS.c.id)
                 .where(_MEMBERS.c.tenant_id == self.tenant_id))
        if condition is not None:
            query = query.where(condition)
        with self._scope.transaction() as conn:
            rows = conn.execute(query).all()
        return [Member(user_id=r[0], email=r[1], tenant_id=self.tenant_id, role=Role(r[2]),
                       status=Status(r[3]), permissions=tuple(r[4] or ()),
                       session_version=int(r[5])) for r in rows]

    def current(self, member: Member) -> Member:
        """`member` as stored now (a status or role change since it was read applies at once).

        A member of another tenant, or the local operator, is returned unchanged.
        """
        if member.user_id == OPERATOR_ID or member.tenant_id != self.tenant_id:
            return member
        return self.by_id(member.user_id) or member.model_copy(update={"status": Status.BANNED})

    # ------------------------------------------------------------------ sign-in and sessions

    def authenticate(self, email: str, password: str) -> Member | None:
        """The active member with these credentials, or None (the chat UI's password check).

        Unknown e-mails cost the same hashing time as known ones; a suspended or banned member
        cannot sign in.
        """
        try:
            normalized = normalize_email(email)
        except InvalidInput:
            normalized = ""
        with self._platform.engine.connect() as conn:
            stored = conn.execute(select(_USERS.c.password_hash).where(
                _USERS.c.email == normalized)).scalar_one_or_none()
        matched = verify_password(password, stored or DUMMY_HASH) and stored is not None
        member = self.get(normalized) if matched else None
        if member is None or not member.active:
            self._tenant.audit.record(normalized or "anonymous", "auth.failed", "session",
                                      {"reason": "inactive" if member else "credentials"})
            return None
        return member

    def start_session(self, member: Member) -> Session:
        """A session for an authenticated, active member."""
        return Session(user_id=member.user_id, tenant_id=member.tenant_id,
                       session_version=member.session_version)

    def session_member(self, session: Session) -> Member | None:
        """The member a session still speaks for, or None when it has ended."""
        if session.tenant_id != self.tenant_id:
            return None
        member = self.by_id(session.user_id)
        if member is None or not member.active or \
                member.session_version != session.session_version:
            return None
        return member

    # ------------------------------------------------------------------ changes

    def create_owner(self, email: str, password: str, *, actor: str = "operator") -> Member:
        """Create the tenant's ROOT_OWNER; refused when the tenant already has one."""
        if any(m.role is Role.ROOT_OWNER for m in self.members()):
            self._refused(actor, "user.create_owner", email, "root_owner_exists")
            raise AccessDenied(_("Tenant {tenant} already has a root owner.").format(
                tenant=self.tenant_id))
        member = self._create(email, password, Role.ROOT_OWNER)
        self._tenant.audit.record(actor, "user.create_owner", _target(member),
                                  {"role": member.role.value})
        return member

    def add(self, by: Member, email: str, password: str | None, role: Role,
            permissions: Iterable[str] = ()) -> Member:
        """Add a member (a new user needs a password; an existing user keeps theirs)."""
        perms = _check_permissions(permissions)
        self._require_manage(by, "user.add", email, new_role=role)
        member = self._create(email, password, role, perms)
        self._tenant.audit.record(by.actor, "user.add", _target(member),
                                  {"role": role.value, "permissions": list(perms)})
        return member

    def set_role(self, by: Member, email: str, role: Role) -> Member:
        """Change a member's role; their sessions end so the new rights apply at once."""
        target = self._existing(by, "user.set_role", email)
        self._require_manage(by, "user.set_role", email, target=target, new_role=role)
        updated = self._update(target, role=role.value, bump=True)
        self._tenant.audit.record(by.actor, "user.set_role", _target(target),
                                  {"from": target.role.value, "to": role.value})
        return updated

    def set_permissions(self, by: Member, email: str, permissions: Iterable[str]) -> Member:
        """Replace a member's custom permissions (`name` grants, `!name` removes)."""
        perms = _check_permissions(permissions)
        target = self._existing(by, "user.set_permissions", email)
        self._require_manage(by, "user.set_permissions", email, target=target)
        updated = self._update(target, permissions=list(perms), bump=True)
        self._tenant.audit.record(by.actor, "user.set_permissions", _target(target),
                                  {"from": list(target.permissions), "to": list(perms)})
        return updated

    def suspend(self, by: Member, email: str, reason: str = "") -> Member:
        """Suspend a member: they can do nothing and their sessions end."""
        return self._set_status(by, email, Status.SUSPENDED, reason)

    def ban(self, by: Member, email: str, reason: str = "") -> Member:
        """Ban a member for good: they can do nothing and their sessions end."""
        return self._set_status(by, email, Status.BANNED, reason)

    def reactivate(self, by: Member, email: str, reason: str = "") -> Member:
        """Lift a suspension (a ban is final)."""
        target = self._existing(by, "user.reactivate", email)
        if target.status is Status.BANNED:
            self._refused(by.actor, "user.reactivate", email, "banned")
            raise AccessDenied(_("{email} is banned; a ban cannot be lifted.").format(
                email=target.email))
        return self._set_status(by, email, Status.ACTIVE, reason)

    def _set_status(self, by: Member, email: str, status: Status, reason: str) -> Member:
        action = {Status.SUSPENDED: "user.suspend", Status.BANNED: "user.ban",
                  Status.ACTIVE: "user.reactivate"}[status]
        target = self._existing(by, action, email)
        self._require_manage(by, action, email, target=target)
        updated = self._update(target, status=status.value, bump=True)
        self._tenant.audit.record(by.actor, action, _target(target), {
            "from": target.status.value, "to": status.value, "reason": reason,
            "session_version": updated.session_version})
        return updated

    # ------------------------------------------------------------------ rules and storage

    def _existing(self, by: Member, action: str, email: str) -> Member:
        target = self.get(email)
        if target is None:
            self._refused(by.actor, action, email, "unknown_user")
            raise UnknownUser(_("{email} is not a member of tenant {tenant}.").format(
                email=email, tenant=self.tenant_id))
        return target

    def _require_manage(self, by: Member, action: str, email: str, *,
                        target: Member | None = None, new_role: Role | None = None) -> None:
        by = self.current(by)
        check = authorize(by, "users.manage", tenant_id=self.tenant_id)
        if check.allowed:
            check = _rank_check(by, target, new_role)
        if not check.allowed:
            self._refused(by.actor, action, email, check.code)
            raise AccessDenied(check.reason)

    def _refused(self, actor: str, action: str, email: str, code: str) -> None:
        self._tenant.audit.record(actor, f"{action}.refused", f"user:{email.strip().lower()}",
                                  {"reason": code})

    def _create(self, email: str, password: str | None, role: Role,
                permissions: tuple[str, ...] = ()) -> Member:
        email = normalize_email(email)
        if self.get(email) is not None:
            raise InvalidInput(_("{email} is already a member.").format(email=email))
        user_id = self._ensure_user(email, password)
        now = utcnow()
        with self._scope.transaction(write=True) as conn:
            conn.execute(insert(_MEMBERS).values(
                tenant_id=self.tenant_id, user_id=user_id, role=role.value,
                status=Status.ACTIVE.value, permissions=list(permissions), session_version=1,
                created_at=now, updated_at=now))
        member = self.get(email)
        assert member is not None
        return member

    def _ensure_user(self, email: str, password: str | None) -> str:
        with self._platform.engine.connect() as conn:
            existing = conn.execute(select(_USERS.c.id).where(_USERS.c.email == email))
            user_id = existing.scalar_one_or_none()
        if user_id is not None:
            return str(user_id)
        if password is None:
            raise InvalidInput(_("A new user needs a password."))
        check_password(password)
        user_id, now = str(uuid.uuid4()), utcnow()
        try:
            with self._platform.engine.connect() as conn, conn.begin():
                _insert_user(conn, user_id, email, hash_password(password), now)
        except IntegrityError:  # created by someone else a moment ago: use theirs
            with self._platform.engine.connect() as conn:
                return str(conn.execute(select(_USERS.c.id).where(
                    _USERS.c.email == email)).scalar_one())
        return user_id

    def _update(self, target: Member, *, bump: bool, **values: Any) -> Member:
        changes: dict[str, Any] = {**values, "updated_at": utcnow()}
        if bump:
            changes["session_version"] = _MEMBERS.c.session_version + 1
        with self._scope.transaction(write=True) as conn:
            conn.execute(update(_MEMBERS).where(
                _MEMBERS.c.tenant_id == self.tenant_id,
                _MEMBERS.c.user_id == target.user_id).values(**changes))
        updated = self.by_id(target.user_id)
        assert updated is not None
        return updated

    def count(self) -> int:
        """How many members the tenant has."""
        with self._scope.transaction() as conn:
            return int(conn.execute(select(func.count()).select_from(_MEMBERS).where(
                _MEMBERS.c.tenant_id == self.tenant_id)).scalar_one())


def _rank_check(by: Member, target: Member | None, new_role: Role | None) -> AccessCheck:
    """Who may manage whom: only ranks below one's own, never oneself, never a new root.

    The local operator holds the database anyway, so ranks do not bind them; they still cannot
    mint a second root owner.
    """
    if new_role is Role.ROOT_OWNER or (
            new_role is not None and by.user_id != OPERATOR_ID and new_role.rank >= by.role.rank):
        return AccessCheck(allowed=False, code="grant", reason=_(
            "{who} may not grant the role {role}.").format(who=by.email,
                                                          role=role_label(new_role)))
    if target is None or by.user_id == OPERATOR_ID:
        return AccessCheck(allowed=True)
    if target.user_id == by.user_id:
        return AccessCheck(allowed=False, code="self", reason=_(
            "Nobody may change their own membership."))
    if target.role.rank >= by.role.rank:
        return AccessCheck(allowed=False, code="rank", reason=_(
            "{who} may only manage members ranked below them.").format(who=by.email))
    return AccessCheck(allowed=True)


def _insert_user(conn: Connection, user_id: str, email: str, password_hash: str,
                 now: dt.datetime) -> None:
    conn.execute(insert(_USERS).values(id=user_id, email=email, password_hash=password_hash,
                                       created_at=now, updated_at=now))


def _target(member: Member) -> str:
    return f"user:{member.email}"


def _check_permissions(permissions: Iterable[str]) -> tuple[str, ...]:
    perms = tuple(dict.fromkeys(p.strip() for p in permissions if p.strip()))
    bad = [p for p in perms if not PERMISSION_PATTERN.match(p)]
    if bad:
        raise InvalidInput(_("Invalid permission names: {names}.").format(names=", ".join(bad)))
    return perms
