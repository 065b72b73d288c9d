"""People on both backends: roles, statuses, custom permissions, sessions, sign-in, and an audit
entry for every change and every refused attempt."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from webnova.core.platform import Platform
from webnova.governance.errors import AccessDenied, InvalidInput, UnknownUser
from webnova.governance.people import Member, Role, Status, authorize, operator
from webnova.governance.service import Governance

PASSWORD = "correct horse battery"


@pytest.fixture
def gov(platform: Platform, tenant_id: str) -> Governance:
    return Governance(platform, tenant_id)


@pytest.fixture
def root(gov: Governance) -> Member:
    return gov.people.create_owner("Root@Example.com", PASSWORD)


def _actions(gov: Governance) -> list[str]:
    return [e.action for e in gov.tenant.audit.entries()]


def test_the_first_owner_is_root_and_a_second_root_is_refused(gov: Governance,
                                                              root: Member) -> None:
    assert (root.email, root.role, root.status) == ("root@example.com", Role.ROOT_OWNER,
                                                    Status.ACTIVE)
    with pytest.raises(AccessDenied):
        gov.people.create_owner("other@example.com", PASSWORD)
    assert _actions(gov) == ["user.create_owner", "user.create_owner.refused"]


def test_passwords_are_stored_only_as_salted_hashes(gov: Governance, root: Member,
                                                    platform: Platform) -> None:
    gov.people.add(root, "dev@example.com", PASSWORD, Role.DEVELOPER)
    with platform.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text(
            "SELECT password_hash FROM users WHERE email IN "
            "('root@example.com', 'dev@example.com')"))]
    assert len(hashes) == 2 and hashes[0] != hashes[1]  # same password, different salts
    assert all(h.startswith("scrypt$") and PASSWORD not in h for h in hashes)
    assert PASSWORD not in str([e.detail for e in gov.tenant.audit.entries()])


def test_authenticate_returns_the_member_only_for_the_right_password(gov: Governance,
                                                                     root: Member) -> None:
    assert gov.people.authenticate("ROOT@example.com ", PASSWORD) == root
    assert gov.people.authenticate("root@example.com", "wrong password!") is None
    assert gov.people.authenticate("nobody@example.com", PASSWORD) is None
    assert _actions(gov)[-2:] == ["auth.failed", "auth.failed"]


def test_a_suspended_member_can_do_nothing_and_their_sessions_end(gov: Governance,
                                                                  root: Member) -> None:
    dev = gov.people.add(root, "dev@example.com", PASSWORD, Role.DEVELOPER)
    session = gov.people.start_session(dev)
    assert gov.people.session_member(session) == dev
    assert authorize(dev, "run.start").allowed

    suspended = gov.people.suspend(root, "dev@example.com", reason="left the project")
    assert suspended.status is Status.SUSPENDED
    assert gov.people.session_member(session) is None
    assert gov.people.authenticate("dev@example.com", PASSWORD) is None
    stale = gov.people.current(dev)  # a Member read before the suspension
    assert not authorize(stale, "project.read").allowed
    with pytest.raises(AccessDenied):
        gov.people.add(dev, "x@example.com", PASSWORD, Role.VIEWER)

    gov.people.reactivate(root, "dev@example.com", reason="back")
    assert gov.people.session_member(session) is None  # old sessions stay ended
    assert gov.people.authenticate("dev@example.com", PASSWORD) is not None


def test_a_ban_is_final(gov: Governance, root: Member) -> None:
    gov.people.add(root, "spam@example.com", PASSWORD, Role.VIEWER)
    gov.people.ban(root, "spam@example.com", reason="abuse")
    with pytest.raises(AccessDenied, match="ban"):
        gov.people.reactivate(root, "spam@example.com")
    assert gov.people.authenticate("spam@example.com", PASSWORD) is None


def test_members_manage_only_those_ranked_below_them(gov: Governance, root: Member) -> None:
    admin = gov.people.add(root, "admin@example.com", PASSWORD, Role.ADMIN)
    owner = gov.people.add(root, "owner@example.com", PASSWORD, Role.OWNER)
    gov.people.add(admin, "dev@example.com", PASSWORD, Role.DEVELOPER)
    with pytest.raises(AccessDenied):
        gov.people.add(admin, "admin2@example.com", PASSWORD, Role.ADMIN)  # not below admin
    with pytest.raises(AccessDenied):
        gov.people.suspend(admin, "owner@example.com")
    with pytest.raises(AccessDenied):
        gov.people.set_role(owner, "owner@example.com", Role.VIEWER)  # not oneself
    with pytest.raises(AccessDenied):
        gov.people.set_role(owner, "admin@example.com", Role.ROOT_OWNER)
    dev = gov.people.add(admin, "viewer@example.com", PASSWORD, Role.VIEWER)
    with pytest.raises(AccessDenied):
        gov.people.suspend(dev, "dev@example.com")  # viewers manage nobody
    refused = [e for e in gov.tenant.audit.entries() if e.action.endswith(".refused")]
    assert [e.detail["reason"] for e in refused] == ["grant", "rank", "self", "grant",
                                                    "permission"]


def test_set_role_changes_rights_at_once_and_is_audited(gov: Governance, root: Member) -> None:
    gov.people.add(root, "dev@example.com", PASSWORD, Role.DEVELOPER)
    admin = gov.people.set_role(root, "dev@example.com", Role.ADMIN)
    assert authorize(admin, "users.manage").allowed
    entry = list(gov.tenant.audit.entries())[-1]
    assert (entry.actor, entry.action, entry.target, entry.detail) == (
        "root@example.com", "user.set_role", "user:dev@example.com",
        {"from": "DEVELOPER", "to": "ADMIN"})


def test_custom_permissions_add_to_and_remove_from_the_role(gov: Governance,
                                                            root: Member) -> None:
    dev = gov.people.add(root, "dev@example.com", PASSWORD, Role.DEVELOPER,
                         permissions=["deploy"])
    assert authorize(dev, "deploy").allowed
    dev = gov.people.set_permissions(root, "dev@example.com", ["!sandbox.run"])
    assert not authorize(dev, "deploy").allowed
    assert not authorize(dev, "sandbox.run").allowed
    with pytest.raises(InvalidInput):
        gov.people.set_permissions(root, "dev@example.com", ["rm -rf"])


def test_membership_is_per_tenant(platform: Platform, tenant_id: str) -> None:
    acme, globex = Governance(platform, f"{tenant_id}-a"), Governance(platform, f"{tenant_id}-b")
    acme_root = acme.people.create_owner("ceo@acme.example", PASSWORD)
    globex_root = globex.people.create_owner("ceo@globex.example", PASSWORD)
    acme.people.add(acme_root, "shared@example.com", PASSWORD, Role.ADMIN)
    globex.people.add(globex_root, "shared@example.com", None, Role.VIEWER)  # same account
    assert acme.people.get("shared@example.com").role is Role.ADMIN  # type: ignore[union-attr]
    assert globex.people.get("shared@example.com").role is Role.VIEWER  # type: ignore[union-attr]
    assert [m.email for m in globex.people.members()] == ["ceo@globex.example",
                                                         "shared@example.com"]
    with pytest.raises(AccessDenied):  # acme's root is nobody in globex
        globex.people.suspend(acme_root, "shared@example.com")
    assert not authorize(acme_root, "project.read", tenant_id=globex.tenant.id).allowed


def test_bad_input_is_refused_with_a_reason(gov: Governance, root: Member) -> None:
    with pytest.raises(InvalidInput):
        gov.people.add(root, "not-an-email", PASSWORD, Role.VIEWER)
    with pytest.raises(InvalidInput):
        gov.people.add(root, "short@example.com", "short", Role.VIEWER)
    with pytest.raises(InvalidInput):
        gov.people.add(root, "new@example.com", None, Role.VIEWER)
    with pytest.raises(UnknownUser):
        gov.people.suspend(root, "ghost@example.com")


def test_the_local_operator_manages_anyone_but_cannot_mint_a_second_root(
        gov: Governance, root: Member) -> None:
    op = operator(gov.tenant.id)
    gov.people.add(op, "owner@example.com", PASSWORD, Role.OWNER)
    gov.people.suspend(op, "root@example.com", reason="lost laptop")
    with pytest.raises(AccessDenied):
        gov.people.add(op, "root2@example.com", PASSWORD, Role.ROOT_OWNER)
    assert gov.tenant.audit.verify().ok


@pytest.mark.postgres
def test_governance_tables_are_tenant_isolated_and_append_only_inside_postgresql(
        pg_database, settings, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy.exc
    from sqlalchemy import create_engine

    from webnova.core import db

    with Platform.open(pg_database.app, settings=settings) as platform:
        gov = Governance(platform, tenant_id)
        root = gov.people.create_owner("root@example.com", PASSWORD)
        gov.waivers.waive(root, "shop", "pci-dss.tls", "TLS ends at the proxy")
    engine = create_engine(db.normalize_url(pg_database.app))
    tables = ("memberships", "constitutions", "compliance_waivers", "usage_records")
    try:
        with engine.begin() as conn:
            flags = dict(conn.execute(text(
                "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
                "WHERE relname = ANY(:t)"), {"t": list(tables)}).all())
            assert flags == dict.fromkeys(tables, True)
            for table in tables:  # no tenant set: nothing is visible
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
        with pytest.raises(sqlalchemy.exc.ProgrammingError), engine.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
            conn.execute(text("UPDATE compliance_waivers SET reason = 'forged'"))
    finally:
        engine.dispose()
