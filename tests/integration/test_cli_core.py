"""The core commands of the `webnova` CLI, run in-process against an isolated home."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from webnova import cli
from webnova.core import db
from webnova.core.platform import Platform
from webnova.settings import Settings, load_settings


@pytest.fixture
def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Invoke the CLI with these settings; returns (exit code, stdout, stderr)."""
    def invoke(*args: str, use: Settings | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(cli._State, "settings", use or settings)
        result = CliRunner().invoke(cli.app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _seed(settings: Settings, tenant: str, n: int = 3) -> None:
    with Platform.open(settings=settings) as platform:
        for i in range(n):
            platform.tenant(tenant).audit.record("alice", "approve", f"run/{i}")


def test_db_upgrade_creates_the_schema_and_status_reports_it(run_cli, settings: Settings) -> None:
    head = db.head_revision()
    code, out, _ = run_cli("db", "upgrade")
    assert code == 0 and head in out
    code, out, _ = run_cli("db", "status")
    assert code == 0 and head in out


def test_audit_verify_exits_0_when_intact(run_cli, settings: Settings) -> None:
    _seed(settings, "acme")
    code, out, _ = run_cli("audit", "verify", "--tenant", "acme")
    assert code == 0
    assert "intact" in out and "3" in out


def test_audit_verify_exits_1_naming_the_first_broken_entry(run_cli, settings: Settings) -> None:
    _seed(settings, "acme", 4)
    _seed(settings, "other", 2)
    with Platform.open(settings=settings) as platform, platform.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.execute(text("UPDATE audit_log SET target = 'run/forged' WHERE tenant_id = 'acme' "
                          "AND seq = 2"))
    code, out, err = run_cli("audit", "verify")
    assert code == 1
    assert "BROKEN at entry 2" in err
    assert "other" in out  # the intact tenant is still reported
    code, out, _ = run_cli("audit", "verify", "--json")
    results = {r["tenant_id"]: r for r in json.loads(out)}
    assert results["acme"]["first_broken"] == 2 and results["other"]["ok"]


def test_audit_verify_speaks_arabic(run_cli, settings: Settings) -> None:
    _seed(settings, "acme", 11)
    code, out, _ = run_cli("--lang", "ar", "audit", "verify", "--tenant", "acme")
    assert code == 0
    assert "سلسلة التدقيق سليمة" in out and "قيدًا" in out


def test_audit_export_writes_json_lines(run_cli, settings: Settings, tmp_path: Path) -> None:
    _seed(settings, "acme", 2)
    target = tmp_path / "audit.jsonl"
    code, _, err = run_cli("audit", "export", "--tenant", "acme", "--out", str(target))
    assert code == 0 and "2" in err
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [entry["seq"] for entry in lines] == [1, 2]


def test_a_malformed_tenant_is_a_clear_error(run_cli) -> None:
    code, _, err = run_cli("audit", "verify", "--tenant", "Not Valid")
    assert code == 2 and "Invalid tenant" in err


def test_health_reports_every_component_with_latency(run_cli) -> None:
    code, out, _ = run_cli("health", "--json")
    checks = {c["name"]: c for c in json.loads(out)}
    assert set(checks) == {"database", "migrations", "checkpointer", "sandbox", "deployments",
                           "model"}
    assert checks["model"]["detail"]["mode"] == "offline"
    assert checks["deployments"]["detail"]["data"] == "memory"  # no deploy database configured
    assert checks["sandbox"]["detail"]["network"] in ("registry", "off")
    assert checks["database"]["ok"] and checks["database"]["detail"]["backend"] == "sqlite"
    assert all(c["latency_ms"] >= 0 for c in checks.values())
    assert code == (0 if all(c["ok"] for c in checks.values()) else 1)


def test_health_shows_an_unfiltered_sandbox_network_when_configured(
        run_cli, settings: Settings) -> None:
    _code, out, _ = run_cli("health", "--json",
                           use=settings.model_copy(update={"sandbox_network": "host"}))
    sandbox = next(c for c in json.loads(out) if c["name"] == "sandbox")
    assert sandbox["detail"]["network"] == "host"


def test_health_never_prints_a_database_password(run_cli, tmp_path: Path) -> None:
    secret = load_settings(home=tmp_path, database_url=(
        "postgresql+psycopg://someone:hunter2@127.0.0.1:1/nowhere"))
    code, out, _ = run_cli("health", "--json", use=secret)
    assert code == 1
    assert "hunter2" not in out
    assert json.loads(out)[0]["ok"] is False


def test_an_unknown_benchmark_lists_the_available_ones(run_cli) -> None:
    code, _, err = run_cli("bench", "nope")
    assert code == 2 and "eventstore" in err


def test_audit_verify_checks_heads_published_in_git(run_cli, settings: Settings,
                                                    tmp_path: Path) -> None:
    import subprocess

    from webnova.governance.tamper import publish_head

    repo = tmp_path / "project"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "init"], check=True)
    _seed(settings, "acme", 3)
    with Platform.open(settings=settings) as platform:
        head = platform.tenant("acme").audit.head()
        assert head is not None
        assert publish_head(repo, head, reason="deploy").ok
    code, out, _ = run_cli("audit", "verify", "--tenant", "acme", "--repo", str(repo))
    assert code == 0 and "match" in out

    # Rewrite history consistently inside the database: the chain verifies, git does not agree.
    with Platform.open(settings=settings) as platform, platform.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        conn.execute(text("DELETE FROM audit_log WHERE tenant_id = 'acme' AND seq = 3"))
    code, _, err = run_cli("audit", "verify", "--tenant", "acme", "--repo", str(repo))
    assert code == 1
    assert "entry 3" in err
