"""The Svelte + Express and Vue + Fastify stacks: deterministic output, the promised files, the
same API contract on both backends, and modules shared between trees instead of copied.

The slow acceptance matrix installs, builds, tests and serves these projects; these tests check
what the renderer alone promises, quickly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.unit.governance_trees import compliant_data
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.context import build_context
from webnova.generator.generate import generate_project
from webnova.generator.openapi import openapi_document
from webnova.generator.render import render_project, templates_root, tree_sources
from webnova.generator.support import layout_for, unsupported

CATALOG = load_catalog()


def preset(template: str) -> Blueprint:
    entry = CATALOG.get(template)
    assert entry is not None
    return entry.blueprint()


def arabic_first(bp: Blueprint) -> Blueprint:
    return Blueprint.model_validate({**bp.model_dump(mode="json"), "default_locale": "ar"})


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".git" not in p.parts}


def clinic_on(frontend: str, backend: str) -> Blueprint:
    """The clinic under every compliance pack (PHI, GDPR, Stripe, sign-in) on another stack."""
    data: dict[str, Any] = compliant_data()
    data["stack"].update(frontend=frontend, backend=backend)
    data["template"] = f"{frontend}-{backend}"
    return Blueprint.model_validate(data)


@pytest.mark.parametrize(("template", "last_tree"), [
    ("svelte-express", "svelte-vite"), ("vue-fastify", "vue-vite")])
def test_the_new_stacks_are_generatable_from_their_catalog_presets(
    template: str, last_tree: str
) -> None:
    bp = preset(template)
    assert unsupported(bp) == []
    layout = layout_for(bp)
    assert layout is not None and layout.trees[-1] == last_tree
    entry = CATALOG.get(template)
    assert entry is not None and entry.generatable


@pytest.mark.parametrize(("template", "marker"), [
    ("svelte-express", "web/src/App.svelte"), ("vue-fastify", "web/src/App.vue")])
def test_the_new_stacks_regenerate_byte_identical(
    tmp_path: Path, template: str, marker: str
) -> None:
    bp = preset(template)
    assert generate_project(bp, tmp_path / "a", run_id="one").ok
    assert generate_project(bp, tmp_path / "b", run_id="two").ok
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert first == second
    assert marker in first
    assert render_project(bp) == render_project(bp)


def test_svelte_tree_has_pages_tests_and_no_react() -> None:
    tree = render_project(preset("svelte-express"))
    for path in ("web/src/main.ts", "web/src/App.svelte", "web/src/pages/EntityList.svelte",
                 "web/src/pages/EntityDetail.svelte", "web/src/pages/EntityForm.svelte",
                 "web/src/lib/validators.ts", "web/src/lib/validators.test.ts",
                 "web/src/lib/i18n.test.ts", "web/svelte.config.js", "openapi.json",
                 "server/src/routes/recipe.ts", "tests/integration/ingredient.test.ts"):
        assert path in tree, path
    assert not [p for p in tree if p.endswith((".tsx", ".jsx"))]
    manifest = json.loads(tree["package.json"])
    assert "svelte-check" in manifest["scripts"]["typecheck"]
    assert "svelte" in manifest["devDependencies"]
    assert "react" not in manifest["dependencies"]
    assert '<div id="root"></div>' in tree["web/index.html"]
    assert "web/src/lib/*.ts" in tree["vitest.config.ts"]


def test_the_form_checks_the_rules_the_api_checks() -> None:
    tree = render_project(preset("svelte-express"))
    form = tree["web/src/pages/EntityForm.svelte"]
    assert "checkRecord(entity, values)" in form
    meta = tree["web/src/meta.ts"]
    # Ingredient.name: required, unique, at most 80 characters, in both the API and the form.
    assert 'prop: "name"' in meta and "maxLength: 80" in meta and "required: true" in meta
    assert "z.string().trim().min(1).max(80)" in tree["server/src/validation.ts"]


def test_shared_frontend_modules_are_reused_not_copied() -> None:
    svelte = render_project(preset("svelte-express"))
    react = render_project(preset("react-express"))
    react_api = (templates_root() / "react-vite/web/src/api.ts").read_text(encoding="utf-8")
    assert svelte["web/src/api.ts"] == react_api == react["web/src/api.ts"]
    assert svelte["web/src/meta.ts"].startswith("// What the screens show")
    assert "{%" not in svelte["web/src/meta.ts"] and "{#" not in svelte["web/src/meta.ts"]


@pytest.mark.parametrize("template", ["svelte-express", "vue-fastify"])
def test_arabic_first_projects_open_right_to_left_with_both_themes(template: str) -> None:
    tree = render_project(arabic_first(preset(template)))
    assert '<html lang="ar" dir="rtl">' in tree["web/index.html"]
    assert '"ar"' in tree["web/src/meta.ts"]
    css = tree["web/src/styles.css"]
    assert ':root[data-theme="dark"]' in css and "margin-inline-start" in css
    i18n = tree["web/src/lib/i18n.ts"]
    assert "directionOf" in i18n and "initialTheme" in i18n


def test_partials_are_never_output_but_are_included() -> None:
    partial = (templates_root() / "ts-fastify/_partials/entity-codec.ts.j2")
    assert partial.is_file()
    assert not [p for p, _, _ in tree_sources("ts-fastify") if p.startswith("_partials/")]
    tree = render_project(clinic_on("vue", "fastify"))
    assert not [p for p in tree if "_partials" in p]
    patient = tree["server/src/routes/patient.ts"]
    assert "export function toSummary(row: Row)" in patient
    assert "encryptValue(value)" in patient
    assert "{#" not in patient and "{%" not in patient


def test_vue_fastify_has_vue_pages_a_fastify_server_and_no_express_or_react() -> None:
    tree = render_project(preset("vue-fastify"))
    for path in ("web/src/main.ts", "web/src/App.vue", "web/src/pages/EntityList.vue",
                 "web/src/pages/EntityDetail.vue", "web/src/pages/EntityForm.vue",
                 "web/src/pages/Login.vue", "web/src/lib/validators.test.ts",
                 "server/src/auth.ts", "server/src/routes/event.ts", "tests/helpers.ts",
                 "tests/integration/registration.test.ts", "openapi.json"):
        assert path in tree, path
    assert not [p for p in tree if p.endswith((".tsx", ".svelte"))]
    manifest = json.loads(tree["package.json"])
    assert "vue-tsc" in manifest["scripts"]["typecheck"]
    assert {"fastify", "vue", "jsonwebtoken"} <= set(manifest["dependencies"])
    assert "express" not in manifest["dependencies"]
    assert "Fastify(" in tree["server/src/app.ts"]
    assert "preHandler', requireAuth" in tree["server/src/app.ts"]


def test_no_express_code_leaks_into_a_fastify_project_whatever_it_uses() -> None:
    tree = render_project(clinic_on("vue", "fastify"))
    assert {"server/src/audit.ts", "server/src/payments.ts", "server/src/routes/privacy.ts"} \
        <= set(tree)
    leaks = [p for p, text in tree.items() if p.endswith(".ts")
             and re.search(r"from 'express'|express\.|Router\(\)", text)]
    assert leaks == []
    assert "auditAccess(db, \"patient\")" in tree["server/src/routes/patient.ts"]
    assert "app.get('/export/patients/:id'" in tree["server/src/routes/privacy.ts"]


def test_both_typescript_backends_serve_the_same_api_contract() -> None:
    express, fastify = clinic_on("react", "express"), clinic_on("vue", "fastify")
    express_doc = openapi_document(express, build_context(express))
    fastify_doc = openapi_document(fastify, build_context(fastify))
    assert express_doc == fastify_doc
    express_tree, fastify_tree = render_project(express), render_project(fastify)
    # The backend-independent modules and the generated tests are one and the same.
    for path in ("server/src/schema.ts", "server/src/validation.ts", "server/src/migrations.ts",
                 "server/src/db.ts", "server/src/crypto.ts", "tests/fixtures.ts",
                 "tests/integration/patient.test.ts", "tests/integration/security.test.ts",
                 "tests/unit/validation.test.ts", "tests/e2e/smoke.test.ts"):
        assert express_tree[path] == fastify_tree[path], path


def test_vue_reuses_the_svelte_lib_modules_byte_for_byte() -> None:
    vue = render_project(preset("vue-fastify"))
    root = templates_root() / "svelte-vite"
    for name in ("i18n.ts", "i18n.test.ts", "validators.ts", "validators.test.ts", "routes.ts",
                 "routes.test.ts", "format.ts"):
        assert vue[f"web/src/lib/{name}"] == (root / "web/src/lib" / name).read_text(
            encoding="utf-8"), name
    assert vue["web/src/styles.css"] == (root / "web/src/styles.css").read_text(encoding="utf-8")
    svelte = render_project(preset("svelte-express"))
    assert vue["vitest.config.ts"] == svelte["vitest.config.ts"]
