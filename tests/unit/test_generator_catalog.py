"""The template catalog and `webnova templates`."""

from __future__ import annotations

import json

import pytest
import typer
import yaml
from typer.testing import CliRunner

from webnova.generator import generator_cli
from webnova.generator.blueprint import TEMPLATE_IDS, Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.validation import parse_blueprint

CATALOG = load_catalog()


def cli() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """Root."""

    root.add_typer(generator_cli.app, name="generate")
    root.add_typer(generator_cli.templates_app, name="templates")
    return root


def test_catalog_lists_each_of_the_twelve_templates_once() -> None:
    assert sorted(t.id for t in CATALOG.templates) == sorted(TEMPLATE_IDS)
    assert len(TEMPLATE_IDS) == 12


@pytest.mark.parametrize("entry", CATALOG.templates, ids=lambda e: e.id)
def test_every_preset_is_a_valid_blueprint_with_arabic_and_english_names(entry) -> None:
    bp = entry.blueprint()
    assert isinstance(bp, Blueprint)
    assert bp.template == entry.id
    assert entry.name.en and entry.name.ar and entry.description.ar
    assert any("\u0600" <= ch <= "\u06ff" for ch in entry.name.ar)


def test_presets_fit_their_domain() -> None:
    def entities(template: str) -> set[str]:
        return {e.name for e in CATALOG.get(template).blueprint().entities}  # type: ignore[union-attr]

    assert {"Product", "Category", "CartItem", "Order", "Customer"} <= entities("ecommerce")
    assert {"Post", "Category", "Tag", "Author"} <= entities("blog-cms")
    assert entities("landing-page") == set()


def test_generatable_templates_are_exactly_those_with_rendered_stacks() -> None:
    ready = {t.id for t in CATALOG.templates if t.generatable}
    assert ready == {"react-express", "api-only", "static-site", "landing-page", "mobile-pwa",
                     "ecommerce", "saas-starter", "blog-cms", "dashboard", "svelte-express",
                     "vue-fastify", "nextjs-fullstack"}


def test_templates_json_lists_names_in_the_requested_language() -> None:
    result = CliRunner().invoke(cli(), ["templates", "--json", "--lang", "ar"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    shop = next(e for e in entries if e["id"] == "ecommerce")
    assert shop["name"] == "متجر إلكتروني"
    assert shop["stack"]["backend"] == "express"


def test_templates_show_blueprint_prints_yaml_that_validates() -> None:
    result = CliRunner().invoke(cli(), ["templates", "show", "blog-cms", "--blueprint"])
    assert result.exit_code == 0, result.output
    parsed = parse_blueprint(result.output, filename="preset.yaml")
    assert parsed.ok, parsed.issues
    assert yaml.safe_load(result.output)["template"] == "blog-cms"


def test_templates_show_refuses_an_unknown_id() -> None:
    result = CliRunner().invoke(cli(), ["templates", "show", "wordpress"])
    assert result.exit_code == 2
    assert "ecommerce" in result.output
