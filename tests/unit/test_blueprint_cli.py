"""`webnova blueprint validate` and `webnova blueprint schema` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit import blueprint_catalogs
from webnova.generator.blueprint import blueprint_json_schema, blueprint_json_schema_text
from webnova.generator.blueprint_cli import app

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "blueprints" / "examples" / "online-shop.yaml"
INVALID = """\
name: Clinic
slug: Clinic
domain: healthcare
template: react-express
stack: {frontend: react, backend: express, language: typescript, database: postgresql}
entities:
  - name: Patient
    fields:
      - {name: age, type: integer, max_lenght: 3}
"""

runner = CliRunner()


@pytest.fixture(autouse=True)
def _catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    blueprint_catalogs.install(monkeypatch)


@pytest.fixture
def invalid_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(INVALID, encoding="utf-8")
    return path


def test_a_valid_blueprint_exits_0_with_a_summary() -> None:
    result = runner.invoke(app, ["validate", str(SHOP)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Valid blueprint Souq Online Shop (souq-shop), version 1: 4 entities, 5 pages."
    )


def test_an_invalid_blueprint_exits_2_listing_every_issue(invalid_file: Path) -> None:
    result = runner.invoke(app, ["validate", str(invalid_file)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == f"{invalid_file} is not a valid blueprint (2 issues):"
    assert lines[1:] == [
        "  slug: Use 2 to 63 lowercase Latin letters, digits and hyphens, starting with a letter "
        "(for example clinic-booking).",
        '  entities[0].fields[0].max_lenght: Unknown key "max_lenght"; did you mean max_length?',
    ]


def test_validation_writes_nothing(invalid_file: Path) -> None:
    before = {p: p.read_bytes() for p in invalid_file.parent.iterdir()}
    schema = ROOT / "blueprints" / "blueprint.schema.json"
    schema_mtime = schema.stat().st_mtime_ns
    runner.invoke(app, ["validate", str(invalid_file)])
    runner.invoke(app, ["validate", "--json", str(invalid_file)])
    assert {p: p.read_bytes() for p in invalid_file.parent.iterdir()} == before
    assert schema.stat().st_mtime_ns == schema_mtime


def test_json_output_is_machine_readable(invalid_file: Path) -> None:
    valid = runner.invoke(app, ["validate", "--json", str(SHOP)])
    assert valid.exit_code == 0
    payload = json.loads(valid.output)
    assert payload["valid"] is True
    assert payload["blueprint"]["slug"] == "souq-shop"
    assert payload["issues"] == []

    invalid = runner.invoke(app, ["validate", str(invalid_file), "--json"])
    assert invalid.exit_code == 2
    issues = json.loads(invalid.output)["issues"]
    assert [(i["path"], i["code"]) for i in issues] == [
        ("slug", "string_pattern_mismatch"),
        ("entities[0].fields[0].max_lenght", "extra_forbidden"),
    ]


def test_stdin_is_read_when_the_file_is_a_dash() -> None:
    valid = runner.invoke(app, ["validate", "-"], input=SHOP.read_bytes())
    assert valid.exit_code == 0
    invalid = runner.invoke(app, ["validate", "-"], input=INVALID)
    assert invalid.exit_code == 2
    assert invalid.output.startswith("Standard input is not a valid blueprint")


def test_syntax_errors_show_their_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  "slug" "x"\n}', encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "JSON syntax error at line 3, column 10" in result.output


def test_a_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "Cannot read" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"description: " + b"x" * (2 * 1024 * 1024))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "1 MiB" in result.output


def test_lang_ar_prints_arabic_messages(invalid_file: Path) -> None:
    result = runner.invoke(app, ["validate", str(invalid_file), "--lang", "ar"])
    assert result.exit_code == 2
    assert "ليس مخططًا صالحًا (مشكلتان):" in result.output
    assert "هل تقصد max_length؟" in result.output
    # the language does not leak into the next command
    assert "is not a valid blueprint" in runner.invoke(app, ["validate", str(invalid_file)]).output


def test_schema_prints_the_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == blueprint_json_schema()


def test_schema_check_passes_on_the_committed_file() -> None:
    result = runner.invoke(app, ["schema", "--check"])
    assert result.exit_code == 0, result.output


def test_schema_write_then_check_detects_staleness(tmp_path: Path) -> None:
    target = tmp_path / "blueprint.schema.json"
    assert runner.invoke(app, ["schema", "--check", "--path", str(target)]).exit_code == 1

    written = runner.invoke(app, ["schema", "--write", "--path", str(target)])
    assert written.exit_code == 0
    assert target.read_text(encoding="utf-8") == blueprint_json_schema_text()
    assert runner.invoke(app, ["schema", "--check", "--path", str(target)]).exit_code == 0

    target.write_text(blueprint_json_schema_text().replace("Platform name", "Name"), "utf-8")
    stale = runner.invoke(app, ["schema", "--check", "--path", str(target)])
    assert stale.exit_code == 1
    assert "stale" in stale.output


def test_schema_refuses_write_and_check_together(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = runner.invoke(app, ["schema", "--write", "--check", "--path", str(target)])
    assert result.exit_code == 2
    assert not target.exists()
