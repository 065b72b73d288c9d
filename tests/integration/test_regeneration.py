"""Regeneration keeps manual edits: the ten scenarios of the generator issue.

Each test generates a project, edits it as a person would, regenerates from a revised blueprint
and checks what the person sees: their edits, the new generated code, and, on conflict, a
structured list and an untouched working branch.
"""

from __future__ import annotations

import subprocess
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from webnova.adapters.git import ProjectRepo
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.generate import GenerateOutcome, generate_project


def preset(template: str) -> Blueprint:
    entry = load_catalog().get(template)
    assert entry is not None
    return entry.blueprint()


def revise(bp: Blueprint, change: Any) -> Blueprint:
    data = deepcopy(bp.model_dump(mode="json"))
    change(data)
    data.pop("version")
    data.pop("schema_version")
    return bp.revise(**{k: v for k, v in data.items() if k in ("entities", "pages", "relations")})


def add_field(data: dict[str, Any]) -> None:
    data["entities"][0]["fields"].append({"name": "budget", "type": "decimal"})


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Blueprint]:
    bp = preset("react-express")
    out = tmp_path / "project"
    assert generate_project(bp, out, run_id="v1").status == "created"
    return out, bp


def regenerate(out: Path, bp: Blueprint, run: str = "v2") -> GenerateOutcome:
    return generate_project(bp, out, run_id=run)


def no_conflict_markers(out: Path) -> bool:
    grep = subprocess.run(["git", "-C", str(out), "grep", "-l", "^<<<<<<<", "HEAD"],
                          capture_output=True, text=True, check=False)
    return grep.stdout == ""


def test_edit_in_a_file_the_change_does_not_touch_survives(project: tuple[Path, Blueprint]) -> None:
    out, bp = project
    http = out / "server/src/http.ts"
    http.write_text(http.read_text() + "\nexport const custom = 'mine';\n")
    outcome = regenerate(out, revise(bp, add_field))
    assert outcome.status == "regenerated", outcome
    assert "export const custom = 'mine';" in http.read_text()
    assert "budget" in (out / "server/src/schema.ts").read_text()


def test_edit_in_another_region_of_a_changed_file_survives(
    project: tuple[Path, Blueprint],
) -> None:
    out, bp = project
    validation = out / "server/src/validation.ts"
    validation.write_text("// reviewed by the team\n" + validation.read_text())
    outcome = regenerate(out, revise(bp, add_field))
    assert outcome.status == "regenerated"
    assert "server/src/validation.ts" in outcome.impact.changed  # type: ignore[union-attr]
    text = validation.read_text()
    assert text.startswith("// reviewed by the team\n")
    assert "budget:" in text


def test_conflicting_edit_is_reported_and_nothing_is_merged(
    project: tuple[Path, Blueprint],
) -> None:
    out, bp = project
    repo = ProjectRepo.open(out)
    schema = out / "server/src/schema.ts"
    schema.write_text(schema.read_text().replace(
        "title: varchar(\"title\", { length: 120 })", "title: varchar(\"title\", { length: 99 })"))

    def shorten(data: dict[str, Any]) -> None:
        data["entities"][0]["fields"][0]["max_length"] = 150

    outcome = regenerate(out, revise(bp, shorten))
    assert outcome.status == "conflicts" and not outcome.ok
    conflict = next(c for c in outcome.conflicts if c.file == "server/src/schema.ts")
    assert conflict.start_line is not None
    assert "length: 99" in (conflict.ours or "")
    assert "length: 150" in (conflict.theirs or "")
    assert "length: 99" in schema.read_text() and "<<<<<<<" not in schema.read_text()
    assert not repo.is_dirty()
    assert no_conflict_markers(out)
    assert repo.history()[0].stage == "manual-edits"  # the edit is kept, the merge is not made


def test_user_added_file_survives(project: tuple[Path, Blueprint]) -> None:
    out, bp = project
    (out / "docs").mkdir()
    (out / "docs" / "runbook.md").write_text("# Runbook\n")
    assert regenerate(out, revise(bp, add_field)).status == "regenerated"
    assert (out / "docs" / "runbook.md").read_text() == "# Runbook\n"


def test_user_deleted_generated_file_stays_deleted(project: tuple[Path, Blueprint]) -> None:
    out, bp = project
    (out / "Dockerfile").unlink()
    assert regenerate(out, revise(bp, add_field)).status == "regenerated"
    assert not (out / "Dockerfile").exists()


def test_entity_added_brings_its_api_tests_and_screens(project: tuple[Path, Blueprint]) -> None:
    out, bp = project

    def add_entity(data: dict[str, Any]) -> None:
        data["entities"].append({"name": "Milestone", "label": {"en": "Milestone", "ar": "مرحلة"},
                                 "fields": [{"name": "title", "type": "string", "required": True}]})

    outcome = regenerate(out, revise(bp, add_entity))
    assert outcome.status == "regenerated"
    assert {"server/src/routes/milestone.ts", "tests/integration/milestone.test.ts"} <= set(
        outcome.impact.added)  # type: ignore[union-attr]
    assert (out / "server/src/routes/milestone.ts").is_file()
    assert "/api/milestones" in (out / "server/src/app.ts").read_text()
    assert "مرحلة" in (out / "web/src/meta.ts").read_text()


def test_field_added_reaches_schema_migration_and_validation(
    project: tuple[Path, Blueprint],
) -> None:
    out, bp = project
    preview = generate_project(revise(bp, add_field), out, preview=True)
    assert preview.status == "preview"
    assert preview.impact is not None and preview.impact.blueprint is not None
    assert preview.impact.blueprint.entities_changed[0].fields_added == ["budget"]
    assert "budget" not in (out / "server/src/schema.ts").read_text()  # preview writes nothing
    assert regenerate(out, revise(bp, add_field)).status == "regenerated"
    assert 'ADD COLUMN IF NOT EXISTS "budget" numeric(14, 2)' in (
        out / "server/src/migrations.ts").read_text()
    assert "budget: z.number()" in (out / "server/src/validation.ts").read_text()


def test_entity_removed_takes_its_files_away(project: tuple[Path, Blueprint]) -> None:
    out, bp = project

    def drop_task(data: dict[str, Any]) -> None:
        data["entities"] = [e for e in data["entities"] if e["name"] != "Task"]
        data["relations"] = []
        data["pages"] = [p for p in data["pages"] if p.get("entity") != "Task"]

    outcome = regenerate(out, revise(bp, drop_task))
    assert outcome.status == "regenerated"
    assert "server/src/routes/task.ts" in outcome.impact.removed  # type: ignore[union-attr]
    assert not (out / "server/src/routes/task.ts").exists()
    assert not (out / "tests/integration/task.test.ts").exists()
    assert "taskRouter" not in (out / "server/src/app.ts").read_text()


def test_page_renamed_updates_the_screens(project: tuple[Path, Blueprint]) -> None:
    out, bp = project

    def rename(data: dict[str, Any]) -> None:
        page = next(p for p in data["pages"] if p["path"] == "/tasks")
        page["name"] = "My work"

    outcome = regenerate(out, revise(bp, rename))
    assert outcome.status == "regenerated"
    assert outcome.impact is not None and outcome.impact.changed == [
        ".webnova/blueprint.json", ".webnova/manifest.json", "README.md", "openapi.json",
        "server/src/openapi.ts", "web/src/meta.ts"]
    assert '"My work"' in (out / "web/src/meta.ts").read_text()


def test_two_successive_revisions_keep_edits_and_record_each_version(
    project: tuple[Path, Blueprint],
) -> None:
    out, bp = project
    http = out / "server/src/http.ts"
    http.write_text(http.read_text() + "\n// edit one\n")
    v2 = revise(bp, add_field)
    assert regenerate(out, v2, "r2").status == "regenerated"
    readme = out / "README.md"
    readme.write_text(readme.read_text() + "\nOur notes.\n")

    def add_more(data: dict[str, Any]) -> None:
        data["entities"][1]["fields"].append({"name": "done_at", "type": "datetime"})

    v3 = revise(v2, add_more)
    assert v3.version == 3
    assert regenerate(out, v3, "r3").status == "regenerated"
    assert "// edit one" in http.read_text()
    assert readme.read_text().endswith("\nOur notes.\n")
    assert "doneAt" in (out / "server/src/schema.ts").read_text()
    history = ProjectRepo.open(out).history()
    assert [(c.stage, c.blueprint_version) for c in history if c.stage == "regenerate"] == [
        ("regenerate", 3), ("regenerate", 2)]
    assert regenerate(out, v3, "r4").status == "unchanged"
