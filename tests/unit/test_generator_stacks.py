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
    partial = (templates_root() / "ts-express/_partials/http-errors.ts")
    assert partial.is_file()
    assert not [p for p, _, _ in tree_sources("ts-express") if p.startswith("_partials/")]
    tree = render_project(clinic_on("vue", "fastify"))
    assert not [p for p in tree if "_partials" in p]
    http = tree["server/src/http.ts"]
    assert "export class HttpError extends Error" in http
    assert "{#" not in http and "{%" not in http
    # The row <-> JSON codec is in the framework-free service the Fastify routes adapt.
    patient = tree["server/src/services/patient.ts"]
    assert "export function toSummary(row: Row)" in patient
    assert "encryptValue(value)" in patient
    assert "import * as service from '../services/patient.js';" in \
        tree["server/src/routes/patient.ts"]


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


def test_api_only_fastify_is_generatable_with_no_express_code_and_no_web_app() -> None:
    data = preset("api-only").model_dump(mode="json")
    data["stack"]["backend"] = "fastify"
    bp = Blueprint.model_validate(data)
    assert unsupported(bp) == []
    layout = layout_for(bp)
    assert layout is not None and layout.trees == ("common", "ts-express", "ts-fastify")
    tree = render_project(bp)
    leaks = [p for p, text in tree.items() if p.endswith(".ts")
             and re.search(r"from 'express'|express\.|Router\(\)", text)]
    assert leaks == []
    assert not [p for p in tree if p.startswith("web/")]
    manifest = json.loads(tree["package.json"])
    assert "fastify" in manifest["dependencies"] and "express" not in manifest["dependencies"]
    assert "@fastify/static" not in manifest["dependencies"]
    app = tree["server/src/app.ts"]
    assert "Fastify(" in app and "fastifyStatic" not in app
    express = render_project(preset("api-only"))
    assert tree["openapi.json"] == express["openapi.json"]
    for path in ("server/src/services/stock_item.ts", "tests/integration/stock_item.test.ts"):
        assert tree[path] == express[path], path


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
                 "tests/unit/validation.test.ts", "tests/e2e/smoke.test.ts",
                 "server/src/services/patient.ts", "server/src/hooks/patient.ts"):
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


# Next.js full-stack: route handlers over the ts-express core, App Router pages over React pages.

def clinic_on_next() -> Blueprint:
    """The clinic under every compliance pack (PHI, GDPR, Stripe, sign-in) on Next.js."""
    data: dict[str, Any] = compliant_data()
    data["stack"].update(frontend="nextjs", backend="nextjs")
    data["template"] = "nextjs-fullstack"
    return Blueprint.model_validate(data)


def test_nextjs_is_generatable_from_its_catalog_preset() -> None:
    bp = preset("nextjs-fullstack")
    assert unsupported(bp) == []
    layout = layout_for(bp)
    assert layout is not None and layout.trees == ("common", "ts-express", "nextjs")
    entry = CATALOG.get("nextjs-fullstack")
    assert entry is not None and entry.generatable


def test_nextjs_regenerates_byte_identical(tmp_path: Path) -> None:
    bp = preset("nextjs-fullstack")
    assert generate_project(bp, tmp_path / "a", run_id="one").ok
    assert generate_project(bp, tmp_path / "b", run_id="two").ok
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert first == second
    assert "app/api/bookmarks/[id]/route.ts" in first
    assert render_project(bp) == render_project(bp)


def test_nextjs_has_route_handlers_app_router_pages_and_no_express_or_vite() -> None:
    tree = render_project(preset("nextjs-fullstack"))
    for path in ("app/layout.tsx", "app/page.tsx", "app/[...slug]/page.tsx",
                 "app/api/bookmarks/route.ts", "app/api/bookmarks/[id]/route.ts",
                 "app/api/collections/route.ts", "app/api/collections/[id]/route.ts",
                 "app/api/auth/register/route.ts", "app/api/[...rest]/route.ts",
                 "app/health/route.ts", "app/openapi.json/route.ts",
                 "app/bookmarks/page.tsx", "app/bookmarks/new/page.tsx",
                 "app/bookmarks/[id]/page.tsx", "app/bookmarks/[id]/edit/page.tsx",
                 "server/src/app.ts", "server/src/routes/bookmark.ts", "tests/helpers.ts",
                 "tests/integration/collection.test.ts", "web/src/i18n.test.ts", "next.config.mjs",
                 "instrumentation.ts", "server/src/methods.ts", "tests/unit/methods.test.ts"):
        assert path in tree, path
    assert "export const GET = api;" in tree["app/api/bookmarks/route.ts"]
    assert "export const DELETE = api;" in tree["app/api/bookmarks/[id]/route.ts"]
    assert 'route="bookmarks" view="form"' in tree["app/bookmarks/[id]/edit/page.tsx"]
    manifest = json.loads(tree["package.json"])
    assert {"next", "react", "react-dom", "jsonwebtoken"} <= set(manifest["dependencies"])
    assert not {"express", "fastify", "react-router-dom"} & set(manifest["dependencies"])
    assert "vite" not in manifest["devDependencies"]
    assert manifest["scripts"]["typecheck"].startswith("tsc --noEmit")
    assert all("NEXT_TELEMETRY_DISABLED=1" in manifest["scripts"][s]
               for s in ("build", "start", "test", "dev"))
    assert not [p for p in tree if p.endswith((".vue", ".svelte", "vite.config.ts"))]
    leaks = [p for p, text in tree.items() if p.endswith((".ts", ".tsx", ".mjs"))
             and re.search(r"from '(express|fastify|react-router-dom)'|express\.|\bRouter\(\)"
                           r"|next/font/google|dist/server/main", text)]
    assert leaks == []
    assert "COPY --from=build /app/next.config.mjs" in tree["Dockerfile"]
    assert "distDir: 'dist'" in tree["next.config.mjs"]


def test_nextjs_reuses_the_typescript_core_and_tests_of_the_other_backends() -> None:
    bp = preset("nextjs-fullstack")
    on_express = Blueprint.model_validate({
        **bp.model_dump(mode="json"), "template": "react-express",
        "stack": {**bp.stack.model_dump(mode="json"), "frontend": "react", "backend": "express"}})
    assert openapi_document(bp, build_context(bp)) == openapi_document(
        on_express, build_context(on_express))
    nxt, express = render_project(bp), render_project(on_express)
    for path in ("server/src/schema.ts", "server/src/validation.ts", "server/src/migrations.ts",
                 "server/src/openapi.ts", "tests/fixtures.ts", "tests/integration/bookmark.test.ts",
                 "tests/integration/security.test.ts", "tests/integration/system.test.ts",
                 "tests/unit/validation.test.ts", "web/src/api.ts", "web/src/i18n.ts",
                 "web/src/meta.ts", "web/src/pages/format.ts"):
        assert nxt[path] == express[path], path
    # `next start` inlines NODE_ENV=production: the core asks the operator's environment instead.
    for path, anchor in (("server/src/db.ts", "import * as schema from './schema.js';\n"),
                         ("server/src/crypto.ts", "from 'node:crypto';\n")):
        core = express[path].replace(
            "process.env.NODE_ENV === 'production'", "environment() === 'production'").replace(
            anchor, anchor + "import { environment } from './security.js';\n")
        assert "environment() === 'production'" in nxt[path] and nxt[path] == core, path
    # The React pages, with the App Router shim in place of react-router and nothing else changed.
    for page in ("EntityList", "EntityDetail", "EntityForm", "Home", "Dashboard", "Login"):
        path = f"web/src/pages/{page}.tsx"
        assert nxt[path] == express[path].replace("from 'react-router-dom';", "from '../router';")
    # One framework-free service and one hooks module per entity, shared with the other backends.
    for path in ("server/src/services/bookmark.ts", "server/src/hooks/bookmark.ts"):
        assert nxt[path] == express[path], path
    assert "export function toSummary(row: Row)" in nxt["server/src/services/bookmark.ts"]
    assert "import * as service from '../services/bookmark.js';" in \
        nxt["server/src/routes/bookmark.ts"]


def test_arabic_first_nextjs_opens_right_to_left_with_both_themes() -> None:
    tree = render_project(arabic_first(preset("nextjs-fullstack")))
    assert '<html lang="ar" dir="rtl">' in tree["app/layout.tsx"]
    assert ':root[data-theme="dark"]' in tree["web/src/styles.css"]
    assert "dataset.theme = theme" in tree["web/src/App.tsx"]
    assert "directionOf(locale)" in tree["web/src/App.tsx"]


def test_nextjs_builds_every_compliance_measure_on_its_route_handlers() -> None:
    bp = clinic_on_next()
    assert unsupported(bp) == []
    tree = render_project(bp)
    for path in ("server/src/audit.ts", "server/src/payments.ts", "server/src/routes/privacy.ts",
                 "app/api/privacy/consents/route.ts", "app/api/payments/intents/route.ts",
                 "app/api/privacy/export/[entity]/[id]/route.ts",
                 "app/api/privacy/erase/[entity]/[id]/route.ts"):
        assert path in tree, path
    leaks = [p for p, text in tree.items() if p.endswith((".ts", ".tsx"))
             and re.search(r"from '(express|fastify)'|FastifyPluginAsync|express\.", text)]
    assert leaks == []
    assert 'auditAccess(db, "patient", request, userId)' in tree["server/src/routes/patient.ts"]
    assert "privacyHandler(method, parts.slice(3))" in tree["server/src/app.ts"]
    assert "stripe" in json.loads(tree["package.json"])["dependencies"]
    on_express = clinic_on("react", "express")
    assert openapi_document(bp, build_context(bp)) == openapi_document(
        on_express, build_context(on_express))
    security = "tests/integration/security.test.ts"
    assert tree[security] == render_project(on_express)[security]
