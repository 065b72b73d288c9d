"""The governor end to end: a healthcare blueprint with an unencrypted PHI field is blocked at
review (HIPAA control named in English and Arabic), fixed by a revision and released; the audit
head goes into git and the database is checked against it; the CLI drives it all."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.unit.governance_trees import clinic_data, compliant_data, express_tree
from webnova import cli as root_cli
from webnova.core.platform import Platform
from webnova.generator.blueprint import Blueprint
from webnova.governance.cli import govern_app, users_app
from webnova.governance.compliance.engine import evaluate
from webnova.governance.people import Role
from webnova.governance.policy import ActionContext, Outcome, Risk
from webnova.governance.report import build_report, render_text
from webnova.governance.service import Governance
from webnova.governance.tamper import (
    publish_head,
    published_heads,
    verify_against_published,
    verify_repo,
)
from webnova.settings import Settings

PASSWORD = "correct horse battery"


def _unencrypted_phi() -> dict[str, Any]:
    """The compliant clinic with the shipped example's flaw: full_name is PHI, not encrypted."""
    data = compliant_data()
    del data["entities"][0]["fields"][0]["encrypted"]
    assert data["entities"][0]["fields"][0] == clinic_data()["entities"][0]["fields"][0]
    return data


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C",
                    str(repo), *args], check=True, capture_output=True)


def _repo(path: Path) -> Path:
    express_tree(path)
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "generated")
    return path


def test_an_unencrypted_phi_field_blocks_review_until_a_revision_fixes_it(
        platform: Platform, tenant_id: str, tmp_path: Path) -> None:
    gov = Governance(platform, tenant_id)
    owner = gov.people.create_owner("owner@clinic.example", PASSWORD)
    dev = gov.people.add(owner, "dev@clinic.example", PASSWORD, Role.DEVELOPER)

    # Review of the shipped clinic example: Patient.full_name is PHI but not encrypted.
    v1 = Blueprint.model_validate(_unencrypted_phi())
    review = gov.waivers.apply(evaluate(blueprint=v1))
    assert not review.release_allowed
    assert [r.id for r in review.blocking] == ["hipaa.phi-encryption"]
    blocked = review.result("hipaa.phi-encryption")
    assert blocked.title.en == "PHI fields encrypted at rest"
    assert blocked.title.ar == "تشفير حقول المعلومات الصحية المحمية (PHI) أثناء التخزين"
    assert blocked.failures()[0].message.ar == \
        "حقل المعلومات الصحية Patient.full_name غير مشفَّر أثناء التخزين"
    text_ar = render_text(build_report_for(v1, tmp_path), locale="ar")
    assert "hipaa.phi-encryption" in text_ar and "غير مشفَّر" in text_ar

    # The revision encrypts the field; blueprint review and the generated code both pass.
    entities = v1.model_dump()["entities"]
    entities[0]["fields"][0]["encrypted"] = True
    v2 = v1.revise(entities=entities)
    assert v2.version == 2 and evaluate(blueprint=v2).release_allowed
    project = _repo(tmp_path / "clinic")
    release = gov.waivers.apply(evaluate(blueprint=v2, project_dir=project))
    assert release.release_allowed, [r.id for r in release.blocking]

    # Release: production deploy needs the owner's approval, recorded and published to git.
    decision = gov.policy.decide("release", Risk.EXTERNAL, dev, ActionContext(
        target="project:clinic-booking", environment="production", tests_passed=True,
        region="frankfurt"))
    assert decision.outcome is Outcome.ASK
    approval = gov.policy.approve(decision, owner, reason="HIPAA review passed")
    head = gov.tenant.audit.head()
    assert head is not None and head.seq == approval.audit_seq
    assert publish_head(project, head, reason="approval").ok
    assert verify_repo(gov.tenant.audit, gov.tenant.id, project).ok


def build_report_for(bp: Blueprint, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "bp.json"
    path.write_text(bp.model_dump_json())
    return build_report(path)


def test_published_heads_catch_a_truncated_or_rewritten_chain(
        platform: Platform, tenant_id: str, tmp_path: Path) -> None:
    gov = Governance(platform, tenant_id)
    for i in range(3):
        gov.tenant.audit.record("alice", "approve", f"run/{i}")
    project = _repo(tmp_path / "p")
    head = gov.tenant.audit.head()
    assert head is not None
    assert publish_head(project, head, reason="deployment").ok
    assert publish_head(project, head, reason="again").ok  # idempotent per entry
    heads = published_heads(project, tenant_id)
    assert [(h.seq, h.hash) for h in heads] == [(3, head.hash)]
    assert verify_against_published(gov.tenant.audit, tenant_id, heads).ok

    other = Governance(platform, f"{tenant_id}-b")  # a chain that never had entry 3
    other.tenant.audit.record("mallory", "approve", "run/0")
    truncated = verify_against_published(other.tenant.audit, tenant_id, heads)
    assert not truncated.ok and "missing" in truncated.problems[0]
    forged = heads[0].model_copy(update={"hash": "0" * 64})
    rewritten = verify_against_published(gov.tenant.audit, tenant_id, [forged])
    assert not rewritten.ok and "differs" in rewritten.problems[0]


def test_publishing_into_a_repository_without_commits_is_reported_not_raised(
        platform: Platform, tenant_id: str, tmp_path: Path) -> None:
    gov = Governance(platform, tenant_id)
    head = gov.tenant.audit.record("a", "b", "c")
    empty = tmp_path / "empty"
    empty.mkdir()
    _git(empty, "init", "-q")
    result = publish_head(empty, gov.tenant.audit.head() or pytest.fail(str(head)),
                          reason="approval")
    assert not result.ok and result.error


# ---------------------------------------------------------------- CLI


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    app = typer.Typer()
    app.add_typer(users_app, name="users")
    app.add_typer(govern_app, name="govern")
    monkeypatch.setattr(root_cli._State, "settings", settings)

    def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, list(args), input=stdin)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_the_users_cli_creates_adds_suspends_and_lists(run, settings: Settings) -> None:
    code, out, _ = run("users", "create-owner", "--email", "root@example.com", "--tenant", "acme",
                       stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0 and "root@example.com" in out
    code, _, err = run("users", "create-owner", "--email", "x@example.com", "--password",
                       PASSWORD, "--tenant", "acme")
    assert code == 2 and "root owner" in err
    code, out, _ = run("users", "add", "--email", "dev@example.com", "--role", "developer",
                       "--password", PASSWORD, "--tenant", "acme", "--as", "root@example.com")
    assert code == 0 and "developer" in out
    code, _, err = run("users", "add", "--email", "v@example.com", "--role", "viewer",
                       "--password", PASSWORD, "--tenant", "acme", "--as", "dev@example.com")
    assert code == 2 and "may not" in err
    code, out, _ = run("users", "suspend", "--email", "dev@example.com", "--reason", "left",
                       "--tenant", "acme")
    assert code == 0 and "suspended" in out
    code, out, _ = run("users", "list", "--tenant", "acme", "--json")
    listed = json.loads(out)
    assert [(m["email"], m["status"]) for m in listed] == [
        ("root@example.com", "ACTIVE"), ("dev@example.com", "SUSPENDED")]
    with Platform.open(settings=settings) as platform:
        actions = [e.action for e in platform.tenant("acme").audit.entries()]
    assert actions == ["user.create_owner", "user.create_owner.refused", "user.add",
                       "user.add.refused", "user.suspend"]


def test_govern_report_exits_1_when_blocked_and_0_when_clean(run, tmp_path: Path) -> None:
    project = express_tree(tmp_path / "clinic")
    bad = tmp_path / "clinic.json"
    bad.write_text(json.dumps(_unencrypted_phi()))
    code, out, _ = run("govern", "report", str(bad))
    assert code == 1 and "[FAIL] hipaa.phi-encryption" in out
    (project / "blueprint.json").write_text(json.dumps(compliant_data()))
    code, out, _ = run("govern", "report", str(project), "--json")
    report = json.loads(out)
    assert code == 0 and report["release_allowed"] and len(report["compliance"]["results"]) == 15


def test_govern_cli_waives_with_a_reason_and_rejects_a_bad_constitution(
        run, tmp_path: Path) -> None:
    run("users", "create-owner", "--email", "root@example.com", "--password", PASSWORD)
    bad = tmp_path / "clinic.json"
    bad.write_text(json.dumps(_unencrypted_phi()))
    code, _, err = run("govern", "waive", "--project", "clinic-booking", "--control",
                       "hipaa.phi-encryption", "--reason", "")
    assert code == 2 and "reason" in err
    code, _, _ = run("govern", "waive", "--project", "clinic-booking", "--control",
                     "hipaa.phi-encryption", "--reason", "names are public in this registry",
                     "--as", "root@example.com")
    assert code == 0
    code, out, _ = run("govern", "report", str(bad), "--tenant", "default")
    assert code == 0 and "waived by root@example.com" in out
    constitution = tmp_path / "constitution.yaml"
    constitution.write_text("constitution: 1\nspend:\n  max_per_day_usd: -1\n")
    code, _, err = run("govern", "constitution", str(constitution))
    assert code == 2 and f"{constitution}:3:" in err
    code, out, _ = run("govern", "constitution")
    assert code == 0 and out.startswith("# version 0")


def test_govern_cli_says_when_a_waiver_lapses_and_checks_the_served_address(
        run, tmp_path: Path) -> None:
    run("users", "create-owner", "--email", "root@example.com", "--password", PASSWORD)
    code, out, _ = run("govern", "waive", "--project", "clinic-booking", "--control",
                       "pci-dss.tls", "--reason", "TLS ends at the hospital's proxy",
                       "--as", "root@example.com")
    assert code == 0 and "The waiver lapses on " in out
    blueprint = tmp_path / "clinic.json"
    blueprint.write_text(json.dumps(compliant_data()))
    code, out, _ = run("govern", "report", str(blueprint), "--url", "http://clinic.example.com")
    assert code == 1
    assert "served over plain HTTP (http://clinic.example.com)" in out
    code, out, _ = run("govern", "report", str(blueprint), "--url", "https://clinic.example.com")
    assert code == 0 and "served over HTTPS" in out
