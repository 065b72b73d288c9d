"""`webnova generate` and `webnova templates`.

Mounted by the root CLI with::

    app.add_typer(generator_cli.app, name="generate")
    app.add_typer(generator_cli.templates_app, name="templates")

Exit codes: 0 done, 1 conflicts to resolve, 2 invalid blueprint or refused folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Final

import typer

from webnova.generator.catalog import load_catalog, preset_yaml
from webnova.generator.generate import GenerateOutcome, generate_project
from webnova.generator.validation import MAX_INPUT_BYTES, BlueprintIssue
from webnova.i18n import _, current_locale, use_locale

EXIT_CONFLICTS: Final = 1
EXIT_INVALID: Final = 2

# A callback-only group: options may follow the file argument (`generate FILE --out DIR`).
app = typer.Typer(add_completion=False, help="Generate a project from a blueprint.",
                  context_settings={"allow_interspersed_args": True})
templates_app = typer.Typer(add_completion=False, help="The template catalog.")

LangOption = Annotated[
    str | None, typer.Option("--lang", help="Language of the messages (en or ar).")
]


@app.callback(invoke_without_command=True)
def generate(
    blueprint_file: Annotated[str, typer.Argument(help="Blueprint file (YAML or JSON), or -.")],
    out: Annotated[Path, typer.Option("--out", help="Project folder to create or regenerate.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Use a non-empty folder that is not a WebNova project.")
    ] = False,
    preview: Annotated[
        bool, typer.Option("--preview", help="Only show which files would change.")
    ] = False,
    lang: LangOption = None,
) -> None:
    """Render a blueprint into a project, or merge a new revision into an existing one."""
    with use_locale(lang or current_locale()):
        data = _read(blueprint_file)
        outcome = (generate_project(data, out, force=force, preview=preview)
                   if isinstance(data, bytes) else data)
        _print(outcome, as_json)
    if outcome.status == "conflicts":
        raise typer.Exit(EXIT_CONFLICTS)
    if not outcome.ok:
        raise typer.Exit(EXIT_INVALID)


def _read(file: str) -> bytes | GenerateOutcome:
    if file == "-":
        return typer.get_binary_stream("stdin").read(MAX_INPUT_BYTES + 1)
    try:
        with Path(file).open("rb") as stream:
            return stream.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        message = _("Cannot read {file}: {reason}.").format(
            file=file, reason=error.strerror or error.__class__.__name__)
        issue = BlueprintIssue(path="", code="unreadable", message=message)
        return GenerateOutcome(ok=False, status="invalid", out="", message=message,
                               issues=[issue])


def _print(outcome: GenerateOutcome, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(outcome.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    typer.echo(outcome.message, err=not outcome.ok)
    for issue in outcome.issues:
        typer.echo(f"  {issue}", err=True)
    if outcome.impact is not None and outcome.status in ("preview", "regenerated", "conflicts"):
        for sign, paths in (("+", outcome.impact.added), ("~", outcome.impact.changed),
                            ("-", outcome.impact.removed)):
            for path in paths:
                typer.echo(f"  {sign} {path}")
    for conflict in outcome.conflicts:
        where = (_("{file}, line {line}").format(file=conflict.file, line=conflict.start_line)
                 if conflict.start_line else conflict.file)
        typer.echo(_("Conflict in {where}").format(where=where), err=True)


@templates_app.callback(invoke_without_command=True)
def templates(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalog as JSON.")] = False,
    lang: LangOption = None,
) -> None:
    """List the templates with their default stacks."""
    if ctx.invoked_subcommand is not None:
        return
    with use_locale(lang or current_locale()):
        locale = current_locale()
        entries = [entry.summary(locale) for entry in load_catalog().templates]
        if as_json:
            typer.echo(json.dumps(entries, indent=2, ensure_ascii=False))
            return
        for entry in entries:
            stack = entry["stack"]
            ready = _("ready") if entry["generatable"] else _("not generatable yet")
            typer.echo(f"{entry['id']:<18} {entry['name']}  "
                       f"[{stack['frontend']}+{stack['backend']}, {ready}]")
            typer.echo(f"{'':<18} {entry['description']}")


@templates_app.command("show")
def show(
    template_id: Annotated[str, typer.Argument(metavar="ID", help="Template id.")],
    blueprint: Annotated[
        bool, typer.Option("--blueprint", help="Print the preset as blueprint YAML.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entry as JSON.")] = False,
    lang: LangOption = None,
) -> None:
    """Show one template, or its default preset as a blueprint ready for `webnova generate`."""
    with use_locale(lang or current_locale()):
        catalog = load_catalog()
        entry = catalog.get(template_id)
        if entry is None:
            known = ", ".join(t.id for t in catalog.templates)
            typer.echo(_("Unknown template {id}; templates: {known}.").format(
                id=template_id, known=known), err=True)
            raise typer.Exit(EXIT_INVALID)
        if blueprint:
            typer.echo(preset_yaml(entry), nl=False)
        elif as_json:
            summary = entry.summary(current_locale())
            summary["preset"] = entry.blueprint().model_dump(mode="json")
            typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        else:
            summary = entry.summary(current_locale())
            typer.echo(f"{summary['id']}: {summary['name']}\n{summary['description']}")
            typer.echo(_("Entities: {names}").format(names=", ".join(summary["entities"]) or "-"))
