"""Compliance packs: every control passes on a compliant project and fails, naming the evidence,
when exactly the thing it guards is broken, on the blueprint and on real code trees."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.governance_trees import (
    compliant_blueprint,
    compliant_data,
    edit,
    express_tree,
    fastapi_tree,
)
from webnova.generator.blueprint import Blueprint
from webnova.governance.compliance.catalog import all_control_ids, messages, packs
from webnova.governance.compliance.checks import CHECKS
from webnova.governance.compliance.engine import ComplianceReport, evaluate, packs_for
from webnova.governance.constitution import parse_constitution

CONTROL_IDS = [
    "pci-dss.card-data", "pci-dss.tokenized-payments", "pci-dss.tls", "pci-dss.access-logging",
    "pci-dss.secrets",
    "hipaa.phi-encryption", "hipaa.phi-access-control", "hipaa.phi-audit", "hipaa.auto-logoff",
    "hipaa.transmission",
    "gdpr.data-export", "gdpr.erasure", "gdpr.consent", "gdpr.minimisation", "gdpr.residency",
]


def _stage(report: ComplianceReport, control_id: str, stage: str) -> str:
    result = report.result(control_id)
    return next((s.status for s in result.stages if s.stage == stage), "not_checked")


def test_the_catalog_has_the_stable_control_ids_and_a_check_for_each() -> None:
    assert all_control_ids() == CONTROL_IDS
    assert set(CHECKS) == set(CONTROL_IDS)


def test_every_control_and_message_reads_in_english_and_arabic_with_the_same_placeholders(
) -> None:
    arabic = re.compile(r"[\u0600-\u06ff]")
    texts = [t for p in packs().values() for c in p.controls for t in (c.title, c.fix)]
    texts += list(messages().values())
    for text in texts:
        assert arabic.search(text.ar), text.en
        assert set(re.findall(r"\{(\w+)\}", text.en)) == set(re.findall(r"\{(\w+)\}", text.ar))


# ---------------------------------------------------------------- blueprint stage, both ways


def _with(mutate: Callable[[dict[str, Any]], None]) -> Blueprint:
    data = copy.deepcopy(compliant_data())
    mutate(data)
    return Blueprint.model_validate(data)


def _patient(data: dict[str, Any]) -> dict[str, Any]:
    entity: dict[str, Any] = data["entities"][0]
    return entity


def _without_consent(data: dict[str, Any]) -> None:
    """No consent field, and a stack the generator cannot add consent records to."""
    _patient(data)["fields"].pop()
    data["stack"].update(frontend="vue", backend="express")


BLUEPRINT_FAILURES: dict[str, Callable[[dict[str, Any]], None]] = {
    "pci-dss.card-data": lambda d: _patient(d)["fields"].append(
        {"name": "card_number", "type": "string", "max_length": 19}),
    "pci-dss.tokenized-payments": lambda d: d["features"].update(payments=["mada"]),
    "pci-dss.tls": lambda d: d["deployment"].update(provider="hetzner"),
    "hipaa.phi-encryption": lambda d: _patient(d)["fields"][0].update(encrypted=False),
    "hipaa.phi-access-control": lambda d: d["features"].update(auth=False),
    "hipaa.auto-logoff": lambda d: d["features"].update(auth=False),
    "hipaa.transmission": lambda d: d["deployment"].update(provider="hetzner"),
    "gdpr.consent": lambda d: _without_consent(d),
    "gdpr.residency": lambda d: d["deployment"].update(region="oregon"),
}


def test_a_compliant_blueprint_passes_every_control_that_reads_blueprints() -> None:
    report = evaluate(blueprint=compliant_blueprint())
    assert report.packs == ["pci-dss", "hipaa", "gdpr"]
    for control_id in CONTROL_IDS:
        expected = "pass" if "blueprint" in CHECKS[control_id] else "not_checked"
        assert _stage(report, control_id, "blueprint") == expected, control_id


@pytest.mark.parametrize("control_id", sorted(BLUEPRINT_FAILURES))
def test_a_blueprint_breaking_a_control_fails_it_and_only_it(control_id: str) -> None:
    report = evaluate(blueprint=_with(BLUEPRINT_FAILURES[control_id]))
    failed = {r.id for r in report.results if r.status == "fail"}
    assert control_id in failed
    shared = {"pci-dss.tls": {"hipaa.transmission"}, "hipaa.transmission": {"pci-dss.tls"},
              "hipaa.phi-access-control": {"hipaa.auto-logoff"},
              "hipaa.auto-logoff": {"hipaa.phi-access-control"}}
    assert failed == {control_id} | shared.get(control_id, set())
    assert report.result(control_id).failures()[0].location.startswith("blueprint")


def test_a_pci_flag_on_any_field_fails_the_card_data_control() -> None:
    bp = _with(lambda d: d["entities"][1]["fields"].append(
        {"name": "billing_ref", "type": "string", "pci": True}))
    failure = evaluate(blueprint=bp).result("pci-dss.card-data").failures()[0]
    assert failure.message.en == "Doctor.billing_ref is flagged as card data (pci)"


def test_payments_in_mada_pass_through_a_tokenizing_gateway_integration() -> None:
    def mada_with_moyasar(d: dict[str, Any]) -> None:
        d["features"].update(payments=["mada"])
        d["integrations"].append({"kind": "payment", "provider": "moyasar"})

    report = evaluate(blueprint=_with(mada_with_moyasar))
    assert report.result("pci-dss.tokenized-payments").status == "pass"


def test_the_residency_control_follows_the_constitutions_allowed_regions() -> None:
    rules = parse_constitution("constitution: 1\ndata:\n  allowed_regions: [oregon]\n")
    assert rules.constitution is not None
    oregon = _with(BLUEPRINT_FAILURES["gdpr.residency"])
    assert evaluate(blueprint=oregon, constitution=rules.constitution).result(
        "gdpr.residency").status == "pass"
    assert evaluate(blueprint=compliant_blueprint(), constitution=rules.constitution).result(
        "gdpr.residency").status == "fail"


def test_the_deploy_stage_checks_the_region_actually_targeted() -> None:
    report = evaluate(blueprint=compliant_blueprint(), deploy_region="us-east-1")
    result = report.result("gdpr.residency")
    assert result.status == "fail" and report.stages == ["blueprint", "deploy"]
    assert [s.status for s in result.stages] == ["pass", "fail"]
    assert evaluate(blueprint=compliant_blueprint(), deploy_region="eu-central-1").result(
        "gdpr.residency").status == "pass"


def test_packs_follow_the_blueprint_and_what_its_data_implies() -> None:
    shop = _with(lambda d: d.update(compliance=[], domain="commerce",
                                    entities=[d["entities"][1]], relations=[],
                                    pages=[p for p in d["pages"] if p.get("entity") in
                                           (None, "Doctor")]))
    assert packs_for(shop) == ["pci-dss"]  # payments imply PCI-DSS
    assert packs_for(None) == ["pci-dss", "hipaa", "gdpr"]


# ---------------------------------------------------------------- code stage, both ways

# (control, file, old text, new text): one edit that breaks exactly that control.
EXPRESS_FAILURES: list[tuple[str, str, str, str]] = [
    ("pci-dss.card-data", "src/db/schema.ts", '  phone: encryptedText("phone"),',
     '  phone: encryptedText("phone"),\n  cardNumber: varchar("card_number", { length: 19 }),'),
    ("pci-dss.tokenized-payments", "package.json", '"stripe": "^17.0.0"', '"left-pad": "1.3.0"'),
    ("pci-dss.tls", "src/server.ts", "app.use(helmet());\n", ""),
    ("pci-dss.access-logging", "src/server.ts", "app.use(pinoHttp());\n", ""),
    ("pci-dss.secrets", "src/crypto.ts", 'process.env.DATA_KEY ?? ""',
     '"AKIAIOSFODNN7EXAMPLE"'),
    ("hipaa.phi-encryption", "src/db/schema.ts", 'fullName: encryptedText("full_name")',
     'fullName: text("full_name")'),
    ("hipaa.phi-access-control", "src/server.ts",
     'app.use("/api/patients", requireAuth, patientsRouter);',
     'app.use("/api/patients", patientsRouter);'),
    ("hipaa.phi-audit", "src/routes/appointments.ts",
     'appointmentsRouter.use(auditAccess("appointment"));\n', ""),
    ("hipaa.auto-logoff", "src/auth.ts", 'const SESSION_TTL = "15m";', 'const SESSION_TTL = "8h";'),
    ("hipaa.transmission", "src/db/client.ts", "ssl: { rejectUnauthorized: true },",
     "ssl: false,"),
    ("gdpr.data-export", "src/routes/privacy.ts", '"/me/export"', '"/me/summary"'),
    ("gdpr.erasure", "src/routes/privacy.ts", 'privacyRouter.delete("/me"',
     'privacyRouter.post("/me/deactivate"'),
    ("gdpr.consent", "src/db/schema.ts",
     '  consentGivenAt: timestamp("consent_given_at", { withTimezone: true }),\n', ""),
    ("gdpr.minimisation", "src/routes/patients.ts",
     "db.select({ id: patients.id, email: patients.email })", "db.select()"),
    ("gdpr.residency", "render.yaml", "region: frankfurt", "region: oregon"),
]


# Erasing a patient record is erasure too: the control only fails when no DELETE remains.
EXTRA_EDITS: dict[str, list[tuple[str, str, str]]] = {
    "gdpr.erasure": [("src/routes/patients.ts", 'patientsRouter.delete("/:id"',
                      'patientsRouter.put("/:id"'),
                     ("app/routers/patients.py", '@router.delete("/{patient_id}"',
                      '@router.put("/{patient_id}"')],
}


def _break(root: Path, control_id: str, rel: str, old: str, new: str) -> None:
    edit(root, rel, old, new)
    for extra_rel, extra_old, extra_new in EXTRA_EDITS.get(control_id, []):
        if (root / extra_rel).exists():
            edit(root, extra_rel, extra_old, extra_new)


@pytest.fixture
def express(tmp_path: Path) -> Path:
    return express_tree(tmp_path / "clinic")


def test_a_compliant_express_project_passes_every_control_in_code(express: Path) -> None:
    report = evaluate(blueprint=compliant_blueprint(), project_dir=express)
    assert {r.id: r.status for r in report.results} == dict.fromkeys(CONTROL_IDS, "pass")
    assert report.release_allowed
    assert all(_stage(report, c, "code") == "pass" for c in CONTROL_IDS)


def test_every_control_has_a_code_check_that_fails_in_the_express_table() -> None:
    assert sorted(c for c, *_ in EXPRESS_FAILURES) == sorted(CONTROL_IDS)


@pytest.mark.parametrize(("control_id", "rel", "old", "new"), EXPRESS_FAILURES,
                         ids=[c for c, *_ in EXPRESS_FAILURES])
def test_breaking_one_thing_in_express_code_fails_exactly_its_control(
        express: Path, control_id: str, rel: str, old: str, new: str) -> None:
    _break(express, control_id, rel, old, new)
    report = evaluate(blueprint=compliant_blueprint(), project_dir=express)
    failed = {r.id for r in report.results if _stage(report, r.id, "code") == "fail"}
    also = {"pci-dss.tls": {"hipaa.transmission"}}.get(control_id, set())
    assert failed == {control_id} | also
    assert not report.release_allowed
    evidence = report.result(control_id).failures()
    assert evidence and evidence[0].message.ar


def test_code_evidence_points_at_the_file_and_line(express: Path) -> None:
    edit(express, "src/db/schema.ts", 'fullName: encryptedText("full_name")',
         'fullName: text("full_name")')
    failure = evaluate(blueprint=compliant_blueprint(), project_dir=express).result(
        "hipaa.phi-encryption").failures()[0]
    assert failure.location == "src/db/schema.ts:6"
    assert failure.message.en == "column patients.full_name holds PHI in a plain text column"


def test_a_sensitive_field_in_a_list_projection_fails_minimisation(express: Path) -> None:
    edit(express, "src/routes/patients.ts", "email: patients.email",
         "email: patients.email, notes: patients.medicalNotes")
    failures = evaluate(blueprint=compliant_blueprint(), project_dir=express).result(
        "gdpr.minimisation").failures()
    assert [f.message.en for f in failures] == [
        "GET /api/patients returns the sensitive field Patient.medical_notes"]


def test_a_committed_env_file_fails_the_secrets_control_unless_ignored(express: Path) -> None:
    (express / ".env").write_text("JWT_SECRET=s3cr3t-value-for-real\n")
    assert evaluate(blueprint=compliant_blueprint(), project_dir=express).result(
        "pci-dss.secrets").status == "pass"  # listed in .gitignore
    edit(express, ".gitignore", ".env\n", "")
    failure = evaluate(blueprint=compliant_blueprint(), project_dir=express).result(
        "pci-dss.secrets").failures()[0]
    assert failure.location == ".env:1"


def test_a_missing_token_expiry_fails_automatic_logoff(express: Path) -> None:
    edit(express, "src/auth.ts", ", { expiresIn: SESSION_TTL }", "")
    failure = evaluate(blueprint=compliant_blueprint(), project_dir=express).result(
        "hipaa.auto-logoff").failures()[0]
    assert failure.message.en == "no session or token expiry is configured"


def test_the_blueprint_stored_in_the_project_is_used_when_none_is_given(express: Path) -> None:
    (express / "blueprint.yaml").write_text(compliant_blueprint().model_dump_json())
    report = evaluate(project_dir=express)
    assert report.project == "clinic-booking" and report.release_allowed


def test_readme_claims_do_not_count_as_controls(express: Path) -> None:
    edit(express, "src/server.ts", "app.use(helmet());\n", "")
    (express / "README.md").write_text("We use helmet() and HSTS (Strict-Transport-Security).\n")
    assert evaluate(blueprint=compliant_blueprint(), project_dir=express).result(
        "pci-dss.tls").status == "fail"


# ---------------------------------------------------------------- FastAPI


FASTAPI_FAILURES: list[tuple[str, str, str, str]] = [
    ("pci-dss.card-data", "app/models.py", "    consent_given_at:",
     "    cvv: Mapped[str] = mapped_column(String(4))\n    consent_given_at:"),
    ("pci-dss.tokenized-payments", "pyproject.toml", '"stripe>=11", ', ""),
    ("pci-dss.tls", "app/main.py", "app.add_middleware(HTTPSRedirectMiddleware)\n", ""),
    ("pci-dss.access-logging", "app/main.py",
     '    logger.info("%s %s %s", request.method, request.url.path, response.status_code)\n',
     ""),
    ("pci-dss.secrets", "app/crypto.py", "Fernet.generate_key()",
     'b"-----BEGIN PRIVATE KEY-----"'),
    ("hipaa.phi-encryption", "app/models.py",
     "medical_notes: Mapped[str | None] = mapped_column(SealedText)",
     "medical_notes: Mapped[str | None] = mapped_column(Text)"),
    ("hipaa.phi-access-control", "app/main.py",
     ', dependencies=[Depends(get_current_user)])\napp.include_router(privacy',
     ")\napp.include_router(privacy"),
    ("hipaa.phi-audit", "app/routers/patients.py",
     'APIRouter(prefix="/patients", dependencies=[Depends(audit_access)])',
     'APIRouter(prefix="/patients")'),
    ("hipaa.auto-logoff", "app/config.py", "access_token_expire_minutes: int = 15",
     "access_token_expire_minutes: int = 600"),
    ("hipaa.transmission", "app/config.py", "?sslmode=require", ""),
    ("gdpr.data-export", "app/routers/privacy.py", '@router.get("/export")',
     '@router.get("/summary")'),
    ("gdpr.erasure", "app/routers/privacy.py", '@router.delete("")', '@router.post("/close")'),
    ("gdpr.consent", "app/models.py", "    consent_given_at: Mapped[dt.datetime | None]\n", ""),
    ("gdpr.minimisation", "app/routers/patients.py",
     '@router.get("/", response_model=list[PatientSummary])', '@router.get("/")'),
    ("gdpr.residency", "fly.toml", '"fra"', '"iad"'),
]


@pytest.fixture
def fastapi_project(tmp_path: Path) -> Path:
    return fastapi_tree(tmp_path / "clinic-api")


def test_a_compliant_fastapi_project_passes_every_control_in_code(fastapi_project: Path) -> None:
    report = evaluate(blueprint=compliant_blueprint(backend="fastapi"),
                      project_dir=fastapi_project)
    assert {r.id: _stage(report, r.id, "code") for r in report.results} == \
        dict.fromkeys(CONTROL_IDS, "pass")


@pytest.mark.parametrize(("control_id", "rel", "old", "new"), FASTAPI_FAILURES,
                         ids=[c for c, *_ in FASTAPI_FAILURES])
def test_breaking_one_thing_in_fastapi_code_fails_exactly_its_control(
        fastapi_project: Path, control_id: str, rel: str, old: str, new: str) -> None:
    _break(fastapi_project, control_id, rel, old, new)
    report = evaluate(blueprint=compliant_blueprint(backend="fastapi"),
                      project_dir=fastapi_project)
    failed = {r.id for r in report.results if _stage(report, r.id, "code") == "fail"}
    also = {"pci-dss.tls": {"hipaa.transmission"}}.get(control_id, set())
    assert failed == {control_id} | also


# ---------------------------------------------------------------- the generator's own idioms

GENERATOR_STYLE = {
    "server/src/schema.ts": """\
import { pgTable, serial, text, varchar } from 'drizzle-orm/pg-core';
export const patientTable = pgTable("patients", {
  id: serial('id').primaryKey(),
  fullName: varchar("full_name", { length: 120 }).notNull(),
  email: varchar("email", { length: 254 }).notNull(),
  medicalNotes: text("medical_notes"),
});
""",
    "server/src/routes/patient.ts": """\
import { Router } from 'express';
import { encryptValue } from '../crypto.js';
import { patientTable } from '../schema.js';
const table = patientTable;
export const SENSITIVE_FIELDS: readonly string[] = ["fullName", "medicalNotes"];
function toDb(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.fullName = encryptValue(input.fullName);
  out.medicalNotes = encryptValue(input.medicalNotes);
  return out;
}
export function toSummary(row: Row): Record<string, unknown> {
  const full = { ...row };
  for (const name of SENSITIVE_FIELDS) delete full[name];
  return full;
}
export function patientRouter(db: Db): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const rows = await db.select().from(table);
    res.json({ items: rows.map(toSummary) });
  });
  return router;
}
""",
    "server/src/app.ts": """\
import express from 'express';
import { requireAuth } from './auth.js';
import { patientRouter } from './routes/patient.js';
export function createApp(database: Database) {
  const app = express();
  app.use('/api/patients', requireAuth, patientRouter(database.db));
  return app;
}
""",
    "server/src/auth.ts": "export function requireAuth(req, res, next) { next(); }\n",
}


def test_router_factories_encrypt_on_write_and_summary_mappers_are_understood(
        tmp_path: Path) -> None:
    from tests.unit.governance_trees import write_tree

    root = write_tree(tmp_path / "gen", GENERATOR_STYLE)
    data = compliant_data()
    data["entities"] = [{"name": "Patient", "fields": [
        {"name": "full_name", "type": "string", "max_length": 120, "phi": True, "pii": True,
         "encrypted": True},
        {"name": "email", "type": "email", "pii": True},
        {"name": "medical_notes", "type": "text", "phi": True, "encrypted": True}]}]
    data.update(relations=[], pages=[])
    report = evaluate(blueprint=Blueprint.model_validate(data), project_dir=root)
    for control_id in ("hipaa.phi-encryption", "hipaa.phi-access-control",
                       "gdpr.minimisation"):
        assert _stage(report, control_id, "code") == "pass", control_id
    edit(root, "server/src/routes/patient.ts", '["fullName", "medicalNotes"]', '["fullName"]')
    edit(root, "server/src/routes/patient.ts",
         "out.medicalNotes = encryptValue(input.medicalNotes);", "out.medicalNotes = 1;")
    edit(root, "server/src/app.ts", "requireAuth, patientRouter", "patientRouter")
    report = evaluate(blueprint=Blueprint.model_validate(data), project_dir=root)
    assert [f.message.en for f in report.result("gdpr.minimisation").failures()] == [
        "GET /api/patients returns the sensitive field Patient.medical_notes"]
    assert [f.location for f in report.result("hipaa.phi-encryption").failures()] == [
        "server/src/schema.ts:6"]
    assert report.result("hipaa.phi-access-control").status == "fail"


def test_the_deploy_stage_checks_the_address_actually_served() -> None:
    plain = evaluate(blueprint=compliant_blueprint(), deploy_url="http://clinic.example.com")
    assert plain.stages == ["blueprint", "deploy"]
    for control_id in ("pci-dss.tls", "hipaa.transmission"):
        assert _stage(plain, control_id, "deploy") == "fail", control_id
        [finding] = plain.result(control_id).failures()
        assert finding.location == "deploy"
        assert "plain HTTP (http://clinic.example.com)" in finding.message.en
        assert "HTTP" in finding.message.ar
    secure = evaluate(blueprint=compliant_blueprint(), deploy_url="https://clinic.example.com")
    local = evaluate(blueprint=compliant_blueprint(), deploy_url="http://127.0.0.1:8080")
    for report in (secure, local):
        assert _stage(report, "pci-dss.tls", "deploy") == "pass"
        assert report.release_allowed
