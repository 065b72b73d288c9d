"""`bench/sandbox.py`: the rows `webnova bench sandbox` prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from webnova.benchkit import load_bench_module
from webnova.settings import load_settings


def test_the_sandbox_bench_compares_each_level_with_a_bare_subprocess(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_bench_module("sandbox")
    monkeypatch.setattr(bench, "REPEATS", 3)
    monkeypatch.setattr(bench, "WARMUP", 1)
    report = bench.run(load_settings(home=tmp_path))
    data = report.to_json()
    backends = {row["backend"] for row in data["rows"]}
    assert "bare subprocess" in backends
    assert "LocalSandbox rlimits-only" in backends
    sandboxed = [r for r in data["rows"] if r["backend"].startswith("LocalSandbox")]
    assert all(r["baseline"] and r["value"] > 0 and r["ratio"] for r in sandboxed)
    assert {r["case"] for r in data["rows"]} == {"python start-to-exit p50",
                                                 "python start-to-exit p95"}
    assert data["peak_rss_mb"] > 0
