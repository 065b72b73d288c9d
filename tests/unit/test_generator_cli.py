"""`webnova generate` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from webnova.generator import generator_cli
from webnova.generator.catalog import load_catalog, preset_yaml


def cli() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """Root."""

    root.add_typer(generator_cli.app, name="generate")
    return root


def landing_file(tmp_path: Path) -> Path:
    entry = load_catalog().get("landing-page")
    assert entry is not None
    path = tmp_path / "landing.yaml"
    path.write_text(preset_yaml(entry), encoding="utf-8")
    return path


def test_generate_then_preview_an_unchanged_blueprint(tmp_path: Path) -> None:
    source, out = landing_file(tmp_path), tmp_path / "site"
    created = CliRunner().invoke(cli(), ["generate", str(source), "--out", str(out), "--json"])
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["status"] == "created"
    preview = CliRunner().invoke(cli(), ["generate", str(source), "--out", str(out),
                                         "--preview", "--json"])
    assert preview.exit_code == 0, preview.output
    impact = json.loads(preview.output)["impact"]
    assert impact["added"] == impact["changed"] == impact["removed"] == []


def test_generate_exits_2_with_paths_for_an_invalid_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\nslug: x\n", encoding="utf-8")
    result = CliRunner().invoke(cli(), ["generate", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "template" in result.output
    assert not (tmp_path / "o").exists()


def test_generate_exits_2_for_an_unreadable_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["generate", str(tmp_path / "nope.yaml"), "--out",
                                        str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "nope.yaml" in result.output


def test_arabic_fragment_keeps_every_placeholder() -> None:
    import re

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with (root / "locales" / "pending" / "generator.po").open("rb") as po:
        catalog = read_po(po, locale="ar")
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        wanted = set(re.findall(r"\{(\w+)\}", source)) - {"count"}
        targets = message.string if isinstance(message.string, tuple | list) else [message.string]
        for target in targets:
            assert target, source
            assert wanted <= set(re.findall(r"\{(\w+)\}", target)), (source, target)
