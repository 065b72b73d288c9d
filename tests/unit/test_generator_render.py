"""Rendering: sandboxed, strict, deterministic, and refusing what it cannot build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.generate import generate_project
from webnova.generator.render import make_environment, render_project
from webnova.generator.support import ToolchainMissingError, require_toolchain, unsupported

CATALOG = load_catalog()


def preset(template: str) -> Blueprint:
    entry = CATALOG.get(template)
    assert entry is not None
    return entry.blueprint()


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".git" not in p.parts}


def test_the_same_blueprint_gives_a_byte_identical_tree(tmp_path: Path) -> None:
    bp = preset("ecommerce")
    assert generate_project(bp, tmp_path / "a", run_id="x").ok
    assert generate_project(bp, tmp_path / "b", run_id="y").ok
    first, second = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert first == second
    assert len(first) > 40


def test_project_has_the_promised_files() -> None:
    tree = render_project(preset("blog-cms"))
    for path in ("package.json", "tsconfig.json", ".env.example", "Dockerfile", "README.md",
                 "openapi.json", "server/src/migrations.ts", "server/src/routes/post.ts",
                 "tests/integration/post.test.ts", "tests/unit/validation.test.ts",
                 "tests/e2e/smoke.test.ts", "web/src/i18n.ts", ".webnova/manifest.json"):
        assert path in tree, path
    assert "dir=\"rtl\" lang=\"ar\"" in tree["README.md"]
    openapi = json.loads(tree["openapi.json"])
    assert "/api/posts/{id}" in openapi["paths"]


def test_sensitive_fields_stay_out_of_list_schemas_and_encrypted_ones_are_encrypted() -> None:
    tree = render_project(preset("ecommerce"))
    schemas = json.loads(tree["openapi.json"])["components"]["schemas"]
    assert "email" in schemas["Customer"]["properties"]
    assert "email" not in schemas["CustomerSummary"]["properties"]
    assert "encryptValue(value)" in tree["server/src/services/customer.ts"]


def test_static_templates_render_one_html_file_per_page() -> None:
    tree = render_project(preset("static-site"))
    assert {"site/index.html", "site/about/index.html", "site/contact/index.html"} <= set(tree)
    assert "server/src/app.ts" not in tree


def test_pwa_files_only_for_the_mobile_template() -> None:
    assert "web/public/manifest.webmanifest" in render_project(preset("mobile-pwa"))
    assert "web/public/manifest.webmanifest" not in render_project(preset("dashboard"))


def test_templates_cannot_reach_python_internals_or_undefined_names() -> None:
    env = make_environment()
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()


def test_stacks_without_template_trees_are_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    # Vue on Express: both trees exist, but not that pair.
    data = preset("dashboard").model_dump(mode="json")
    data["stack"].update(frontend="vue", backend="express")
    bp = Blueprint.model_validate(data)
    issues = unsupported(bp)
    assert [i.path for i in issues] == ["stack"]
    outcome = generate_project(bp, tmp_path / "vue-express")
    assert outcome.status == "invalid"
    assert "vue" in outcome.message + " ".join(i.message for i in outcome.issues)
    assert not (tmp_path / "vue-express").exists()


def test_an_invalid_blueprint_reports_field_paths_and_writes_nothing(tmp_path: Path) -> None:
    outcome = generate_project(
        "name: X\nslug: xy\ndomain: general\ntemplate: api-only\n"
        "stack: {frontend: none, backend: express, language: python, database: none}\n",
        tmp_path / "out")
    assert outcome.status == "invalid"
    assert "stack.language" in [i.path for i in outcome.issues]
    assert not (tmp_path / "out").exists()


def test_a_non_empty_foreign_folder_is_refused_unless_forced(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me\n")
    refused = generate_project(preset("landing-page"), folder)
    assert refused.status == "refused"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    forced = generate_project(preset("landing-page"), folder, force=True)
    assert forced.status == "created"
    assert (folder / "notes.txt").read_text() == "keep me\n"
    assert (folder / "site" / "index.html").is_file()


def test_a_missing_toolchain_is_named_in_the_error() -> None:
    with pytest.raises(ToolchainMissingError, match="npm"):
        require_toolchain(preset("api-only"), "install",
                          which=lambda name: None if name == "npm" else f"/usr/bin/{name}")


def test_datetimes_need_a_four_digit_year_the_database_drivers_read_back() -> None:
    # Schemathesis found it: 0014-10-30T04:57:42-04:59 made the driver throw (a 500), and
    # 0099 comes back from PGlite as 1999.
    preset = load_catalog().get("vue-fastify")
    assert preset is not None
    tree = render_project(preset.blueprint())
    assert ".datetime({ offset: true }).regex(/^[1-9]\\d{3}-/" in tree["server/src/validation.ts"]
    assert "'0014-10-30T04:57:42-04:59'" in tree["tests/unit/validation.test.ts"]
