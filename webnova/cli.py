"""The `webnova` command line (Typer + rich).

Commands are thin: they parse, call the library, print in the user's language and map outcomes to
exit codes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from webnova.i18n import _, format_number, ngettext, set_locale
from webnova.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from webnova.core.audit import VerifyResult
    from webnova.core.platform import Platform
    from webnova.governance.tamper import TamperCheck

app = typer.Typer(name="webnova", no_args_is_help=True, add_completion=False,
                  help="WebNova: describe a platform, get it built, governed and deployed.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
i18n_app = typer.Typer(no_args_is_help=True, help="Translation catalogs.")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(i18n_app, name="i18n")

console = Console()
err_console = Console(stderr=True)


def _register_subcommands() -> None:
    # Sub-apps owned by other areas of the package, mounted under their command names.
    from webnova.adapters.sandbox.cli import app as sandbox_app
    from webnova.generator.blueprint_cli import app as blueprint_app
    from webnova.generator.generator_cli import app as generate_app
    from webnova.generator.generator_cli import templates_app
    from webnova.governance.cli import govern_app, users_app
    from webnova.graphs.cli import app as factory_app

    app.add_typer(blueprint_app, name="blueprint", help="Validate blueprints, print the schema.")
    app.add_typer(sandbox_app, name="sandbox", help="Run code in the sandbox; show its isolation.")
    app.add_typer(generate_app, name="generate", help="Generate (or regenerate) a project.")
    app.add_typer(templates_app, name="templates", help="The template catalog.")
    app.add_typer(users_app, name="users", help="People: owners, roles, suspensions.")
    app.add_typer(govern_app, name="govern", help="Compliance reports, constitution, budgets.")
    app.add_typer(factory_app)  # plan, build, resume, runs: top-level commands


class _State:
    settings: Settings | None = None


def settings() -> Settings:
    """The settings of this invocation (read once)."""
    if _State.settings is None:
        _State.settings = load_settings()
    return _State.settings


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a localized error to stderr and return the exit to raise."""
    err_console.print(f"[red]{message}[/red]", highlight=False)
    return typer.Exit(code)


@app.callback()
def main_callback(
    lang: Annotated[str | None, typer.Option("--lang", help="Language of messages: en or ar.")]
    = None,
) -> None:
    """WebNova: describe a platform, get it built, governed and deployed."""
    try:
        current = settings()
    except SettingsError as exc:
        set_locale(lang)
        raise fail(_("Invalid settings: {error}").format(error=exc)) from exc
    set_locale(lang or current.locale)


@app.command()
def health(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the state of the database, migrations, checkpointer, sandbox and model mode."""
    from webnova.core.health import run_checks

    checks = run_checks(settings())
    if as_json:
        typer.echo(json.dumps([c.model_dump() for c in checks], ensure_ascii=False, indent=2))
    else:
        table = Table(_("Component"), _("State"), _("Details"), _("Latency (ms)"))
        for check in checks:
            mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
            details = ", ".join(f"{k}={v}" for k, v in check.detail.items())
            table.add_row(check.name, f"{mark} {_(check.summary)}", details,
                          f"{check.latency_ms:.1f}")
        console.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema (the embedded default migrates by itself)."""
    from webnova.core import db

    current = settings()
    revision = db.upgrade(current.effective_admin_url, app_url=current.effective_database_url)
    console.print(_("Database is at revision {revision}.").format(revision=revision))


@db_app.command("status")
def db_status() -> None:
    """Show the database's schema revision next to the newest one."""
    from webnova.core import db

    with db.scoped_engine(settings().effective_database_url) as engine:
        current = db.current_revision(engine)
    head = db.head_revision()
    console.print(_("Current revision: {current}; newest: {head}.").format(
        current=current or "-", head=head))
    if current != head:
        raise typer.Exit(1)


def _open_platform() -> Platform:
    from webnova.core.errors import WebNovaError
    from webnova.core.platform import Platform

    try:
        return Platform.open(settings=settings())
    except WebNovaError as exc:
        raise fail(_("Cannot open the database: {error}").format(error=exc)) from exc


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant (default: all).")] = None,
    repo: Annotated[Path | None, typer.Option(
        help="Also check the heads published in this project's git history.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recompute the audit chains; exit 1 naming the first broken entry when one was altered."""
    from webnova.core.errors import TenantError
    from webnova.governance.tamper import verify_repo

    platform = _open_platform()
    with platform:
        try:
            tenants = [tenant] if tenant else platform.tenant_ids()
            results = [platform.tenant(t).audit.verify() for t in tenants]
            published = [verify_repo(platform.tenant(t).audit, t, repo) for t in tenants] \
                if repo else []
        except TenantError as exc:
            raise fail(_("Invalid tenant: {error}").format(error=exc)) from exc
    if as_json:
        typer.echo(json.dumps([r.model_dump() for r in results]
                              + [p.model_dump() for p in published], ensure_ascii=False))
    else:
        _print_verify(results, published)
    if not all(r.ok for r in results) or not all(p.ok for p in published):
        raise typer.Exit(1)


def _print_verify(results: list[VerifyResult], published: list[TamperCheck]) -> None:
    for result in results:
        if result.ok:
            console.print(ngettext(
                "Tenant {tenant}: audit chain intact ({count} entry).",
                "Tenant {tenant}: audit chain intact ({count} entries).", result.checked,
            ).format(tenant=result.tenant_id, count=format_number(result.checked)))
        else:
            err_console.print(_(
                "Tenant {tenant}: audit chain BROKEN at entry {seq}: {reason}"
            ).format(tenant=result.tenant_id, seq=result.first_broken, reason=result.reason))
    for check in published:
        if check.ok:
            console.print(ngettext(
                "Tenant {tenant}: {count} head published in git matches the database.",
                "Tenant {tenant}: {count} heads published in git match the database.",
                check.published).format(tenant=check.tenant_id,
                                        count=format_number(check.published)))
        for problem in check.problems:
            err_console.print(_("Tenant {tenant}: {problem}").format(tenant=check.tenant_id,
                                                                     problem=problem))


@audit_app.command("export")
def audit_export(
    tenant: Annotated[str, typer.Option(help="The tenant whose log to export.")],
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Write a tenant's audit log as JSON lines."""
    from webnova.core.errors import TenantError

    platform = _open_platform()
    with platform:
        try:
            audit = platform.tenant(tenant).audit
        except TenantError as exc:
            raise fail(_("Invalid tenant: {error}").format(error=exc)) from exc
        if out is None:
            count = audit.export(sys.stdout)
        else:
            with out.open("w", encoding="utf-8") as handle:
                count = audit.export(handle)
    err_console.print(ngettext("Exported {count} audit entry.", "Exported {count} audit entries.",
                               count).format(count=format_number(count)))


@i18n_app.command("compile")
def i18n_compile() -> None:
    """Compile the gettext catalogs (.po -> .mo)."""
    from webnova.i18n import compile_catalogs

    for path in compile_catalogs():
        console.print(str(path))


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help="Which benchmark (e.g. eventstore).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run a benchmark; every figure is printed next to a baseline measured in the same run."""
    from webnova.benchkit import available_benchmarks, load_bench_module, print_report

    try:
        module = load_bench_module(name)
    except LookupError as exc:
        raise fail(_("Unknown benchmark {name}; available: {names}").format(
            name=name, names=", ".join(available_benchmarks()))) from exc
    report = module.run(settings())
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print_report(console, report)


@app.command()
def ui(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Start the chat UI (Chainlit) on http://127.0.0.1:8000 by default."""
    from webnova.chat.server import run_ui

    current = settings()
    raise typer.Exit(run_ui(current, host or current.ui_host, port or current.ui_port))


_register_subcommands()


def main() -> None:
    """Entry point of the `webnova` script."""
    app()
