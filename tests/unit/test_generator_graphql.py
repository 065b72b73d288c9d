"""The GraphQL API style: generatable API-only on Express, refused elsewhere before anything is
written, and rendered as /graphql (schema over the framework-free services, GraphQL tests) in
place of the REST routes and OpenAPI document.

The slow acceptance matrix installs, tests and serves a GraphQL project; these tests check what
the validator and renderer alone promise, quickly.
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

ROOT = Path(__file__).resolve().parents[2]
GRAPHQL_BUILTINS = {"String", "Int", "Float", "Boolean", "ID", "Query", "Mutation"}


def api_only(**stack: str) -> dict[str, Any]:
    entry = load_catalog().get("api-only")
    assert entry is not None
    data = entry.blueprint().model_dump(mode="json")
    data["stack"].update(api="graphql", **stack)
    return data


def graphql_clinic(frontend: str = "none", backend: str = "express") -> Blueprint:
    data = compliant_data()
    data["stack"].update(frontend=frontend, backend=backend, api="graphql")
    if backend == "fastapi":
        data["stack"]["language"] = "python"
    if frontend == "none":
        data.update(template="api-only", pages=[])
    return Blueprint.model_validate(data)


def test_graphql_is_generatable_api_only_on_express() -> None:
    assert unsupported(Blueprint.model_validate(api_only())) == []
    assert unsupported(graphql_clinic()) == []


@pytest.mark.parametrize(("frontend", "backend"), [
    ("react", "express"), ("vue", "fastify"), ("nextjs", "nextjs"), ("none", "fastapi")])
def test_graphql_elsewhere_is_refused_naming_what_works(
    tmp_path: Path, frontend: str, backend: str
) -> None:
    bp = graphql_clinic(frontend, backend)
    issues = [i for i in unsupported(bp) if i.path == "stack.api"]
    assert [i.code for i in issues] == ["api_not_generatable"]
    assert "frontend: none with backend: express" in issues[0].message
    assert "api: rest" in issues[0].message
    outcome = generate_project(bp, tmp_path / "out")
    assert outcome.status == "invalid"
    assert not (tmp_path / "out").exists()


def test_the_refusal_is_localized() -> None:
    with use_locale("ar"):
        issues = unsupported(graphql_clinic("react"))
    message = next(i.message for i in issues if i.path == "stack.api")
    assert "واجهة برمجة فقط على Express" in message
    assert "react" in message and "express" in message


def test_a_graphql_project_serves_graphql_instead_of_rest_routes() -> None:
    tree = render_project(Blueprint.model_validate(api_only()))
    app = tree["server/src/app.ts"]
    assert "app.all('/graphql', requireAuth, graphqlHandler(database.db));" in app
    assert "/openapi.json" not in app
    assert "warehouseRouter" not in app and "stockItemRouter" not in app
    assert "app.use('/api/auth'" in app and "app.get('/health'" in app
    dependencies = json.loads(tree["package.json"])["dependencies"]
    assert {"graphql", "graphql-http"} <= set(dependencies)
    schema = tree["server/src/graphql.ts"]
    for name in ("warehouse", "stock_item"):
        assert f"from './services/{name}.js';" in schema
        assert f"tests/integration/{name}.graphql.test.ts" in tree
        assert f"tests/integration/{name}.test.ts" not in tree
    for root in ("query.warehouses =", "query.stockItem =", "mutation.createStockItem =",
                 "mutation.updateWarehouse =", "mutation.deleteWarehouse ="):
        assert root in schema
    assert "/graphql" in tree["README.md"]
    assert "openapi.json" not in tree and "server/src/openapi.ts" not in tree  # REST only


def test_list_types_leave_sensitive_fields_out() -> None:
    schema = render_project(graphql_clinic())["server/src/graphql.ts"]
    patient = schema[schema.index("function addPatient"):schema.index("function addDoctor")]
    summary = patient[patient.index("name: 'PatientSummary'"):patient.index("const page")]
    assert "medicalNotes" in patient and "medicalNotes" not in summary
    assert "required(summary)" in patient
    assert "await audit(db, context, 'GET', \"patient\", 'patients');" in patient


def test_a_rest_project_has_no_graphql_files() -> None:
    data = api_only()
    data["stack"]["api"] = "rest"
    tree = render_project(Blueprint.model_validate(data))
    assert not [path for path in tree if "graphql" in path]
    assert "graphql" not in tree["package.json"]
    assert "app.get('/openapi.json'" in tree["server/src/app.ts"]
    assert "openapi.json" in tree and "server/src/openapi.ts" in tree


def test_graphql_names_stay_unique_when_entity_names_collide() -> None:
    data = api_only()
    field = {"name": "label", "type": "string", "required": True}
    names = ("Item", "Items", "ItemPage", "Query")
    data["entities"] = [{"name": name, "fields": [field]} for name in names]
    data["relations"] = []
    schema = render_project(Blueprint.model_validate(data))["server/src/graphql.ts"]
    types = re.findall(r"^\s+name: '(\w+)',$", schema, flags=re.M)
    roots = re.findall(r"^\s+(?:query|mutation)\.(\w+) =", schema, flags=re.M)
    assert len(types) == len(set(types)) and not set(types) & GRAPHQL_BUILTINS
    assert len(roots) == len(set(roots)) == 20
    assert {"Item_Page", "ItemPage", "Query_"} <= set(types)


def test_a_graphql_blueprint_renders_byte_identical(tmp_path: Path) -> None:
    bp = graphql_clinic()
    assert render_project(bp) == render_project(bp)
