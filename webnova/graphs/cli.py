"""`webnova plan | build | resume | runs | projects`: the factory from the terminal.

Mounted into the main CLI with `app.add_typer(webnova.graphs.cli.app)` (no name: the commands
join the top level). Without `--yes`, `build` asks at each approval when the terminal is
interactive; otherwise it stops, prints the run id, and `webnova resume` continues later.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from webnova.adapters.brains.offline import OfflineBrain
from webnova.factory import Factory, FactoryError, FactoryEvent, RunView
from webnova.graphs.state import ApprovalRequest, Decision
from webnova.i18n import _, current_locale, negotiate, use_locale
from webnova.settings import load_settings

app = typer.Typer(no_args_is_help=True, add_completion=False)
console = Console()
err_console = Console(stderr=True)

LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Language of the output: en or ar (default: `webnova --lang`, then settings).")]


def _language(lang: str | None) -> str:
    """The option's language, else the one `webnova --lang` or the settings chose."""
    return negotiate(lang) if lang else current_locale()
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant the run belongs to.")]


def _json(value: Any) -> None:
    console.print_json(json.dumps(value, ensure_ascii=False, default=str))


@app.command()
def plan(text: Annotated[str, typer.Argument(help="The platform, in English or Arabic.")],
         lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Analyse a description and propose a blueprint; nothing is written."""
    brain = OfflineBrain()
    lang = _language(lang)
    with use_locale(lang):
        analysis = brain.analyze(text, lang)
        blueprint = brain.design(analysis) if analysis.status == "ok" else None
        if as_json:
            _json({"analysis": analysis.model_dump(mode="json"),
                   "blueprint": blueprint.model_dump(mode="json") if blueprint else None})
        else:
            for line in [*analysis.warnings, *analysis.reasons]:
                console.print(f"• {line}")
            if blueprint is None:
                console.print(f"[bold]? {analysis.question}[/bold]")
            else:
                console.print(_("Blueprint: {name} ({template}), entities: {entities}").format(
                    name=blueprint.name, template=blueprint.template,
                    entities=", ".join(e.name for e in blueprint.entities) or "-"))
    if blueprint is None:
        raise typer.Exit(1)


@app.command()
def build(
    text: Annotated[str | None, typer.Argument(help="The platform, in English or Arabic.")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", exists=True, dir_okay=False,
                                              help="A blueprint YAML/JSON file.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Approve every gate (policy 'auto').")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Project folder.")] = None,
    lang: LangOpt = None, tenant: TenantOpt = "default", as_json: JsonOpt = False,
) -> None:
    """Build a platform: plan, approve, generate, test and deploy it."""
    if (text is None) == (spec is None):
        err_console.print(_("Give a description or --spec FILE (one of them)."))
        raise typer.Exit(2)
    source: str | Path = spec if spec is not None else str(text)
    lang = _language(lang)
    with use_locale(lang), Factory(load_settings()) as factory:
        try:
            events = factory.stream(source, tenant=tenant, locale=lang,
                                    approvals="auto" if yes else "ask", out=out)
            view = _drive(factory, events, as_json)
        except FactoryError as exc:
            err_console.print(str(exc))
            raise typer.Exit(2) from None
        _finish(view, as_json)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve the gate.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject and end the run.")] = False,
    changes: Annotated[str | None, typer.Option("--changes", help="Request changes.")] = None,
    answer: Annotated[str | None, typer.Option("--answer",
                                               help="Answer a clarifying question.")] = None,
    lang: LangOpt = None,
    tenant: Annotated[str | None, typer.Option(
        "--tenant", help="Only answer if the run belongs to this tenant.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a run's pending approval (or continue an interrupted run with no option)."""
    chosen = [d for d, on in (("approve", approve), ("reject", reject),
                              ("changes", changes is not None), ("answer", answer is not None))
              if on]
    if len(chosen) > 1:
        err_console.print(_("Choose one of --approve, --reject, --changes, --answer."))
        raise typer.Exit(2)
    decision = Decision(kind=chosen[0], text=changes or answer or "",  # type: ignore[arg-type]
                        actor="cli") if chosen else None
    with use_locale(_language(lang)), Factory(load_settings()) as factory:
        try:
            view = _drive(factory, factory.stream_resume(run_id, decision, tenant=tenant),
                          as_json)
        except FactoryError as exc:
            err_console.print(str(exc))
            raise typer.Exit(2) from None
        _finish(view, as_json)


@app.command()
def runs(tenant: TenantOpt = "default", as_json: JsonOpt = False) -> None:
    """List the runs of a tenant with their status."""
    with Factory(load_settings()) as factory:
        listed = factory.runs(tenant)
    if as_json:
        _json([r.model_dump(mode="json") for r in listed])
        return
    table = Table(_("Run"), _("Status"), _("Description"))
    for run in listed:
        table.add_row(run.run_id, run.status, run.text[:60])
    console.print(table)


def _drive(factory: Factory, events: Iterator[FactoryEvent], as_json: bool) -> RunView:
    run_id = ""
    for event in events:
        run_id = event.run_id
        if not as_json:
            _show(event)
    view = factory.get(run_id)
    while view.pending is not None and _interactive(as_json):
        decision = _ask(view.pending)
        for event in factory.stream_resume(view.run_id, decision):
            _show(event)
        view = factory.get(view.run_id)
    return view


def _interactive(as_json: bool) -> bool:
    return not as_json and sys.stdin.isatty()


def _show(event: FactoryEvent) -> None:
    if event.kind == "stage_started":
        console.print(f"[dim]→ {event.stage}[/dim]")
    elif event.kind == "message":
        console.print(f"  {event.text}")
    elif event.kind == "approval_requested" and event.approval is not None:
        console.print(f"[bold yellow]? {event.approval.summary}[/bold yellow]")


def _ask(request: ApprovalRequest) -> Decision:
    _json(request.details)
    kind = typer.prompt(_("Decision ({allowed})").format(allowed="/".join(request.allowed)))
    text = ""
    if kind in ("changes", "answer", "reject"):
        text = typer.prompt(_("Details"), default="")
    if kind not in request.allowed:
        return Decision(kind="reject", text=_("unclear answer"), actor="cli")
    return Decision(kind=kind, text=text, actor="cli")


def _finish(view: RunView, as_json: bool) -> None:
    if as_json:
        _json(view.model_dump(mode="json"))
    elif view.pending is not None:
        console.print(_("Run {run} waits for a decision. Continue with: webnova resume {run} "
                        "--approve | --reject | --changes \"...\"").format(run=view.run_id))
    elif view.status == "done":
        console.print(_("Done: {url} (commit {commit}, project {path})").format(
            url=view.deployment_url, commit=(view.commit or "-")[:10], path=view.project_dir))
    else:
        console.print(_("Run {run} ended: {status}. {error}").format(
            run=view.run_id, status=view.status, error=view.error or ""))
    if view.pending is None and view.status != "done":
        raise typer.Exit(1)


@app.command()
def projects(tenant: TenantOpt = "default", as_json: JsonOpt = False, lang: LangOpt = None
             ) -> None:
    """List the tenant's generated projects: folder, last commit and deployment."""
    with Factory(load_settings()) as factory:
        listed = factory.projects(tenant)
    if as_json:
        _json([p.model_dump(mode="json") for p in listed])
        return
    with use_locale(_language(lang)):
        if not listed:
            console.print(_("No project yet. Build one with {command}.").format(
                command="webnova build \"...\""))
            return
        table = Table(_("Project"), _("Template"), _("Status"), _("Commit"), _("Deployment"),
                      _("Folder"))
        for project in listed:
            table.add_row(project.name, project.template, project.status,
                          (project.commit or "-")[:10], project.deployment_url or "-",
                          project.project_dir)
        console.print(table)
