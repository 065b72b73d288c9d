"""The fast project scan still finds what the checks look for, and its caches never go stale.

The scan reads each file once, tokenises only server-side TypeScript modules (those naming an API
the checks read) and caches tokens and secret scans by content hash. These tests place violations
where the scan still looks (a large generated data file, a new route module) and edit files
between evaluations of the same tree.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tests.unit.governance_trees import compliant_blueprint, edit, express_tree
from webnova.governance.compliance import project, tsscan
from webnova.governance.compliance.engine import ComplianceReport, evaluate

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def express(tmp_path: Path) -> Path:
    return express_tree(tmp_path / "clinic")


def _evaluate(root: Path) -> ComplianceReport:
    return evaluate(blueprint=compliant_blueprint(), project_dir=root)


def _generated_document(lines: int) -> str:
    body = "\n".join(f'  "path{i}": {{ "get": {{ "operationId": "op{i}" }} }},'
                     for i in range(lines))
    return f"// The OpenAPI document, generated.\nexport const openapi = {{\n{body}\n}};\n"


def test_a_secret_inside_a_large_generated_data_file_is_still_found(express: Path) -> None:
    document = _generated_document(12_000)  # ~600 KB, names no API the TypeScript reader reads
    lines = document.splitlines()
    lines.insert(9_000, f'  "x-key": "{AWS_KEY}",')
    (express / "src" / "openapi.ts").write_text("\n".join(lines), encoding="utf-8")
    (express / "openapi.json").write_text(f'{{"info": {{"x-token": "{AWS_KEY}"}}}}\n',
                                          encoding="utf-8")
    failures = _evaluate(express).result("pci-dss.secrets").failures()
    assert sorted(f.location for f in failures) == ["openapi.json:1", "src/openapi.ts:9001"]


LEGACY_ROUTES = """\
import { Router } from "express";
import { db } from "../db/client";
import { patients } from "../db/schema";

export const legacyRouter = Router();
legacyRouter.get("/", async (_req, res) => { res.json(await db.select().from(patients)); });
"""


def test_an_unguarded_phi_route_in_a_new_large_route_module_is_found(express: Path) -> None:
    padding = "\n".join(f'export const LABEL_{i} = "label {i}";' for i in range(5_000))
    (express / "src" / "routes" / "legacy.ts").write_text(LEGACY_ROUTES + padding + "\n",
                                                          encoding="utf-8")
    edit(express, "src/server.ts", 'import { privacyRouter } from "./routes/privacy";',
         'import { privacyRouter } from "./routes/privacy";\n'
         'import { legacyRouter } from "./routes/legacy";')
    edit(express, "src/server.ts", "export default app;",
         'app.use("/api/legacy/patients", legacyRouter);\nexport default app;')
    report = _evaluate(express)
    where = "src/routes/legacy.ts:6"
    for control_id in ("hipaa.phi-access-control", "hipaa.phi-audit", "gdpr.minimisation"):
        assert [f.location for f in report.result(control_id).failures()] == [where], control_id


def test_an_edit_between_two_evaluations_of_the_same_tree_is_seen(express: Path) -> None:
    assert _evaluate(express).result("hipaa.phi-access-control").status == "pass"
    # Same length, same second: only the content tells the two versions apart.
    edit(express, "src/server.ts", 'app.use("/api/patients", requireAuth, patientsRouter);',
         'app.use("/api/patients", requireAxth, patientsRouter);')
    assert _evaluate(express).result("hipaa.phi-access-control").status == "fail"
    edit(express, "src/crypto.ts", 'process.env.DATA_KEY ?? ""', f'"{AWS_KEY}"')
    assert _evaluate(express).result("pci-dss.secrets").status == "fail"
    edit(express, "src/crypto.ts", f'"{AWS_KEY}"', 'process.env.DATA_KEY ?? ""')
    edit(express, "src/server.ts", "requireAxth", "requireAuth")
    report = _evaluate(express)
    assert report.result("hipaa.phi-access-control").status == "pass"
    assert report.result("pci-dss.secrets").status == "pass"


def test_a_cold_and_a_cached_evaluation_agree(express: Path) -> None:
    project.clear_caches()
    cold = _evaluate(express)
    assert _evaluate(express).results == cold.results


def test_a_tree_read_again_is_answered_from_the_tree_cache_with_copies(express: Path) -> None:
    project.clear_caches()
    first = project.read_project(express)
    first.routes[0].guards.append("tampered")
    first.columns.clear()
    again = project.read_project(express)  # served by the tree cache: the caller's edits stay out
    assert "tampered" not in again.routes[0].guards and again.columns
    assert again == project.read_project(express) and again is not first


@pytest.mark.parametrize("change", ["edit", "add", "remove", "binary"])
def test_any_change_to_the_tree_is_read_afresh(express: Path, change: str) -> None:
    project.clear_caches()
    before = project.read_project(express)
    first = sorted(express.rglob("*.ts"))[0]
    if change == "edit":
        first.write_text(first.read_text() + "\nconst t = { api_key: 'k3y-k3y-k3y-k3y' };\n")
    elif change == "add":
        (express / ".env").write_text("SECRET=1\n")
    elif change == "remove":
        (express / "package.json").unlink()
    else:
        (express / "logo.bin").write_bytes(b"\xff\xfe" * 10)
    after = project.read_project(express)
    assert after != before if change != "binary" else after.files_scanned == \
        before.files_scanned + 1


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(express: Path, enabled: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        project.read_project(express)
        assert gc.isenabled() is enabled

        def broken(root: Path) -> project.ProjectFacts:
            raise OSError(f"cannot read {root.name}")

        monkeypatch.setattr(project, "_read_project", broken)
        with pytest.raises(OSError, match="cannot read clinic"):
            project.read_project(express)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


# ---------------------------------------------------------------- the tokenizer


def _tokens(source: str) -> list[tuple[str, str, int]]:
    return [tuple(t) for t in tsscan.tokenize(source)]  # type: ignore[misc]


def test_regular_expressions_are_told_from_divisions() -> None:
    assert _tokens("const r = /a\\/b[/]c/g.test(x) / 2;") == [
        ("ident", "const", 1), ("ident", "r", 1), ("punct", "=", 1),
        ("regex", "/a\\/b[/]c/g", 1), ("punct", ".", 1), ("ident", "test", 1),
        ("punct", "(", 1), ("ident", "x", 1), ("punct", ")", 1), ("punct", "/", 1),
        ("number", "2", 1), ("punct", ";", 1)]


def test_comments_are_dropped_and_lines_counted_across_them_and_template_literals() -> None:
    source = "a // one\n/* two\nthree */ b `x\ny` c\n'open"
    assert _tokens(source) == [("ident", "a", 1), ("ident", "b", 3), ("string", "x\ny", 3),
                               ("ident", "c", 4), ("string", "open", 5)]


def test_many_regular_expressions_in_one_file_are_all_found() -> None:
    source = "\n".join(f"const r{i} = /x{i}/;" for i in range(100))
    regexes = [t for t in tsscan.tokenize(source) if t.kind == "regex"]
    assert [(t.value, t.line) for t in regexes] == [(f"/x{i}/", i + 1) for i in range(100)]


def test_calls_split_their_arguments_at_the_top_level_only() -> None:
    module = tsscan.parse('router.get("/a", guard(1, 2), (req, res) => { f(a, b); });')
    call = module.calls_named("get")[0]
    assert call.callee == "router.get"
    assert [[t.value for t in arg] for arg in call.args] == [
        ["/a"], ["guard", "(", "1", ",", "2", ")"],
        ["(", "req", ",", "res", ")", "=>", "{", "f", "(", "a", ",", "b", ")", ";", "}"]]
    assert [c.callee for c in module.calls] == ["router.get", "guard", "f"]


def test_overlapping_reads_share_one_pause_of_the_collector() -> None:
    was = gc.isenabled()
    try:
        gc.enable()
        with project._collector_paused():
            with project._collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the outer read is still going
        assert gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


def test_the_parse_cache_is_bounded_by_the_amount_of_source(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tsscan, "_CACHE_CHARS", 100)
    tsscan.clear_cache()
    first = tsscan.parse("const a = f(1);" * 4)  # 60 characters
    assert tsscan.parse("const a = f(1);" * 4) is first
    tsscan.parse("const b = g(2);" * 4)  # 120 in all: the oldest goes
    assert tsscan.parse("const a = f(1);" * 4) is not first
    assert tsscan.parse("x" * 101).tokens == (("ident", "x" * 101, 1),)  # too big to keep
    tsscan.clear_cache()
