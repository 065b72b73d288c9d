"""Multi-tenant projects: generatable on Express (API-only or React), Fastify (API-only or Vue) and
Next.js with a REST API and JWT sign-in, refused elsewhere before anything is written, and
rendered with tenant isolation (tenant table, tenant_id on every entity table, per-tenant unique
fields and references, every service query filtered by the request's tenant), the same sign-up
contract and generated tests on every backend. Single-tenant output does not change.

The slow acceptance matrix installs multi-tenant projects and runs their own tests (two
organisations side by side); these tests check what the validator and renderer alone promise.
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
from webnova.generator.render import render_project
from webnova.generator.support import unsupported
from webnova.governance.compliance.engine import evaluate
from webnova.i18n import use_locale


def api_only(mode: str = "multi", **stack: str) -> dict[str, Any]:
    entry = load_catalog().get("api-only")
    assert entry is not None
    data = entry.blueprint().model_dump(mode="json")
    data["stack"].update(**stack)
    data["tenancy"] = {"mode": mode}
    return data


def clinic(frontend: str = "none", backend: str = "express", mode: str = "multi") -> Blueprint:
    data = compliant_data()
    data["stack"].update(frontend=frontend, backend=backend)
    if backend == "fastapi":
        data["stack"]["language"] = "python"
    if frontend == "none":
        data.update(template="api-only", pages=[])
    data["tenancy"] = {"mode": mode}
    return Blueprint.model_validate(data)


MULTI_TENANT = [("none", "express"), ("react", "express"), ("none", "fastify"),
                ("vue", "fastify"), ("nextjs", "nextjs")]


def test_multi_tenant_is_generatable_on_express_fastify_and_nextjs() -> None:
    assert unsupported(Blueprint.model_validate(api_only())) == []
    assert unsupported(Blueprint.model_validate(api_only(backend="fastify"))) == []
    for frontend, backend in MULTI_TENANT:
        assert unsupported(clinic(frontend, backend)) == [], (frontend, backend)


@pytest.mark.parametrize(("frontend", "backend"), [("svelte", "express"), ("none", "fastapi")])
def test_multi_tenant_elsewhere_is_refused_naming_what_works(
    tmp_path: Path, frontend: str, backend: str
) -> None:
    bp = clinic(frontend, backend)
    issues = [i for i in unsupported(bp) if i.path == "tenancy.mode"]
    assert [i.code for i in issues] == ["tenancy_not_generatable"]
    assert ("a REST API on these frontend+backend pairs for now: nextjs+nextjs, none+express, "
            "none+fastify, react+express, vue+fastify (") in issues[0].message
    assert frontend in issues[0].message and backend in issues[0].message
    outcome = generate_project(bp, tmp_path / "out")
    assert outcome.status == "invalid"
    assert not (tmp_path / "out").exists()


def test_multi_tenant_graphql_is_refused() -> None:
    issues = unsupported(Blueprint.model_validate(api_only(api="graphql")))
    assert "tenancy_not_generatable" in [i.code for i in issues]


def test_multi_tenant_needs_jwt_sign_in(tmp_path: Path) -> None:
    data = api_only(auth="none")
    data["features"]["auth"] = False
    bp = Blueprint.model_validate(data)
    issues = unsupported(bp)
    assert [(i.path, i.code) for i in issues] == [("stack.auth", "tenancy_needs_auth")]
    assert "stack.auth to jwt" in issues[0].message
    assert generate_project(bp, tmp_path / "out").status == "invalid"


def test_the_refusals_are_localized() -> None:
    data = api_only(auth="none")
    data["features"]["auth"] = False
    with use_locale("ar"):
        stack = unsupported(clinic("svelte", "express"))
        auth = unsupported(Blueprint.model_validate(data))
    message = next(i.message for i in stack if i.path == "tenancy.mode")
    assert "متعددة المستأجرين" in message and "REST" in message
    assert "svelte" in message and "none+fastify" in message and "nextjs+nextjs" in message
    assert "jwt" in auth[0].message and "تسجيل الدخول" in auth[0].message


def test_every_entity_table_carries_an_indexed_tenant_id() -> None:
    tree = render_project(Blueprint.model_validate(api_only()))
    migrations, schema = tree["server/src/migrations.ts"], tree["server/src/schema.ts"]
    assert 'CREATE TABLE IF NOT EXISTS "webnova_tenants"' in migrations
    for table in ("warehouses", "stock_items"):
        block = migrations.split(f'CREATE TABLE IF NOT EXISTS "{table}" (')[1].split(");")[0]
        assert '"tenant_id" integer NOT NULL REFERENCES "webnova_tenants" ("id")' in block
        assert f'CREATE INDEX IF NOT EXISTS "{table}_tenant_id_idx"' in migrations
    assert schema.count("tenantId: integer('tenant_id').notNull()") == 3  # users + 2 entities


def test_unique_fields_and_references_are_per_tenant() -> None:
    tree = render_project(Blueprint.model_validate(api_only()))
    migrations = tree["server/src/migrations.ts"]
    assert ('CREATE UNIQUE INDEX IF NOT EXISTS "warehouses_tenant_code_key" ON "warehouses" '
            '("tenant_id", "code")') in migrations
    assert not re.search(r'ADD COLUMN IF NOT EXISTS "code" [^;]*UNIQUE', migrations)
    assert ('FOREIGN KEY ("tenant_id", "warehouse_id") REFERENCES "warehouses" '
            '("tenant_id", "id")') in migrations
    assert "unique('warehouses_tenant_code_key').on(t.tenantId, t.code)" in (
        tree["server/src/schema.ts"])


def test_every_service_query_is_filtered_by_the_request_tenant() -> None:
    tree = render_project(Blueprint.model_validate(api_only()))
    service = tree["server/src/services/stock_item.ts"]
    assert "import { currentTenant } from '../tenancy.js';" in service
    assert "return eq(table.tenantId, currentTenant());" in service
    assert ".from(table).where(mine()).orderBy" in service
    assert "db.select({ n: count() }).from(table).where(mine())" in service
    for operation in ("select().from(table)", "update(table)", "delete(table)"):
        for line in service.splitlines():
            if operation in line and "db." in line:
                assert "mine" in line, line
    assert "tenantId: currentTenant()" in service
    assert "await checkReferences(db, input);" in service
    assert "await checkReferences(db, patch);" in service
    # The hooks keep their signatures: the tenant travels in AsyncLocalStorage.
    assert tree["server/src/hooks/stock_item.ts"] == render_project(
        Blueprint.model_validate(api_only("single")))["server/src/hooks/stock_item.ts"]


def test_the_token_carries_the_tenant_and_requests_run_inside_it() -> None:
    tree = render_project(Blueprint.model_validate(api_only()))
    auth, tenancy = tree["server/src/auth.ts"], tree["server/src/tenancy.ts"]
    assert "new AsyncLocalStorage<number>()" in tenancy
    assert "tid: tenantId" in auth
    assert "withTenant(tenantId, () => next());" in auth
    assert "'tenant_exists'" in auth and "router.post('/members', requireAuth" in auth
    assert "tests/integration/tenancy.test.ts" in tree
    assert "## Organisations (multi-tenant)" in tree["README.md"]
    assert "## المؤسسات (تعدد المستأجرين)" in tree["README.md"]


@pytest.mark.parametrize(("frontend", "backend"), [
    ("none", "express"), ("none", "fastify"), ("nextjs", "nextjs")])
def test_privacy_and_audit_rows_are_tenant_scoped(frontend: str, backend: str) -> None:
    tree = render_project(clinic(frontend, backend))
    privacy, audit = tree["server/src/routes/privacy.ts"], tree["server/src/audit.ts"]
    assert "tenantId: currentTenant()" in audit
    assert "values({ ...parsed.data, tenantId: currentTenant() })" in privacy
    assert "eq(consentRecordsTable.tenantId, currentTenant())" in privacy
    for line in privacy.splitlines():
        if ".where(" in line:
            assert "tenantId" in line, line
    tests = tree["tests/integration/tenancy.test.ts"]
    assert "describe('PHI audit trail across organisations'" in tests
    assert "describe('GDPR rights across organisations'" in tests


def test_the_react_sign_up_form_asks_for_the_organisation() -> None:
    tree = render_project(clinic("react"))
    login = tree["web/src/pages/TenantLogin.tsx"]
    assert "import { Login } from './pages/TenantLogin';" in tree["web/src/App.tsx"]
    assert "'/api/auth/register', { email, password, tenant:" in login
    assert "code === 'tenant_exists'" in login
    assert "المؤسسة" in login
    single = render_project(clinic("react", mode="single"))
    assert "web/src/pages/TenantLogin.tsx" not in single
    assert "import { Login } from './pages/Login';" in single["web/src/App.tsx"]


@pytest.mark.parametrize("blueprint", [
    lambda: Blueprint.model_validate(api_only("single")),
    lambda: clinic(mode="single"),
    lambda: clinic("react", mode="single"),
    lambda: clinic("svelte", mode="single"),
    lambda: clinic("vue", "fastify", mode="single"),
    lambda: clinic("nextjs", "nextjs", mode="single"),
])
def test_single_tenant_projects_know_nothing_of_tenants(blueprint: Any) -> None:
    tree = render_project(blueprint())
    assert "server/src/tenancy.ts" not in tree
    assert "tests/integration/tenancy.test.ts" not in tree
    for path, text in tree.items():
        if path.endswith((".ts", ".tsx", ".svelte", ".vue")) or path == "README.md":
            assert "tenant" not in text.lower(), path


def test_the_openapi_document_describes_the_multi_tenant_sign_up() -> None:
    document = json.loads(render_project(Blueprint.model_validate(api_only()))["openapi.json"])
    register = document["paths"]["/api/auth/register"]["post"]["requestBody"]
    assert register["content"]["application/json"]["schema"]["$ref"].endswith("/Registration")
    assert "tenant" in document["components"]["schemas"]["Registration"]["required"]
    members = document["paths"]["/api/auth/members"]["post"]
    assert members["security"] == [{"bearerAuth": []}] and "201" in members["responses"]
    single = json.loads(render_project(Blueprint.model_validate(api_only("single")))[
        "openapi.json"])
    assert "/api/auth/members" not in single["paths"]
    assert "Registration" not in single["components"]["schemas"]


@pytest.mark.parametrize(("frontend", "backend"), [("none", "fastify"), ("nextjs", "nextjs")])
def test_fastify_and_nextjs_keep_the_express_sign_up_contract(frontend: str, backend: str) -> None:
    tree = render_project(clinic(frontend, backend))
    express = render_project(clinic())
    auth = tree["server/src/auth.ts"]
    assert "tid: tenantId" in auth and "'tenant_exists'" in auth
    assert "tenantId: currentTenant()" in auth  # a member is added to the adder's organisation
    assert "eq(webnovaUsersTable.tenantId, currentTenant())" in auth  # refresh stays inside it
    assert "from 'express'" not in "".join(tree.values())
    # The same framework-free core and the same generated tests, cross-tenant ones included.
    for path in ("server/src/tenancy.ts", "server/src/services/patient.ts",
                 "server/src/schema.ts", "server/src/migrations.ts",
                 "tests/integration/tenancy.test.ts", "tests/integration/system.test.ts"):
        assert tree[path] == express[path], path
    assert "tenant }" in tree["tests/helpers.ts"]
    assert openapi_document(clinic(frontend, backend), build_context(clinic(frontend, backend))) \
        == openapi_document(clinic(), build_context(clinic()))


def test_fastify_runs_the_rest_of_a_signed_in_request_inside_its_tenant() -> None:
    tree = render_project(clinic("none", "fastify"))
    auth = tree["server/src/auth.ts"]
    # A callback hook: `done` (later hooks, then the handler) is called inside the scope.
    assert "done: HookHandlerDoneFunction): void" in auth
    assert "withTenant(tenantId, () => done());" in auth
    assert "app.post('/members', { preHandler: requireAuth }" in auth
    assert "api.addHook('preHandler', requireAuth);" in tree["server/src/app.ts"]


def test_nextjs_runs_a_signed_in_request_inside_its_tenant() -> None:
    tree = render_project(clinic("nextjs", "nextjs"))
    app = tree["server/src/app.ts"]
    assert "withTenant(signed.tenantId, async () => handler(request" in app
    assert "if (path === '/api/auth/members') return { handler: only(method, 'POST'" in app
    assert "export const POST = api;" in tree["app/api/auth/members/route.ts"]
    single = render_project(clinic("nextjs", "nextjs", mode="single"))
    assert "app/api/auth/members/route.ts" not in single


def test_the_nextjs_and_vue_sign_up_forms_ask_for_the_organisation() -> None:
    react = render_project(clinic("react"))["web/src/pages/TenantLogin.tsx"]
    assert render_project(clinic("nextjs", "nextjs"))["web/src/pages/Login.tsx"] == react
    vue = render_project(clinic("vue", "fastify"))
    login = vue["web/src/pages/TenantLogin.vue"]
    assert "import Login from './pages/TenantLogin.vue';" in vue["web/src/App.vue"]
    assert "send('/api/auth/register', { email: email.value, password: password.value, tenant:" \
        in login
    assert "code === 'tenant_exists'" in login and "المؤسسة" in login
    assert "{%" not in login and "{{ t('signUp') }}" in login
    single = render_project(clinic("vue", "fastify", mode="single"))
    assert "web/src/pages/TenantLogin.vue" not in single
    assert "import Login from './pages/Login.vue';" in single["web/src/App.vue"]


@pytest.mark.parametrize(("frontend", "backend"), MULTI_TENANT)
def test_multi_tenant_clinics_pass_every_compliance_pack(
    tmp_path: Path, frontend: str, backend: str
) -> None:
    bp = clinic(frontend, backend)
    for path, text in render_project(bp).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    report = evaluate(blueprint=bp, project_dir=tmp_path)
    failing = {r.id: [f.message.en for st in r.stages for f in st.findings if not f.ok]
               for r in report.results if r.status != "pass"}
    assert report.results and failing == {}


def test_the_added_member_schema_survives_an_entity_named_member() -> None:
    entry = load_catalog().get("saas-starter")
    assert entry is not None
    data = entry.blueprint().model_dump(mode="json")
    assert "Member" in [e["name"] for e in data["entities"]]
    data["tenancy"] = {"mode": "multi"}
    bp = Blueprint.model_validate(data)
    document = openapi_document(bp, build_context(bp))
    created = document["paths"]["/api/auth/members"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/AddedMember")
    assert document["components"]["schemas"]["AddedMember"]["required"] == ["id", "email"]
    assert "createdAt" in document["components"]["schemas"]["Member"]["required"]
