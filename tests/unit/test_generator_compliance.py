"""Generated projects pass the governor's compliance code checks when the blueprint asks for them.

Each case renders a blueprint, writes the tree and runs `webnova.governance` on it; the generated
projects' behaviour (redirects, logs, audit rows, export/erasure) is tested by their own test
suites, which the slow matrix runs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.governance_trees import ROOT, clinic_data, compliant_data
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.render import render_project, write_tree
from webnova.governance.compliance.engine import ComplianceReport, evaluate


def _generate(data: dict[str, Any] | Blueprint, out: Path) -> tuple[Blueprint, ComplianceReport]:
    bp = data if isinstance(data, Blueprint) else Blueprint.model_validate(data)
    write_tree(render_project(bp), out)
    return bp, evaluate(project_dir=out)


def _code_failures(report: ComplianceReport) -> dict[str, list[str]]:
    return {r.id: [f.message.en for s in r.stages if s.stage == "code"
                   for f in s.findings if not f.ok]
            for r in report.results
            if any(s.stage == "code" and s.status == "fail" for s in r.stages)}


def _shop_data() -> dict[str, Any]:
    """The shipped shop on the generatable React + Express stack, keeping no card digits."""
    text = (ROOT / "blueprints" / "examples" / "online-shop.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    data["stack"].update(frontend="react", backend="express")
    order = next(e for e in data["entities"] if e["name"] == "Order")
    order["fields"] = [f for f in order["fields"] if f["name"] != "card_last4"]
    data["pages"] = [p for p in data["pages"] if "[" not in p["path"]]
    customer = next(e for e in data["entities"] if e["name"] == "Customer")
    customer["fields"].append({"name": "consent_given_at", "type": "datetime"})
    return data


def test_the_shipped_clinic_passes_every_hipaa_code_check(tmp_path: Path) -> None:
    _bp, report = _generate(clinic_data(), tmp_path)
    assert report.packs == ["hipaa"]
    assert _code_failures(report) == {}
    # Only the review of the blueprint itself still blocks: full_name is PHI not marked encrypted.
    assert [r.id for r in report.blocking] == ["hipaa.phi-encryption"]


def test_a_clinic_under_every_pack_is_released_without_waivers(tmp_path: Path) -> None:
    _bp, report = _generate(compliant_data(), tmp_path)
    assert report.packs == ["pci-dss", "hipaa", "gdpr"]
    assert report.release_allowed, _code_failures(report)
    assert all(r.status == "pass" for r in report.results)


def test_the_gdpr_shop_preset_has_export_erasure_and_consent_in_code(tmp_path: Path) -> None:
    preset = load_catalog().get("ecommerce")
    assert preset is not None
    _bp, report = _generate(preset.blueprint(), tmp_path)
    assert report.packs == ["gdpr"]
    assert _code_failures(report) == {}
    privacy = (tmp_path / "server/src/routes/privacy.ts").read_text(encoding="utf-8")
    assert "router.get('/export/customers/:id'" in privacy
    assert "router.delete('/erase/customers/:id'" in privacy
    assert "/api/privacy/consents" in (tmp_path / "openapi.json").read_text(encoding="utf-8")


def test_a_shop_paying_through_stripe_passes_pci_dss_and_gdpr(tmp_path: Path) -> None:
    _bp, report = _generate(_shop_data(), tmp_path)
    assert report.packs == ["pci-dss", "gdpr"]
    assert report.release_allowed, _code_failures(report)
    assert '"stripe": "17.7.0"' in (tmp_path / "package.json").read_text(encoding="utf-8")


def test_breaking_the_generated_https_and_logging_fails_their_controls(tmp_path: Path) -> None:
    _generate(compliant_data(), tmp_path)
    app = tmp_path / "server/src/app.ts"
    text = app.read_text(encoding="utf-8")
    app.write_text(text.replace("  app.use(enforceHttps);\n", "")
                   .replace("  app.use(requestLogger);\n", ""), encoding="utf-8")
    security = tmp_path / "server/src/security.ts"
    security.write_text(security.read_text(encoding="utf-8")
                        .replace("'Strict-Transport-Security'", "'X-Frame-Options'")
                        .replace("'https://'", "'//'"), encoding="utf-8")
    failures = _code_failures(evaluate(project_dir=tmp_path))
    assert set(failures) == {"pci-dss.tls", "pci-dss.access-logging", "hipaa.transmission"}


def test_phi_fields_are_encrypted_at_rest_even_without_the_encrypted_flag(tmp_path: Path) -> None:
    data = clinic_data()
    assert data["entities"][0]["fields"][0] == {**data["entities"][0]["fields"][0],
                                                "name": "full_name", "phi": True}
    assert "encrypted" not in data["entities"][0]["fields"][0]
    _generate(data, tmp_path)
    service = (tmp_path / "server/src/services/patient.ts").read_text(encoding="utf-8")
    assert "out.fullName = encryptValue(value);" in service
    schema = (tmp_path / "server/src/schema.ts").read_text(encoding="utf-8")
    assert "fullName: text(\"full_name\").notNull()," in schema


def test_hipaa_sessions_last_15_minutes_and_others_12_hours(tmp_path: Path) -> None:
    _generate(clinic_data(), tmp_path / "clinic")
    plain = copy.deepcopy(clinic_data())
    plain.update(domain="enterprise", compliance=[])
    for entity in plain["entities"]:
        for field in entity["fields"]:
            field.pop("phi", None)
    _bp, report = _generate(plain, tmp_path / "plain")
    assert report.packs == []
    assert "const TOKEN_TTL = '15m';" in (tmp_path / "clinic/server/src/auth.ts").read_text()
    assert "const TOKEN_TTL = '12h';" in (tmp_path / "plain/server/src/auth.ts").read_text()
    assert not (tmp_path / "plain/server/src/audit.ts").exists()
    assert not (tmp_path / "plain/server/src/routes/privacy.ts").exists()


@pytest.mark.parametrize("template_id", ["react-express", "api-only", "saas-starter"])
def test_every_backend_enforces_https_logs_requests_and_uses_database_tls(
    template_id: str, tmp_path: Path
) -> None:
    preset = load_catalog().get(template_id)
    assert preset is not None
    _bp, report = _generate(preset.blueprint(), tmp_path)
    failures = _code_failures(evaluate(project_dir=tmp_path, pack_ids=["pci-dss", "hipaa"]))
    assert "pci-dss.tls" not in failures
    assert "pci-dss.access-logging" not in failures
    assert "hipaa.transmission" not in failures
    assert report.release_allowed
