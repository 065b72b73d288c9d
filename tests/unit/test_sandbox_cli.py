"""`webnova sandbox run` and `webnova sandbox probe`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from webnova.adapters.sandbox.cli import app


@pytest.fixture(autouse=True)
def _local_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("E2B_API_KEY", "WEBNOVA_E2B_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEBNOVA_HOME", str(tmp_path / "home"))


def test_run_prints_output_exit_code_stop_reason_isolation_and_duration(tmp_path: Path) -> None:
    program = tmp_path / "hello.py"
    program.write_text("print('hello from the sandbox')\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--lang", "python", str(program)])
    assert result.exit_code == 0, result.output
    assert "hello from the sandbox" in result.stdout
    for label in ("exit code", "timed out", "stop reason", "isolation", "duration"):
        assert label in result.stderr


def test_run_reads_standard_input_and_prints_json() -> None:
    result = CliRunner().invoke(app, ["run", "--lang", "bash", "-", "--json", "--timeout", "5"],
                                input="echo hi; exit 4\n")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["stdout"] == "hi\n"
    assert data["exit_code"] == 4
    assert data["timed_out"] is False
    assert data["stop_reason"] == "exited"
    assert data["isolation"] in ("bubblewrap", "rlimits-only")
    assert data["duration_s"] > 0


def test_a_timeout_is_reported_with_exit_status_one() -> None:
    result = CliRunner().invoke(app, ["run", "--lang", "python", "-", "--timeout", "0.5",
                                      "--json"], input="import time\ntime.sleep(30)\n")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["timed_out"] is True
    assert data["stop_reason"] == "timeout"


@pytest.mark.parametrize(("args", "stdin"), [
    (["run", "--lang", "cobol", "-"], "x"),
    (["run", "--lang", "python", "-"], ""),
    (["run", "--lang", "python", "-"], b"\xff\xfe\x00\x01"),
    (["run", "--lang", "python", "/nonexistent/file.py"], None),
])
def test_bad_input_is_a_clear_error_with_exit_status_two(args: list[str],
                                                         stdin: str | bytes | None) -> None:
    result = CliRunner().invoke(app, args, input=stdin)
    assert result.exit_code == 2
    assert result.stderr.strip()


def test_code_the_prescan_blocks_exits_three_with_its_reasons() -> None:
    result = CliRunner().invoke(app, ["run", "--lang", "bash", "-"], input="cat /etc/shadow\n")
    assert result.exit_code == 3
    assert "secrets.host-files" in result.stderr


def test_probe_shows_the_isolation_level() -> None:
    result = CliRunner().invoke(app, ["probe", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["level"] in ("bubblewrap", "rlimits-only")
