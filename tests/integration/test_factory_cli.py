"""`webnova plan | resume | runs` through Typer's runner (build runs npm: see acceptance)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from webnova.cli import app as webnova_app
from webnova.graphs.cli import app

CLINIC_AR = "منصة لحجز المواعيد في عيادة، يحجز المرضى مواعيدهم مع الأطباء ويتلقون تذكيرات."


def _invoke(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"WEBNOVA_HOME": str(home)})
    return result.exit_code, result.output


def test_plan_prints_the_blueprint_as_json_without_writing(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "plan", CLINIC_AR, "--lang", "ar", "--json")
    assert code == 0
    data = json.loads(output)
    assert data["analysis"]["domain"] == "healthcare"
    assert data["blueprint"]["compliance"] == ["hipaa"]
    assert not (tmp_path / "projects").exists()


def test_plan_of_a_vague_text_asks_and_fails(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "plan", "make an app")
    assert code == 1
    assert "What should the platform do?" in output


def test_resume_of_an_unknown_run_is_a_clear_error(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "resume", "nope", "--approve")
    assert code == 2
    assert "There is no run nope" in output


def test_build_needs_exactly_one_source(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "build")
    assert code == 2
    assert "--spec" in output


def test_runs_lists_nothing_on_a_fresh_home(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "runs", "--json")
    assert code == 0
    assert json.loads(output) == []


def test_projects_on_a_fresh_home_says_how_to_build_one(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, "projects")
    assert code == 0 and "webnova build" in output
    code, output = _invoke(tmp_path, "projects", "--json")
    assert code == 0 and output.strip() == "[]"


def test_the_global_language_option_reaches_the_factory_commands(tmp_path: Path) -> None:
    result = CliRunner().invoke(webnova_app, ["--lang", "ar", "plan", CLINIC_AR],
                                env={"WEBNOVA_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "القالب" in result.output and "Template" not in result.output
