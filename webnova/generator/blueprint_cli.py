"""`webnova blueprint ...`: validate blueprint files and keep the committed JSON Schema current.

Mounted by the root CLI with `app.add_typer(blueprint_cli.app, name="blueprint")`. Messages follow
the current i18n locale (set by the root CLI) unless `--lang` is given here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Final

import typer

from webnova.generator.blueprint import Blueprint, blueprint_json_schema_text
from webnova.generator.validation import (
    MAX_INPUT_BYTES,
    BlueprintIssue,
    ValidationResult,
    parse_blueprint,
)
from webnova.i18n import _, current_locale, format_number, ngettext, use_locale
from webnova.resources import data_path

EXIT_INVALID: Final = 2
EXIT_STALE: Final = 1
SCHEMA_FILE: Final = "blueprint.schema.json"

app = typer.Typer(
    help="Validate blueprints and export the Blueprint JSON Schema.",
    no_args_is_help=True,
    add_completion=False,
)

LangOption = Annotated[
    str | None, typer.Option("--lang", help="Language of the messages (en or ar).")
]


def default_schema_path() -> Path:
    """The committed schema file, `blueprints/blueprint.schema.json`."""
    return data_path("blueprints") / SCHEMA_FILE


@app.command("validate")
def validate(
    file: Annotated[str, typer.Argument(help="Blueprint file (YAML or JSON), or - for stdin.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON.")
    ] = False,
    lang: LangOption = None,
) -> None:
    """Validate a blueprint: exit 0 when valid, 2 listing every issue when not."""
    with use_locale(lang or current_locale()):
        result = _read_and_parse(file)
        if as_json:
            typer.echo(_result_json(result))
        elif result.blueprint is not None:
            typer.echo(_summary(result.blueprint))
        else:
            _echo_issues(file, result.issues)
    if not result.ok:
        raise typer.Exit(EXIT_INVALID)


@app.command("schema")
def schema(
    write: Annotated[
        bool, typer.Option("--write", help="Update the committed schema file.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when the committed schema file is stale.")
    ] = False,
    path: Annotated[
        Path | None, typer.Option("--path", help="Schema file to write or check.")
    ] = None,
    lang: LangOption = None,
) -> None:
    """Print the Blueprint JSON Schema, or write/check the committed copy."""
    with use_locale(lang or current_locale()):
        if write and check:
            raise typer.BadParameter(_("Use --write or --check, not both."))
        target = path or default_schema_path()
        text = blueprint_json_schema_text()
        if write:
            target.write_text(text, encoding="utf-8")
            typer.echo(_("Wrote {path}.").format(path=target))
        elif check:
            _check_schema(target, text)
        else:
            typer.echo(text, nl=False)


def _check_schema(target: Path, expected: str) -> None:
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if current != expected:
        typer.echo(_(
            "{path} is stale; run: webnova blueprint schema --write"
        ).format(path=target), err=True)
        raise typer.Exit(EXIT_STALE)
    typer.echo(_("{path} is up to date.").format(path=target))


def _read_and_parse(file: str) -> ValidationResult:
    # Read one byte past the limit so oversized input is reported without loading all of it.
    if file == "-":
        return parse_blueprint(typer.get_binary_stream("stdin").read(MAX_INPUT_BYTES + 1))
    try:
        with Path(file).open("rb") as stream:
            data = stream.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        message = _("Cannot read {file}: {reason}.").format(
            file=file, reason=error.strerror or error.__class__.__name__)
        issue = BlueprintIssue(path="", code="unreadable", message=message)
        return ValidationResult(issues=[issue])
    return parse_blueprint(data, filename=file)


def _summary(bp: Blueprint) -> str:
    entities = ngettext("{count} entity", "{count} entities", len(bp.entities)).format(
        count=format_number(len(bp.entities)))
    pages = ngettext("{count} page", "{count} pages", len(bp.pages)).format(
        count=format_number(len(bp.pages)))
    return _("Valid blueprint {name} ({slug}), version {version}: {entities}, {pages}.").format(
        name=bp.name, slug=bp.slug, version=format_number(bp.version),
        entities=entities, pages=pages)


def _echo_issues(file: str, issues: list[BlueprintIssue]) -> None:
    source = _("Standard input") if file == "-" else file
    typer.echo(ngettext(
        "{source} is not a valid blueprint ({count} issue):",
        "{source} is not a valid blueprint ({count} issues):",
        len(issues),
    ).format(source=source, count=format_number(len(issues))))
    for issue in issues:
        typer.echo(f"  {issue}")


def _result_json(result: ValidationResult) -> str:
    payload = {
        "valid": result.ok,
        "blueprint": result.blueprint.model_dump(mode="json") if result.blueprint else None,
        "issues": [issue.model_dump(mode="json") for issue in result.issues],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
