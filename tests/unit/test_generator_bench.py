"""The generator bench's raw-Jinja baseline renders what the generator renders, for every
generatable template (shared partials and every path token included), so its ratio compares
like with like and the bench cannot silently break when a tree starts using includes."""

from __future__ import annotations

from pathlib import Path

import pytest

from webnova.benchkit import load_bench_module
from webnova.generator.catalog import load_catalog
from webnova.generator.render import render_project

GENERATABLE = [t for t in load_catalog().templates if t.generatable]


@pytest.mark.parametrize("entry", GENERATABLE, ids=[t.id for t in GENERATABLE])
def test_the_raw_baseline_writes_the_files_the_generator_writes(entry: object,
                                                                tmp_path: Path) -> None:
    bench = load_bench_module("generator")
    blueprint = entry.blueprint()  # type: ignore[attr-defined]
    bench._raw_render(blueprint, tmp_path)
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    generated = set(render_project(blueprint))
    # The generator adds its metadata (manifest, blueprint copy, openapi.json) after rendering.
    assert written and written <= generated
    assert {p for p in generated - written if not p.startswith(".webnova")} <= {"openapi.json"}
