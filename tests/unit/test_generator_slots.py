"""Custom-logic slots in generated backends: three business-rule hooks per entity.

Every generatable stack with a backend gets one hooks module per entity whose hook bodies are
slots (`webnova:custom-begin <name>` ... `webnova:custom-end <name>`). A person's (or a repair's)
code there survives regeneration, and a repair plan writes only inside a slot. Tests are never
slots. The slow acceptance matrix compiles and runs the hooks; these tests check the slots.
"""

from __future__ import annotations

import subprocess
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from webnova.adapters.brains.port import RepairPlan, SlotEdit
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.context import build_context
from webnova.generator.generate import generate_project
from webnova.generator.render import render_project
from webnova.generator.support import GENERATABLE, unsupported
from webnova.graphs.repair import apply_plan, find_slots, is_test_or_internal

CATALOG = load_catalog()
TS_HOOKS = ("beforeCreate", "beforeUpdate", "beforeDelete")
PY_HOOKS = ("before_create", "before_update", "before_delete")
BACKENDS = sorted(pair for pair in GENERATABLE if pair[1] != "none")


def stack_blueprint(frontend: str, backend: str) -> Blueprint:
    """The catalog preset of this stack, or the api-only preset moved onto it (FastAPI)."""
    for entry in CATALOG.templates:
        bp = entry.blueprint()
        if entry.generatable and (bp.stack.frontend, bp.stack.backend) == (frontend, backend):
            return bp
    api_only = CATALOG.get("api-only")
    assert api_only is not None
    data = api_only.blueprint().model_dump(mode="json")
    data["stack"].update(frontend=frontend, backend=backend,
                         language="python" if backend == "fastapi" else "typescript")
    return Blueprint.model_validate(data)


def hooks_file(backend: str, snake: str) -> str:
    return f"app/hooks/{snake}.py" if backend == "fastapi" else f"server/src/hooks/{snake}.ts"


def hook_names(backend: str) -> tuple[str, ...]:
    return PY_HOOKS if backend == "fastapi" else TS_HOOKS


def expected_slots(bp: Blueprint) -> set[tuple[str, str]]:
    return {(hooks_file(bp.stack.backend, e["snake"]), name)
            for e in build_context(bp)["entities"] for name in hook_names(bp.stack.backend)}


def read(project: Path, path: str) -> str:
    return (project / path).read_text(encoding="utf-8")


def git_changes(project: Path) -> list[str]:
    """Paths `git status` reports as changed in a generated project (its own repository)."""
    done = subprocess.run(["git", "-C", str(project), "status", "--porcelain"],
                          capture_output=True, text=True, check=True)
    return sorted(line[3:] for line in done.stdout.splitlines())


@pytest.mark.parametrize(("frontend", "backend"), BACKENDS)
def test_every_backend_has_exactly_the_three_hook_slots_per_entity_and_none_in_tests(
    frontend: str, backend: str, tmp_path: Path
) -> None:
    bp = stack_blueprint(frontend, backend)
    assert unsupported(bp) == [] and bp.entities
    assert generate_project(bp, tmp_path / "p", run_id="slots").ok
    slots = find_slots(tmp_path / "p")
    assert {(s.file, s.name) for s in slots} == expected_slots(bp)
    assert len(slots) == 3 * len(bp.entities)  # names are unique per file
    assert not [s for s in slots if is_test_or_internal(s.file)]
    # The defaults pass everything through.
    passes = {s.name: s.code.strip() for s in slots}
    create, update, delete = hook_names(backend)
    assert passes[create] == ("return data" if backend == "fastapi" else "return input;")
    assert passes[update] == ("return changes" if backend == "fastapi" else "return changes;")
    assert passes[delete] == ("return" if backend == "fastapi" else "return;")


@pytest.mark.parametrize(("frontend", "backend"), BACKENDS)
def test_the_routes_call_the_hooks_and_the_generated_tests_do_not_touch_them(
    frontend: str, backend: str
) -> None:
    bp = stack_blueprint(frontend, backend)
    tree = render_project(bp)
    snake = build_context(bp)["entities"][0]["snake"]
    if backend == "fastapi":
        route = tree[f"app/routes/{snake}.py"]
        assert f"from app.hooks import {snake} as hooks" in route
        assert all(f"hooks.{name}(" in route for name in PY_HOOKS)
    else:
        service = tree[f"server/src/services/{snake}.ts"]
        assert f"import * as hooks from '../hooks/{snake}.js';" in service
        assert all(f"hooks.{name}(" in service for name in TS_HOOKS)
        assert f"import * as service from '../services/{snake}.js';" in \
            tree[f"server/src/routes/{snake}.ts"]
    tests = [p for p in tree if is_test_or_internal(p)]
    assert tests and not [p for p in tests if "webnova:custom-" in tree[p]]


def add_field(bp: Blueprint) -> Blueprint:
    data: dict[str, Any] = deepcopy(bp.model_dump(mode="json"))
    data["entities"][0]["fields"].append({"name": "budget", "type": "decimal"})
    return bp.revise(entities=data["entities"])


EDITS = {
    "express": ("beforeCreate", "  return input;\n",
                "  if (JSON.stringify(input).includes('forbidden')) {\n"
                "    throw new HttpError(409, 'conflict', 'Not allowed here.');\n"
                "  }\n  return input;\n"),
    "fastapi": ("before_create", "    return data\n",
                "    if 'forbidden' in str(data):\n"
                "        raise HTTPException(status_code=409, detail='Not allowed here.')\n"
                "    return data\n"),
}


@pytest.mark.parametrize("backend", sorted(EDITS))
def test_an_edited_hook_survives_regeneration_and_the_new_field_appears(
    backend: str, tmp_path: Path
) -> None:
    bp = stack_blueprint("react" if backend == "express" else "none", backend)
    out = tmp_path / "project"
    assert generate_project(bp, out, run_id="v1").status == "created"
    snake = build_context(bp)["entities"][0]["snake"]
    path = hooks_file(backend, snake)
    name, default, custom = EDITS[backend]
    text = read(out, path)
    assert text.count(default) == 1
    (out / path).write_text(text.replace(default, custom), encoding="utf-8")

    outcome = generate_project(add_field(bp), out, run_id="v2")

    assert outcome.status == "regenerated", outcome
    assert custom in read(out, path)
    slot = next(s for s in find_slots(out) if (s.file, s.name) == (path, name))
    assert slot.code == custom
    code = read(out, f"app/routes/{snake}.py" if backend == "fastapi" else
                f"server/src/services/{snake}.ts")
    assert "budget" in code
    assert "budget" in read(out, "app/models.py" if backend == "fastapi" else
                             "server/src/schema.ts")


@pytest.mark.parametrize("backend", sorted(EDITS))
def test_a_repair_plan_writes_only_inside_the_slot(backend: str, tmp_path: Path) -> None:
    bp = stack_blueprint("react" if backend == "express" else "none", backend)
    out = tmp_path / "project"
    assert generate_project(bp, out, run_id="v1").ok
    snake = build_context(bp)["entities"][0]["snake"]
    path = hooks_file(backend, snake)
    name, default, custom = EDITS[backend]
    before = read(out, path)

    changed = apply_plan(out, RepairPlan(edits=[SlotEdit(file=path, name=name, code=custom)]))

    assert changed == [path]
    assert git_changes(out) == [path]
    assert next(s for s in find_slots(out) if (s.file, s.name) == (path, name)).code == custom
    # The slot held exactly the default body; everything around it is byte for byte unchanged.
    assert before.count(default) == 1
    assert read(out, path) == before.replace(default, custom)
