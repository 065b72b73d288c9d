"""The blueprint-stage GDPR consent control counts the consent records the generator will add.

A blueprint without a consent field passes when the project generated from it carries the
generator's `consent_records` table (gdpr listed, a stack whose server templates have it), and the
code stage of that generated project agrees; otherwise it fails, saying why in both languages.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.unit.governance_trees import compliant_data
from webnova.generator.blueprint import Blueprint
from webnova.generator.render import render_project, write_tree
from webnova.governance.compliance.checks import consent_trees, generates_consent_records
from webnova.governance.compliance.engine import ComplianceReport, evaluate


def _without_consent_field(**stack: str) -> dict[str, Any]:
    data = copy.deepcopy(compliant_data())
    patient = data["entities"][0]
    patient["fields"] = [f for f in patient["fields"] if f["name"] != "consent_given_at"]
    data["stack"].update(stack)
    if data["stack"]["frontend"] == "none":  # a bare API: the template without pages
        data.update(template="api-only", pages=[])
    return data


def _consent(report: ComplianceReport, stage: str) -> tuple[str, list[str]]:
    result = report.result("gdpr.consent")
    found = next(s for s in result.stages if s.stage == stage)
    return found.status, [f.message.en for f in found.findings]


@pytest.mark.parametrize("stack", [
    {"frontend": "react", "backend": "express"},
    {"frontend": "none", "backend": "fastapi", "language": "python"},
], ids=["express", "fastapi"])
def test_the_generators_consent_records_pass_the_blueprint_and_the_code_stage(
        tmp_path: Path, stack: dict[str, str]) -> None:
    bp = Blueprint.model_validate(_without_consent_field(**stack))
    assert generates_consent_records(bp)
    status, messages = _consent(evaluate(blueprint=bp), "blueprint")
    assert status == "pass"
    assert messages == ["the generator adds consent records for the gdpr pack "
                        "(table consent_records, POST /api/privacy/consents)"]
    # What the blueprint stage promised is what the generated code holds.
    write_tree(render_project(bp), tmp_path)
    report = evaluate(blueprint=bp, project_dir=tmp_path)
    assert _consent(report, "code")[0] == "pass"
    assert report.result("gdpr.consent").status == "pass"


def test_without_the_gdpr_pack_the_generator_adds_no_consent_and_the_control_says_so() -> None:
    data = _without_consent_field()
    data["compliance"] = ["pci-dss", "hipaa"]
    bp = Blueprint.model_validate(data)
    assert not generates_consent_records(bp)
    report = evaluate(blueprint=bp, pack_ids=["gdpr"])
    result = report.result("gdpr.consent")
    assert result.status == "fail"
    [finding] = result.failures()
    assert finding.location == "blueprint: compliance"
    assert "generator adds consent records only when compliance lists gdpr" in finding.message.en
    assert "gdpr" in finding.message.ar and "الموافقة" in finding.message.ar
    assert "Patient" in finding.message.en


def test_a_stack_without_a_server_with_consent_records_fails_naming_the_stack() -> None:
    bp = Blueprint.model_validate(_without_consent_field(frontend="vue", backend="express"))
    assert not generates_consent_records(bp)
    result = evaluate(blueprint=bp).result("gdpr.consent")
    assert result.status == "fail"
    [finding] = result.failures()
    assert finding.location == "blueprint: stack"
    assert "vue+express" in finding.message.en and "vue+express" in finding.message.ar


def test_a_consent_field_still_passes_whatever_the_stack() -> None:
    data = compliant_data()
    data["stack"].update(frontend="vue", backend="express")
    status, messages = _consent(evaluate(blueprint=Blueprint.model_validate(data)), "blueprint")
    assert (status, messages) == ("pass", ["consent is recorded in Patient.consent_given_at"])


def test_the_trees_with_consent_records_are_read_from_the_generators_templates() -> None:
    assert {"ts-express", "py-fastapi"} <= consent_trees()
    assert "static-site" not in consent_trees()
    assert "common" not in consent_trees()  # its README mentions consents; only code counts
