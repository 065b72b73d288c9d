"""The compliance scan reads the GraphQL API of an API-only Express project.

A generated GraphQL clinic serves /graphql behind `requireAuth`; its resolvers audit PHI access
and its list queries return summary types without the sensitive fields. The scan reads every root
field as a route under the mount and must pass the PHI access-control, PHI audit and minimisation
controls on it; removing the audit call, the guard or the summary type must fail exactly the
matching control. The REST route files still rendered in such a project are not mounted by the
app: they are not routes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.governance_trees import (
    code_failures,
    code_statuses,
    compliant_data,
    edit,
    failing_controls,
)
from webnova.generator.blueprint import Blueprint
from webnova.generator.generate import generate_project
from webnova.governance.compliance.engine import evaluate
from webnova.governance.compliance.project import read_project
from webnova.governance.compliance.ts_graphql import graphql_route

GRAPHQL_CONTROLS = ("hipaa.phi-access-control", "hipaa.phi-audit", "gdpr.minimisation")
PATIENT_LIST_AUDIT = "    await audit(db, context, 'GET', \"patient\", 'patients');\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = compliant_data()
    data["stack"].update(frontend="none", backend="express", api="graphql")
    data.update(template="api-only", pages=[])
    folder = tmp_path_factory.mktemp("graphql") / "clinic"
    outcome = generate_project(Blueprint.model_validate(data), folder)
    assert outcome.ok, outcome.message
    return folder


@pytest.fixture
def project(generated: Path, tmp_path: Path) -> Path:
    target = tmp_path / "clinic"
    shutil.copytree(generated, target, ignore=shutil.ignore_patterns(".git"))
    return target




def _patient_section(root: Path) -> tuple[Path, str]:
    path = root / "server" / "src" / "graphql.ts"
    text = path.read_text(encoding="utf-8")
    return path, text[text.index("function addPatient"):text.index("function addDoctor")]


def _phi_graphql_routes(root: Path) -> set[tuple[str, str]]:
    """The GraphQL routes (method, path) of the PHI entities (Patient, Appointment)."""
    return {(r.method, r.path) for r in read_project(root).routes
            if r.path.startswith("/graphql/")
            and r.path.split("/")[2] in ("patients", "patient", "appointments", "appointment")}


def test_the_generated_graphql_project_passes_every_control(generated: Path) -> None:
    report = evaluate(project_dir=generated)
    assert {c: s for c, s in code_statuses(report).items() if s != "pass"} == {}
    phi = _phi_graphql_routes(generated)
    assert len(phi) == 10  # list, one, create, update, delete of each PHI entity
    messages = {c: [f.message.en for s in report.result(c).stages if s.stage == "code"
                    for f in s.findings] for c in GRAPHQL_CONTROLS}
    # The GraphQL fields are among what passes (the privacy routes are the others).
    count = int(messages["hipaa.phi-access-control"][0].rpartition("(")[2].rstrip(")"))
    assert count >= len(phi)
    assert messages["hipaa.phi-audit"] == [f"every PHI route writes an audit record ({count})"]
    # The list queries of the entities with personal data are all the list endpoints.
    assert messages["gdpr.minimisation"] == ["list endpoints return chosen fields only (2)"]


def test_root_fields_are_routes_under_the_mount_and_rest_files_are_not(generated: Path) -> None:
    facts = read_project(generated)
    graphql = {(r.method, r.path): r for r in facts.routes if r.file == "server/src/graphql.ts"}
    assert {("GET", "/graphql/patients"), ("GET", "/graphql/patient/:id"),
            ("POST", "/graphql/patient"), ("PATCH", "/graphql/patient/:id"),
            ("DELETE", "/graphql/patient/:id")} <= set(graphql)
    patients = graphql[("GET", "/graphql/patients")]
    assert patients.guards == ["requireAuth"]
    assert "audit" in patients.calls and "patientService.list" in patients.calls
    assert patients.projection == "explicit" and "medicalNotes" not in patients.fields
    assert {"id", "createdAt"} <= set(patients.fields)
    # routes/*.ts are rendered but app.ts mounts none of them (only /graphql and privacy).
    assert not [r for r in facts.routes if r.file.startswith("server/src/routes/patient")]


def test_without_the_audit_call_the_list_query_fails_phi_audit(project: Path) -> None:
    edit(project, "server/src/graphql.ts", PATIENT_LIST_AUDIT, "")
    report = evaluate(project_dir=project)
    assert failing_controls(report) == {"hipaa.phi-audit"}
    failures = code_failures(report, "hipaa.phi-audit")
    assert len(failures) == 1
    assert "GET /graphql/patients" in failures[0] and "@ server/src/graphql.ts:" in failures[0]


def test_without_require_auth_on_the_mount_phi_access_control_fails(project: Path) -> None:
    edit(project, "server/src/app.ts", "app.all('/graphql', requireAuth, ",
         "app.all('/graphql', ")
    report = evaluate(project_dir=project)
    assert failing_controls(report) == {"hipaa.phi-access-control"}
    failures = code_failures(report, "hipaa.phi-access-control")
    # Every field of Patient and Appointment, and nothing else (privacy is still guarded).
    assert {tuple(f.split(" ")[:2]) for f in failures} == _phi_graphql_routes(project)


def test_a_list_of_the_full_type_fails_minimisation(project: Path) -> None:
    path, section = _patient_section(project)
    text = path.read_text(encoding="utf-8")
    full = section.replace("new GraphQLList(required(summary))",
                           "new GraphQLList(required(record))")
    assert full != section
    path.write_text(text.replace(section, full), encoding="utf-8")
    report = evaluate(project_dir=project)
    assert failing_controls(report) == {"gdpr.minimisation"}
    failures = code_failures(report, "gdpr.minimisation")
    assert failures and all("GET /graphql/patients" in f for f in failures)
    assert any("Patient.medical_notes" in f or "Patient.medicalNotes" in f for f in failures)


def test_without_the_graphql_mount_the_rest_files_do_not_pass_anything(project: Path) -> None:
    edit(project, "server/src/app.ts",
         "  app.all('/graphql', requireAuth, graphqlHandler(database.db));\n", "")
    facts = read_project(project)
    assert not [r for r in facts.routes if r.file.startswith(("server/src/graphql",
                                                               "server/src/routes/patient"))]


# ---------------------------------------------------------------- the graphql-js object style

PLAIN_APP = """\
import express from "express";
import { createHandler } from "graphql-http/lib/use/express";
import { requireAuth } from "./auth.js";
import { schema } from "./schema.js";
import { patientRouter } from "./routes/patients.js";

export const app = express();
app.use("/api/admin", requireAuth, patientRouter());
app.post("/graphql", requireAuth, createHandler({ schema }));
"""
PLAIN_SCHEMA = """\
import { GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { audit } from "./audit.js";
import { listPatients } from "./patients.js";

const Patient = new GraphQLObjectType({
  name: "Patient",
  fields: { id: { type: GraphQLString }, fullName: { type: GraphQLString },
            medicalNotes: { type: GraphQLString } },
});
const PatientSummary = new GraphQLObjectType({
  name: "PatientSummary",
  fields: () => ({ id: { type: GraphQLString }, fullName: { type: GraphQLString } }),
});

const Query = new GraphQLObjectType({
  name: "Query",
  fields: {
    patients: {
      type: new GraphQLList(PatientSummary),
      async resolve(_source, _args, context) {
        await audit(context, "patients");
        return listPatients();
      },
    },
    patient: {
      type: Patient,
      resolve: (_source, args) => listPatients().find((p) => p.id === args.id),
    },
  },
});

export const schema = new GraphQLSchema({ query: Query });
"""
PLAIN_ROUTER = """\
import { Router } from "express";
export function patientRouter() {
  const router = Router();
  router.get("/patients", (_req, res) => res.json([]));
  return router;
}
export function unmountedRouter() {
  const router = Router();
  return router;
}
"""
ORPHAN_ROUTER = """\
import { Router } from "express";
export const orphan = Router();
orphan.get("/doctors", (_req, res) => res.json([]));
"""


def _plain(root: Path) -> Path:
    src = root / "server" / "src"
    src.mkdir(parents=True)
    files = {"app.ts": PLAIN_APP, "schema.ts": PLAIN_SCHEMA, "routes/patients.ts": PLAIN_ROUTER,
             "routes/orphan.ts": ORPHAN_ROUTER,
             "audit.ts": "export async function audit(context, what) { return [context, what]; }\n",
             "patients.ts": "export function listPatients() { return []; }\n",
             "auth.ts": "export function requireAuth(req, res, next) { next(); }\n"}
    for rel, text in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text, encoding="utf-8")
    return root


def test_query_type_fields_with_resolve_methods_and_thunks_are_read(tmp_path: Path) -> None:
    facts = read_project(_plain(tmp_path))
    routes = {(r.method, r.path): r for r in facts.routes}
    patients = routes[("GET", "/graphql/patients")]
    assert patients.guards == ["requireAuth"]
    assert {"audit", "listPatients"} <= patients.calls
    assert (patients.projection, patients.fields) == ("explicit", ["id", "fullName"])
    single = routes[("GET", "/graphql/patient/:id")]
    assert "audit" not in single.calls and single.guards == ["requireAuth"]
    # A mounted router is served; one no app mounts is not.
    assert ("GET", "/api/admin/patients") in routes
    assert not [r for r in facts.routes if r.file.endswith("orphan.ts")]


def test_list_queries_of_a_type_with_sensitive_fields_fail_minimisation(tmp_path: Path) -> None:
    root = _plain(tmp_path)
    edit(root, "server/src/schema.ts", "new GraphQLList(PatientSummary)",
         "new GraphQLList(Patient)")
    patients = next(r for r in read_project(root).routes if r.path == "/graphql/patients")
    assert patients.fields == ["id", "fullName", "medicalNotes"]


def test_root_field_names_map_to_methods_and_entity_paths() -> None:
    assert graphql_route(False, "patients", listed=True) == ("GET", "patients")
    assert graphql_route(False, "allStockItems", listed=True) == ("GET", "stockItems")
    assert graphql_route(False, "getPatient", listed=False) == ("GET", "patient/:id")
    assert graphql_route(True, "createPatient", listed=False) == ("POST", "patient")
    assert graphql_route(True, "updatePatient", listed=False) == ("PATCH", "patient/:id")
    assert graphql_route(True, "removePatient", listed=False) == ("DELETE", "patient/:id")
    assert graphql_route(True, "login", listed=False) == ("POST", "login")


def test_a_router_mounted_through_a_local_name_is_served(tmp_path: Path) -> None:
    root = _plain(tmp_path)
    edit(root, "server/src/app.ts", 'app.use("/api/admin", requireAuth, patientRouter());',
         'const admin = patientRouter();\napp.use("/api/admin", requireAuth, admin);')
    routes = {(r.method, r.path): r for r in read_project(root).routes}
    assert routes[("GET", "/api/admin/patients")].guards == ["requireAuth"]
    assert ("GET", "/doctors") not in routes  # the orphan router is still not served
