"""`webnova users ...` and `webnova govern ...`.

Mounted by the root CLI::

    from webnova.governance.cli import govern_app, users_app
    app.add_typer(users_app, name="users", help="People: owners, roles, suspensions.")
    app.add_typer(govern_app, name="govern", help="Compliance reports, constitution, budgets.")

The CLI acts as the local operator (whoever holds the database) unless `--as EMAIL` names the
member whose rights apply; either way every change is audited under that name.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Final

import typer

from webnova.core.errors import WebNovaError
from webnova.core.platform import Platform
from webnova.governance.budgets import Limit, Metric, Period
from webnova.governance.errors import GovernanceError
from webnova.governance.people import Member, operator, parse_role, role_label, status_label
from webnova.governance.policy import Risk
from webnova.governance.report import GovernanceReport, build_report, render_text
from webnova.governance.service import Governance
from webnova.governance.tamper import publish_head, verify_repo
from webnova.i18n import _
from webnova.settings import Settings

EXIT_BLOCKED: Final = 1
EXIT_ERROR: Final = 2

users_app = typer.Typer(no_args_is_help=True, add_completion=False,
                        help="People: owners, members, roles, suspensions and bans.")
govern_app = typer.Typer(no_args_is_help=True, add_completion=False,
                         help="Compliance reports, constitution, waivers, budgets, audit heads.")

TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant id.")]
AsOpt = Annotated[str | None, typer.Option("--as", help="Act as this member (default: the "
                                                        "local operator).")]
EmailOpt = Annotated[str, typer.Option("--email", help="The member's e-mail.")]
DEFAULT_TENANT: Final = "default"


def _settings() -> Settings:
    from webnova import cli as root_cli  # the root CLI reads settings once per invocation

    return root_cli.settings()


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(EXIT_ERROR)


@contextlib.contextmanager
def _governance(tenant: str) -> Iterator[Governance]:
    try:
        platform = Platform.open(settings=_settings())
    except WebNovaError as exc:
        raise _fail(_("Cannot open the database: {error}").format(error=exc)) from exc
    with platform:
        try:
            yield Governance(platform, tenant)
        except GovernanceError as exc:
            raise _fail(str(exc)) from exc
        except WebNovaError as exc:  # e.g. an invalid tenant id
            raise _fail(str(exc)) from exc


def _actor(gov: Governance, as_email: str | None) -> Member:
    if as_email is None:
        return operator(gov.tenant.id)
    member = gov.people.get(as_email)
    if member is None:
        raise _fail(_("{email} is not a member of tenant {tenant}.").format(
            email=as_email, tenant=gov.tenant.id))
    return member


def _password(given: str | None) -> str:
    if given is not None:
        return given
    value: str = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    return value


def _echo_member(member: Member) -> None:
    typer.echo(f"{member.email}\t{role_label(member.role)}\t{status_label(member.status)}")


# ---------------------------------------------------------------- users


@users_app.command("create-owner")
def create_owner(email: EmailOpt, password: Annotated[str | None, typer.Option(
        help="Prompted for when not given.")] = None,
                 tenant: TenantOpt = DEFAULT_TENANT) -> None:
    """Create the tenant's root owner (once per tenant)."""
    with _governance(tenant) as gov:
        member = gov.people.create_owner(email, _password(password))
        typer.echo(_("Root owner {email} created in tenant {tenant}.").format(
            email=member.email, tenant=tenant))


@users_app.command("add")
def add(email: EmailOpt, role: Annotated[str, typer.Option(help="OWNER, ADMIN, DEVELOPER or "
                                                                "VIEWER.")],
        password: Annotated[str | None, typer.Option(
            help="For a new account; prompted for when not given.")] = None,
        permission: Annotated[list[str] | None, typer.Option(
            help="Custom permission (`deploy`) or removal (`!deploy`); repeatable.")] = None,
        tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Add a member to the tenant."""
    with _governance(tenant) as gov:
        parsed = parse_role(role)
        if password is None and not gov.people.user_exists(email):
            password = _password(None)
        member = gov.people.add(_actor(gov, as_email), email, password, parsed,
                                permission or [])
        _echo_member(member)


@users_app.command("set-role")
def set_role(email: EmailOpt, role: Annotated[str, typer.Option(help="The new role.")],
             tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Change a member's role (their sessions end)."""
    with _governance(tenant) as gov:
        _echo_member(gov.people.set_role(_actor(gov, as_email), email, parse_role(role)))


@users_app.command("suspend")
def suspend(email: EmailOpt, reason: Annotated[str, typer.Option(help="Why.")] = "",
            tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Suspend a member: they can do nothing and their sessions end."""
    with _governance(tenant) as gov:
        _echo_member(gov.people.suspend(_actor(gov, as_email), email, reason))


@users_app.command("ban")
def ban(email: EmailOpt, reason: Annotated[str, typer.Option(help="Why.")] = "",
        tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Ban a member for good."""
    with _governance(tenant) as gov:
        _echo_member(gov.people.ban(_actor(gov, as_email), email, reason))


@users_app.command("reactivate")
def reactivate(email: EmailOpt, reason: Annotated[str, typer.Option(help="Why.")] = "",
               tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Lift a suspension (a ban cannot be lifted)."""
    with _governance(tenant) as gov:
        _echo_member(gov.people.reactivate(_actor(gov, as_email), email, reason))


@users_app.command("list")
def list_members(tenant: TenantOpt = DEFAULT_TENANT,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the tenant's members, highest role first."""
    with _governance(tenant) as gov:
        members = gov.people.members()
    if as_json:
        typer.echo(json.dumps([m.model_dump(mode="json") for m in members], ensure_ascii=False))
        return
    for member in members:
        _echo_member(member)


# ---------------------------------------------------------------- govern


@govern_app.command("report")
def report(target: Annotated[Path, typer.Argument(help="Project directory or blueprint file.")],
           as_json: Annotated[bool, typer.Option("--json")] = False,
           region: Annotated[str | None, typer.Option(help="Deploy region to check.")] = None,
           url: Annotated[str | None, typer.Option(
               help="Address the deployment is served at (checked for HTTPS).")] = None,
           tenant: Annotated[str | None, typer.Option(
               "--tenant", help="Attach this tenant's waivers, approvals, constitution.")] = None,
           ) -> None:
    """Compliance report: controls, status, evidence, waivers, approvals (exit 1 if blocked)."""
    if tenant is None:
        result = _report(target, None, region, url)
    else:
        with _governance(tenant) as gov:
            result = _report(target, gov, region, url)
    typer.echo(result.model_dump_json(indent=2) if as_json else render_text(result))
    if not result.release_allowed:
        raise typer.Exit(EXIT_BLOCKED)


def _report(target: Path, gov: Governance | None, region: str | None,
            url: str | None) -> GovernanceReport:
    try:
        return build_report(target, gov, deploy_region=region, deploy_url=url)
    except GovernanceError as exc:
        raise _fail(str(exc)) from exc


@govern_app.command("constitution")
def constitution(file: Annotated[Path | None, typer.Argument(
        help="New constitution (YAML); without it, print the current one.")] = None,
                 tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Show the constitution, or replace it with FILE (owners only; audited with a diff)."""
    with _governance(tenant) as gov:
        if file is None:
            current = gov.constitution.current_version()
            typer.echo(f"# version {current.version}\n{current.text}", nl=False)
            return
        result = gov.constitution.change(_actor(gov, as_email), file.read_text("utf-8"))
    if not result.accepted:
        for problem in result.problems:
            typer.echo(_("{file}:{line}: {reason}").format(
                file=file, line=problem.line or "?", reason=problem.reason), err=True)
        raise typer.Exit(EXIT_ERROR)
    typer.echo(result.diff, nl=False)
    typer.echo(_("Constitution version {version} is in force.").format(version=result.version))


@govern_app.command("waive")
def waive(project: Annotated[str, typer.Option(help="Project slug.")],
          control: Annotated[str, typer.Option(help="Control id, e.g. pci-dss.tls.")],
          reason: Annotated[str, typer.Option(help="Why the release may go ahead.")],
          tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Waive a failed control for a project (owners only, with a reason; audited)."""
    with _governance(tenant) as gov:
        waiver = gov.waivers.waive(_actor(gov, as_email), project, control, reason)
    typer.echo(_("Waived {control} for {project} ({id}).").format(
        control=control, project=project, id=waiver.id))
    if waiver.expires_at is not None:
        typer.echo(_("The waiver lapses on {date}.").format(
            date=waiver.expires_at.date().isoformat()))


@govern_app.command("approve-below")
def approve_below(risk: Annotated[str, typer.Argument(
        help="read, write, external, destructive, spend, or none.")],
                  tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Auto-approve actions below RISK for this tenant ("approve for me below risk X")."""
    try:
        value = None if risk == "none" else Risk(risk)
    except ValueError as exc:
        raise _fail(_("Unknown risk {risk}.").format(risk=risk)) from exc
    with _governance(tenant) as gov:
        gov.policy.set_auto_approve_below(_actor(gov, as_email), value)
    typer.echo(_("Auto-approval threshold: {risk}.").format(risk=risk))


@govern_app.command("budget")
def budget(metric: Annotated[str | None, typer.Argument(help="Metric to limit.")] = None,
           limit: Annotated[int | None, typer.Argument(help="Limit (none removes).")] = None,
           period: Annotated[str, typer.Option(help="day, month or total.")] = "month",
           on_exceed: Annotated[str, typer.Option(help="ask or stop.")] = "ask",
           tenant: TenantOpt = DEFAULT_TENANT, as_email: AsOpt = None) -> None:
    """Show limits and usage, or set METRIC's LIMIT."""
    with _governance(tenant) as gov:
        if metric is not None:
            try:
                chosen = Metric(metric)
                new = Limit.model_validate({"limit": limit, "period": period,
                                            "on_exceed": on_exceed}) if limit is not None \
                    else None
            except ValueError as exc:
                raise _fail(str(exc)) from exc
            gov.budgets.set_limit(_actor(gov, as_email), chosen, new)
        limits = gov.budgets.limits()
        for item in Metric:
            cap = limits.get(item)
            period_used: Period = cap.period if cap else "total"
            used = gov.budgets.used(item, period_used)
            shown = f"{cap.limit} / {cap.period} ({cap.on_exceed})" if cap else "-"
            typer.echo(f"{item.value}\t{used}\t{shown}")


@govern_app.command("publish-head")
def publish(repo: Annotated[Path, typer.Argument(help="The project's git repository.")],
            reason: Annotated[str, typer.Option(help="approval, deployment ...")] = "manual",
            tenant: TenantOpt = DEFAULT_TENANT) -> None:
    """Write the audit chain's head into the project's git history (an annotated tag)."""
    with _governance(tenant) as gov:
        head = gov.tenant.audit.head()
    if head is None:
        raise _fail(_("The audit log of tenant {tenant} is empty.").format(tenant=tenant))
    result = publish_head(repo, head, reason=reason)
    if not result.ok:
        raise _fail(result.error)
    typer.echo(result.tag)


@govern_app.command("verify-heads")
def verify_heads(repo: Annotated[Path, typer.Argument(help="The project's git repository.")],
                 tenant: TenantOpt = DEFAULT_TENANT,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the database audit chain against the heads published in git (exit 1 if not)."""
    with _governance(tenant) as gov:
        check = verify_repo(gov.tenant.audit, gov.tenant.id, repo)
    if as_json:
        typer.echo(check.model_dump_json())
    else:
        typer.echo(_("Published heads checked: {count}.").format(count=check.published))
        for problem in check.problems:
            typer.echo(problem, err=True)
    if not check.ok:
        raise typer.Exit(EXIT_BLOCKED)
