"""The FastAPI backend: accepted by the generator, rendered deterministically into valid Python
with CRUD routes, models and tests; the slow matrix installs, tests and serves it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from tests.unit.governance_trees import clinic_data, compliant_data
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.generate import generate_project
from webnova.generator.pycontext import python_attr
from webnova.generator.render import render_project, write_tree
from webnova.generator.support import unsupported
from webnova.generator.toolchain import phase_commands
from webnova.governance.compliance.engine import evaluate


def _on_fastapi(data: dict[str, Any], frontend: str = "none") -> Blueprint:
    data["stack"].update(frontend=frontend, backend="fastapi", language="python")
    if frontend == "none":
        data.update(template="api-only", pages=[])
    return Blueprint.model_validate(data)


def _api_only() -> dict[str, Any]:
    preset = load_catalog().get("api-only")
    assert preset is not None
    return preset.blueprint().model_dump(mode="json")


def test_an_api_on_fastapi_is_generatable_and_a_react_frontend_on_it_is_not_yet() -> None:
    assert unsupported(_on_fastapi(_api_only())) == []
    issues = unsupported(_on_fastapi(compliant_data(), frontend="react"))
    assert [i.code for i in issues] == ["stack_not_generatable"]
    assert "none+fastapi" in issues[0].message


def test_the_fastapi_tree_is_valid_python_with_a_router_model_and_tests_per_entity() -> None:
    tree = render_project(_on_fastapi(_api_only()))
    for path, text in tree.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)  # raises on a template slip
    for entity in ("warehouse", "stock_item"):
        assert f"app/routes/{entity}.py" in tree
        assert f"tests/test_{entity}.py" in tree
    assert "package.json" not in tree
    assert "fastapi" in tree["requirements.txt"]
    models = tree["app/models.py"]
    assert '__tablename__ = "warehouses"' in models


def test_the_same_blueprint_renders_a_byte_identical_fastapi_tree() -> None:
    bp = _on_fastapi(_api_only())
    assert render_project(bp) == render_project(bp)


def test_generating_a_fastapi_project_writes_it(tmp_path: Path) -> None:
    outcome = generate_project(_on_fastapi(_api_only()), tmp_path / "api", run_id="t")
    assert outcome.ok, outcome
    assert (tmp_path / "api/app/main.py").is_file()


def test_phi_and_lists_keep_sensitive_fields_encrypted_and_out_of_summaries() -> None:
    tree = render_project(_on_fastapi(clinic_data()))
    models = tree["app/models.py"]
    assert 'full_name: Mapped[Any] = mapped_column("full_name", EncryptedText' in models
    summary = tree["app/schemas.py"].split("class PatientSummary")[1].split("class PatientOut")[0]
    assert "email" not in summary and "medical_notes" not in summary


def test_a_fastapi_clinic_under_every_pack_passes_every_control(tmp_path: Path) -> None:
    write_tree(render_project(_on_fastapi(compliant_data())), tmp_path)
    report = evaluate(project_dir=tmp_path)
    assert report.packs == ["pci-dss", "hipaa", "gdpr"]
    failing = {r.id: [f.message.en for s in r.stages for f in s.findings if not f.ok]
               for r in report.results if r.status != "pass"}
    assert failing == {}


def test_python_projects_install_into_their_own_virtualenv_and_run_pytest(tmp_path: Path) -> None:
    bp = _on_fastapi(_api_only())
    install = phase_commands(bp, "install", tmp_path)
    assert install[0] == ["python3", "-m", "venv", ".venv"]
    assert "requirements-dev.txt" in install[1]
    assert phase_commands(bp, "test", tmp_path) == [[".venv/bin/python", "-m", "pytest"]]
    express = Blueprint.model_validate(clinic_data())
    assert phase_commands(express, "test", tmp_path) == [["npm", "test"]]


@pytest.mark.parametrize(("column", "attr"), [
    ("full_name", "full_name"), ("class", "class_"), ("metadata", "metadata_"),
    ("json", "json_"), ("model_config", "model_config_"), ("id", "id_"),
])
def test_columns_python_or_its_base_classes_own_get_a_trailing_underscore(
    column: str, attr: str
) -> None:
    assert python_attr(column) == attr
