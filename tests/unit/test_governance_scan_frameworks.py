"""The compliance scan reads Fastify and Next.js projects as well as Express ones.

Real projects are generated for the clinic under every pack (PHI, Stripe payments, GDPR) on the
Express, Fastify and Next.js stacks. The scan must find the same API routes and pass the same
controls on all three (no false findings), and removing one real control from a generated
project (the access-log hook, the PHI audit hook, the auth hook, a privacy route file) must
produce exactly the matching finding.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.unit.governance_trees import (
    code_failures,
    code_statuses,
    compliant_data,
    edit,
    failing_controls,
    write_tree,
)
from webnova.generator.blueprint import Blueprint
from webnova.generator.generate import generate_project
from webnova.governance.compliance import catalog
from webnova.governance.compliance.engine import evaluate
from webnova.governance.compliance.project import next_route_path, read_project

STACKS = ("express", "fastify", "nextjs")


def _clinic(stack: str) -> dict[str, Any]:
    """The clinic under every pack on one stack (as the generated-project matrix builds it)."""
    data = compliant_data()
    if stack == "fastify":
        data["stack"].update(frontend="vue", backend="fastify")
        data["template"] = "vue-fastify"
    elif stack == "nextjs":
        data["stack"].update(frontend="nextjs", backend="nextjs")
        data["template"] = "nextjs-fullstack"
    return data


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for stack in STACKS:
        folder = tmp_path_factory.mktemp(stack) / "clinic"
        outcome = generate_project(Blueprint.model_validate(_clinic(stack)), folder)
        assert outcome.ok, outcome.message
        out[stack] = folder
    return out


def _copy(generated: dict[str, Path], stack: str, tmp_path: Path) -> Path:
    target = tmp_path / stack
    shutil.copytree(generated[stack], target, ignore=shutil.ignore_patterns(".git"))
    return target





def _api_routes(root: Path) -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in read_project(root).routes if r.path.startswith("/api/")}


# ---------------------------------------------------------------- no false findings


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_passes_the_same_controls_as_express(generated: dict[str, Path],
                                                         stack: str) -> None:
    report = evaluate(project_dir=generated[stack])
    express = evaluate(project_dir=generated["express"])
    assert report.packs == ["pci-dss", "hipaa", "gdpr"]
    failing = failing_controls(report)
    assert failing == set(), {c: code_failures(report, c) for c in failing}
    assert code_statuses(report) == code_statuses(express)
    assert report.release_allowed


def test_fastify_plugins_serve_the_same_api_as_express(generated: dict[str, Path]) -> None:
    facts = read_project(generated["fastify"])
    assert facts.stack == "fastify"
    assert _api_routes(generated["fastify"]) == _api_routes(generated["express"])
    patients = {r.method: r for r in facts.routes if r.path == "/api/patients"}
    # The app-wide auth hook of the /api plugin and the patient plugin's own audit hook.
    assert patients["GET"].guards == ["enforceHttps", "requireAuth", "auditAccess"]
    doctors = next(r for r in facts.routes if r.path == "/api/doctors/:id")
    assert "auditAccess" not in doctors.guards  # Doctor holds no PHI: its plugin has no audit
    refresh = next(r for r in facts.routes if r.path == "/api/auth/refresh")
    assert refresh.guards == ["enforceHttps", "requireAuth"]  # a route's own preHandler option
    assert [m.value for m in facts.request_logging] == ["onResponse hook"]


def test_nextjs_routes_come_from_the_route_files(generated: dict[str, Path]) -> None:
    facts = read_project(generated["nextjs"])
    assert facts.stack == "nextjs"
    routes = _api_routes(generated["nextjs"])
    assert {("GET", "/api/patients"), ("POST", "/api/patients"), ("GET", "/api/patients/:id"),
            ("PATCH", "/api/patients/:id"), ("DELETE", "/api/patients/:id"),
            ("GET", "/api/privacy/export/:entity/:id"),
            ("DELETE", "/api/privacy/erase/:entity/:id")} <= routes
    by_path = {(r.method, r.path): r for r in facts.routes}
    # One shared handler serves every route file; each route follows only its own branch.
    assert "auditAccess" in by_path[("GET", "/api/patients")].calls
    assert "auditAccess" not in by_path[("GET", "/api/doctors")].calls
    assert "requireAuth" in by_path[("GET", "/api/patients/:id")].guards
    listing = by_path[("GET", "/api/patients")]
    # The list handler returns whole rows minus what its summary mapper removes.
    assert listing.projection == "all"
    assert {"fullName", "medicalNotes"} <= set(listing.excluded)
    assert [m.value for m in facts.request_logging] == ["logRequest"]


# ---------------------------------------------------------------- removing a real control


def _cut(root: Path, rel: str, pattern: str) -> None:
    """Remove what `pattern` matches (it must match) from one file of a tree."""
    path = root / rel
    text, count = re.subn(pattern, "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert count, f"{pattern!r} not in {rel}"
    path.write_text(text, encoding="utf-8")


def test_fastify_without_the_access_log_hook_fails_access_logging(
        generated: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(generated, "fastify", tmp_path)
    _cut(root, "server/src/security.ts", r"  app\.addHook\('onResponse'.*?\n  \}\);\n")
    report = evaluate(project_dir=root)
    assert failing_controls(report) == {"pci-dss.access-logging"}
    assert code_failures(report, "pci-dss.access-logging") == [
        "no request logging middleware @ server/src/app.ts"]


def test_fastify_without_the_phi_audit_hook_fails_on_that_entitys_routes(
        generated: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(generated, "fastify", tmp_path)
    edit(root, "server/src/routes/patient.ts",
         "app.addHook('preHandler', auditAccess(db, \"patient\"));", "")
    report = evaluate(project_dir=root)
    assert failing_controls(report) == {"hipaa.phi-audit"}
    failures = code_failures(report, "hipaa.phi-audit")
    assert len(failures) == 5
    assert all("Patient" in f and "@ server/src/routes/patient.ts:" in f for f in failures)


def test_fastify_without_the_auth_hook_fails_phi_access_control(
        generated: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(generated, "fastify", tmp_path)
    edit(root, "server/src/app.ts", "api.addHook('preHandler', requireAuth);", "")
    report = evaluate(project_dir=root)
    assert failing_controls(report) == {"hipaa.phi-access-control"}
    failing_paths = {f.split(" ")[1] for f in code_failures(report, "hipaa.phi-access-control")}
    assert "/api/patients" in failing_paths and "/api/appointments/:id" in failing_paths


def test_nextjs_without_the_export_route_file_fails_data_export(
        generated: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(generated, "nextjs", tmp_path)
    shutil.rmtree(root / "app" / "api" / "privacy" / "export")
    report = evaluate(project_dir=root)
    assert failing_controls(report) == {"gdpr.data-export"}


def test_nextjs_without_request_logging_fails_access_logging(
        generated: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(generated, "nextjs", tmp_path)
    edit(root, "server/src/app.ts", "logRequest(request, response.status, started, userId);", "")
    report = evaluate(project_dir=root)
    assert failing_controls(report) == {"pci-dss.access-logging"}


def test_nextjs_without_the_patient_audit_fails_only_the_patient_routes(
        generated: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(generated, "nextjs", tmp_path)
    edit(root, "server/src/routes/patient.ts",
         'await auditAccess(db, "patient", request, userId);', "")
    report = evaluate(project_dir=root)
    assert failing_controls(report) == {"hipaa.phi-audit"}
    failures = code_failures(report, "hipaa.phi-audit")
    assert len(failures) == 5
    assert all("Patient" in f and "@ app/api/patients/" in f for f in failures)


def test_nextjs_without_the_auth_check_fails_phi_access_control(
        generated: dict[str, Path], tmp_path: Path) -> None:
    root = _copy(generated, "nextjs", tmp_path)
    edit(root, "server/src/app.ts", "if (found.secured) userId = requireAuth(request);", "")
    report = evaluate(project_dir=root)
    assert failing_controls(report) == {"hipaa.phi-access-control"}


# ---------------------------------------------------------------- recognition in small trees


PACKAGE = '{"dependencies": {"fastify": "^5.0.0", "fastify-plugin": "^5.0.0"}}'


def test_fastify_route_options_fastify_plugin_hooks_and_the_built_in_logger(
        tmp_path: Path) -> None:
    root = write_tree(tmp_path / "api", {"package.json": PACKAGE, "src/app.ts": """\
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { verifyJwt } from './auth.js';
import { records } from './records.js';

const app = Fastify({ logger: true });
app.register(fp(async (app) => { app.addHook('onRequest', verifyJwt); }));
app.register(records, { prefix: '/api/v1' });
app.route({ method: ['GET', 'HEAD'], url: '/status', handler: async () => ({ ok: true }) });
""", "src/records.ts": """\
import type { FastifyInstance } from 'fastify';
export async function records(app: FastifyInstance): Promise<void> {
  app.get('/records/:id', { preHandler: [audit, checkRole('doctor')] }, async () => ({}));
  app.register(async (nested) => { nested.delete('/records/:id', async () => null); },
               { prefix: '/admin' });
}
"""})
    facts = read_project(root)
    routes = {(r.method, r.path): r.guards for r in facts.routes}
    assert routes == {
        ("GET", "/status"): ["verifyJwt"], ("HEAD", "/status"): ["verifyJwt"],
        ("GET", "/api/v1/records/:id"): ["verifyJwt", "audit", "checkRole"],
        ("DELETE", "/api/v1/admin/records/:id"): ["verifyJwt"],
    }
    assert [m.value for m in facts.request_logging] == ["fastify logger"]


def test_a_fastify_app_with_the_logger_off_and_no_logging_hook_logs_nothing(
        tmp_path: Path) -> None:
    root = write_tree(tmp_path / "api", {"package.json": PACKAGE, "src/app.ts": """\
import Fastify from 'fastify';
const app = Fastify({ logger: false });
app.addHook('onError', async (request) => { request.log.error('failed'); });
app.get('/health', async () => ({ ok: true }));
"""})
    facts = read_project(root)
    assert [(r.method, r.path) for r in facts.routes] == [("GET", "/health")]
    assert facts.request_logging == []  # onError is not a request log


@pytest.mark.parametrize(("rel", "url"), [
    ("app/api/patients/route.ts", "/api/patients"),
    ("app/api/patients/[id]/route.ts", "/api/patients/:id"),
    ("src/app/(admin)/api/[...rest]/route.ts", "/api/:rest*"),
    ("app/docs/[[...slug]]/route.js", "/docs/:slug*"),
    ("app/@modal/health/route.ts", "/health"),
    ("app/route.ts", "/"),
    ("app/api/patients/page.tsx", None),
    ("server/src/routes/patient.ts", None),
])
def test_nextjs_route_files_map_to_urls(rel: str, url: str | None) -> None:
    assert next_route_path(rel) == url


def test_nextjs_inline_handlers_and_middleware_are_followed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "web", {
        "package.json": '{"dependencies": {"next": "^15.0.0"}}',
        "tsconfig.json": '{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["./src/*"]}}}',
        "middleware.ts": """\
import { requireSession } from '@/lib/session';
export function middleware(request: Request) { return requireSession(request); }
""",
        "src/lib/session.ts": "export function requireSession(r: Request) { return r; }\n",
        "src/lib/audit.ts": "export async function auditRead(id: string) { return id; }\n",
        "app/api/patients/[id]/route.ts": """\
import { auditRead } from '@/lib/audit';
export async function GET(request: Request, { params }: { params: { id: string } }) {
  await auditRead(params.id);
  return Response.json({});
}
function POST() { return null; }  // not exported: not a handler
""",
    })
    routes = read_project(root).routes
    assert [(r.method, r.path) for r in routes] == [("GET", "/api/patients/:id")]
    assert {"auditRead", "requireSession"} <= set(routes[0].guards)


def test_an_express_handler_is_followed_into_the_service_it_calls(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "api", {
        "package.json": '{"dependencies": {"express": "^4.21.0"}}',
        "src/routes/patients.ts": """\
import { Router } from 'express';
import * as service from '../services/patients.js';
export const patientsRouter = Router();
patientsRouter.get('/', async (req, res) => { res.json(await service.list(req.query)); });
""",
        "src/services/patients.ts": """\
export { list } from './queries.js';
""",
        "src/services/queries.ts": """\
import { db } from '../db.js';
import { patients } from '../schema.js';
import { recordRead } from '../audit.js';
export async function list(query: unknown): Promise<{ items: unknown[] }> {
  await recordRead('patients', query);
  return { items: await db.select({ id: patients.id, name: patients.fullName }).from(patients) };
}
""",
    })
    [route] = read_project(root).routes
    assert (route.method, route.path) == ("GET", "/")
    assert "recordRead" in route.calls  # an audit inside the service counts for the route
    assert (route.projection, route.fields) == ("explicit", ["id", "fullName"])


# ---------------------------------------------------------------- the evidence messages


def test_the_evidence_messages_are_one_catalogue_that_refuses_a_key_written_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert {"consent_generated", "deploy_https", "logging_missing"} <= catalog.messages().keys()
    assert not (Path(catalog.__file__).parent / "messages.yaml").exists()
    twice = 'a:\n  en: "one"\n  ar: "واحد"\na:\n  en: "two"\n  ar: "اثنان"\n'
    write_tree(tmp_path / "blueprints", {"compliance/messages.yaml": twice})
    monkeypatch.setattr(catalog, "data_path", lambda name: tmp_path / name)
    catalog.messages.cache_clear()
    try:
        with pytest.raises(ValueError, match="duplicate key 'a'"):
            catalog.messages()
    finally:
        catalog.messages.cache_clear()


def _next_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_tree(tmp_path / "web", {
        "package.json": '{"dependencies": {"next": "^15.0.0"}}',
        "src/lib/session.ts": "export function requireSession(r: Request) { return r; }\n",
        "middleware.ts": """\
import { requireSession } from './src/lib/session';
export function middleware(request: Request) { return requireSession(request); }
""" + files.pop("config", ""),
        **files,
    })


def test_nextjs_handlers_exported_from_a_list_or_another_module_are_routes(
        tmp_path: Path) -> None:
    root = _next_tree(tmp_path, {
        "src/lib/audit.ts": "export async function auditRead(id: string) { return id; }\n",
        "src/server/handlers.ts": """\
import { auditRead } from '../lib/audit';
export async function GET() { await auditRead('x'); return Response.json([]); }
async function remove() { return new Response(null, { status: 204 }); }
export { remove as DELETE };
""",
        "app/api/patients/route.ts": "export { GET, DELETE } from '@/server/handlers';\n",
        "app/api/notes/route.ts": """\
async function listNotes() { return Response.json([]); }
const create = async () => Response.json({}, { status: 201 });
export { listNotes as GET, create as POST, unknownName as PUT };
""",
        "tsconfig.json": '{"compilerOptions": {"paths": {"@/*": ["./src/*"]}}}',
    })
    routes = {(r.method, r.path): r for r in read_project(root).routes}
    assert set(routes) == {("GET", "/api/patients"), ("DELETE", "/api/patients"),
                           ("GET", "/api/notes"), ("POST", "/api/notes")}
    assert "auditRead" in routes[("GET", "/api/patients")].calls  # followed into the module
    assert routes[("GET", "/api/notes")].file == "app/api/notes/route.ts"


@pytest.mark.parametrize(("config", "guarded"), [
    ("", {"/api/patients", "/health"}),  # no config: everywhere
    ('export const config = { matcher: "/api/:path*" };\n', {"/api/patients"}),
    ("export const config = { matcher: ['/health', '/admin/:path+'] };\n", {"/health"}),
    ("export const config = { matcher: ['/((?!api|_next/static).*)'] };\n", {"/health"}),
    ("export const config = { matcher: [{ source: '/api/patients' }] };\n", {"/api/patients"}),
    # Conditions or a computed matcher cannot be read: the middleware guards nothing.
    ("export const config = { matcher: [{ source: '/api/:p*', has: [{ type: 'header', "
     "key: 'x' }] }] };\n", set()),
    ("const paths = ['/api/:p*'];\nexport const config = { matcher: paths };\n", set()),
])
def test_nextjs_middleware_guards_only_the_routes_its_matcher_selects(
        tmp_path: Path, config: str, guarded: set[str]) -> None:
    root = _next_tree(tmp_path, {
        "config": config,
        "app/api/patients/route.ts": "export async function GET() { return Response.json([]); }\n",
        "app/health/route.ts": "export async function GET() { return Response.json({}); }\n",
    })
    routes = read_project(root).routes
    assert {r.path for r in routes if "requireSession" in r.guards} == guarded
    assert {r.path for r in routes} == {"/api/patients", "/health"}


def test_a_local_export_list_without_semicolons_is_not_read_as_an_import(tmp_path: Path) -> None:
    root = _next_tree(tmp_path, {
        "src/lib/audit.ts": "export async function auditRead(id: string) { return id }\n",
        "app/api/notes/route.ts": """\
async function listNotes() { return Response.json([]) }
export { listNotes as GET }
export { auditRead } from '../../../src/lib/audit'
""",
    })
    [route] = read_project(root).routes
    assert (route.method, route.path) == ("GET", "/api/notes")
