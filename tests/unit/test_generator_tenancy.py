"""Multi-tenant projects: generatable on Express (REST, API-only) with JWT sign-in, refused
elsewhere before anything is written, and rendered with tenant isolation (tenant table, tenant_id
on every entity table, per-tenant unique fields and references, every service query filtered by
the request's tenant). Single-tenant output does not change.

The slow acceptance matrix installs a multi-tenant project and runs its own tests (two
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
from webnova.generator.generate import generate_project
from webnova.generator.render import render_project
from webnova.generator.support import unsupported
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


def test_multi_tenant_is_generatable_on_express_api_only_or_with_react() -> None:
    assert unsupported(Blueprint.model_validate(api_only())) == []
    assert unsupported(clinic()) == []
    assert unsupported(clinic("react")) == []


@pytest.mark.parametrize(("frontend", "backend"), [
    ("svelte", "express"), ("vue", "fastify"), ("nextjs", "nextjs"), ("none", "fastapi")])
def test_multi_tenant_elsewhere_is_refused_naming_what_works(
    tmp_path: Path, frontend: str, backend: str
) -> None:
    bp = clinic(frontend, backend)
    issues = [i for i in unsupported(bp) if i.path == "tenancy.mode"]
    assert [i.code for i in issues] == ["tenancy_not_generatable"]
    assert "Express backend" in issues[0].message
    assert "backend: express, api: rest, frontend: none or react" in issues[0].message
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
        stack = unsupported(clinic("vue", "fastify"))
        auth = unsupported(Blueprint.model_validate(data))
    message = next(i.message for i in stack if i.path == "tenancy.mode")
    assert "متعددة المستأجرين" in message and "Express" in message
    assert "vue" in message and "fastify" in message
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


def test_privacy_and_audit_rows_are_tenant_scoped() -> None:
    tree = render_project(clinic())
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
