"""`webnova bench ui` really drives Chromium against both servers and reports every figure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from webnova.chat.server import environ_with

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_ui_reports_latencies_and_memory_next_to_a_bare_chainlit(tmp_path: Path) -> None:
    env = environ_with({"WEBNOVA_HOME": str(tmp_path / "home"), "WEBNOVA_DATABASE_URL": "",
                        "WEBNOVA_ANTHROPIC_API_KEY": ""})
    webnova = Path(sys.executable).parent / "webnova"
    done = subprocess.run([str(webnova), "bench", "ui", "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    rows = {row["case"]: row for row in report["rows"]}
    assert set(rows) == {"send -> first agent step", "send -> first approval prompt",
                         "server RSS, idle", "server RSS, peak over the rounds"}
    for row in rows.values():
        assert row["value"] > 0 and row["baseline"] > 0 and row["ratio"] > 0
    step, approval = rows["send -> first agent step"], rows["send -> first approval prompt"]
    assert approval["value"] >= step["value"]  # the approval comes after the first step
    assert len(step["extra"]["samples"]) == 3
