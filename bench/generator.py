"""Generator benchmark: per template, rendering and committing next to same-run baselines.

* render: `render_project` + `write_tree` (context, OpenAPI, sandboxed Jinja, writing the files)
  next to a raw, unsandboxed Jinja render of the same template files with the same context,
  also written to disk. Target: at most 1.5x the raw render.
* commit: `ProjectRepo.init` + `commit_all` of the written project next to `git init`,
  `git add -A`, `git commit` run directly. Target: at most 1.5x the git CLI.

Medians of several repeats; peak RSS is reported with the table.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from webnova.adapters.git import ProjectRepo
from webnova.benchkit import BenchReport, BenchRow, time_each
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.context import build_context
from webnova.generator.openapi import openapi_document
from webnova.generator.render import (
    expansions,
    render_project,
    templates_root,
    tree_sources,
    write_tree,
)
from webnova.generator.support import layout_for
from webnova.settings import Settings

REPEATS = 5
TARGET = 1 / 1.5  # ratio = baseline / value, so 1.5x slower is 0.67


# The same loader as the generator's (templates root), so `{% include %}` of shared partials
# works; what the baseline leaves out is the sandbox, not the file lookup.
_RAW_ENV = Environment(loader=FileSystemLoader(templates_root(), encoding="utf-8"),
                       auto_reload=False, undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=True, lstrip_blocks=True, autoescape=False)
_RAW_ENV.filters["json"] = json.dumps
_RAW_COMPILED: dict[str, Template] = {}


def _raw_render(bp: Blueprint, out: Path) -> None:
    """The baseline: a plain Jinja environment over the same files, no sandbox, then writes.

    Compiled templates are reused across repeats, as the generator's own cache does, so the
    comparison is render against render.
    """
    context: dict[str, Any] = build_context(bp)
    context["openapi_json"] = json.dumps(openapi_document(bp, context), indent=2)
    layout = layout_for(bp)
    assert layout is not None
    files: dict[str, str] = {}
    for tree in layout.trees:
        for path, text, is_template in tree_sources(tree):
            if not is_template:
                files[path] = text
                continue
            template = _RAW_COMPILED.get(text)
            if template is None:
                template = _RAW_COMPILED[text] = _RAW_ENV.from_string(text)
            # The generator's own expansion of __page__/__entity__/__route__ names.
            for name, values in expansions(path[:-3], context):
                files[name] = template.render(values)
    write_tree({p: t for p, t in files.items() if t.strip()}, out)


def _fresh(root: Path, name: str) -> Path:
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _git_cli_commit(folder: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "add", "-A")
    git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "x")


def _adapter_commit(folder: Path) -> None:
    ProjectRepo.init(folder).commit_all("generate", 1, "bench")


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _bench_template(bp: Blueprint, root: Path) -> list[BenchRow]:
    render_ms = _median_ms(time_each(
        lambda: write_tree(render_project(bp), _fresh(root, "ours")), REPEATS))
    raw_ms = _median_ms(time_each(lambda: _raw_render(bp, _fresh(root, "raw")), REPEATS))
    tree = render_project(bp)
    files = len(tree)

    def prepared(name: str) -> Path:
        folder = _fresh(root, name)
        write_tree(tree, folder)
        return folder

    ours: list[float] = []
    cli: list[float] = []
    for _ in range(REPEATS):
        for name, commit, samples in (("git-ours", _adapter_commit, ours),
                                      ("git-cli", _git_cli_commit, cli)):
            folder = prepared(name)
            started = time.perf_counter()
            commit(folder)
            samples.append(time.perf_counter() - started)
    return [
        BenchRow(f"{bp.template}: render+write", "local", render_ms, "ms", baseline=raw_ms,
                 target=TARGET, higher_is_better=False, extra={"files": files}),
        BenchRow(f"{bp.template}: commit", "git", _median_ms(ours), "ms",
                 baseline=_median_ms(cli), target=TARGET, higher_is_better=False,
                 extra={"files": files}),
    ]


def run(settings: Settings) -> BenchReport:
    """Benchmark every generatable template (see the module docstring)."""
    report = BenchReport(name="generator")
    with tempfile.TemporaryDirectory(prefix="webnova-bench-") as scratch:
        root = Path(scratch)
        for entry in load_catalog().templates:
            if not entry.generatable:
                report.notes.append(f"{entry.id}: not generatable yet, skipped")
                continue
            report.rows.extend(_bench_template(entry.blueprint(), root))
    report.notes.append(f"medians of {REPEATS} runs; baselines measured in the same run; "
                        f"home={settings.home}")
    return report
