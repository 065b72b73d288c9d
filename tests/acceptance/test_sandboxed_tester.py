"""The tester stage inside the sandbox: a generated project passes there, and its code cannot
reach the host (all slow: real npm installs through the registry-only proxy).

The tester runs in a child process, like npm in the matrix: its proxy reaches the npm registry,
which this process's network guard (loopback only) rightly refuses.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webnova.adapters.sandbox.probe import probe_isolation
from webnova.generator.catalog import load_catalog
from webnova.generator.generate import generate_project

REPO = Path(__file__).resolve().parents[2]
_CHILD = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from webnova.adapters.sandbox.local import LocalSandbox
    from webnova.agents.tester import TESTER_LIMITS, SandboxedTester
    from webnova.generator.catalog import load_catalog
    entry = next(t for t in load_catalog().templates if t.id == "landing-page")
    report = SandboxedTester(LocalSandbox(TESTER_LIMITS)).run(entry.blueprint(), Path(sys.argv[1]))
    print(json.dumps(report.model_dump(mode="json")))
""")


def _test_in_child(project: Path) -> dict[str, Any]:
    report = probe_isolation(e2b=False)
    if report.level != "bubblewrap" or report.network != "registry":
        pytest.fail(f"the tester sandbox needs bubblewrap with registry networking here: "
                    f"{report.level}/{report.network} {report.warnings}")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(project)], cwd=REPO,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    entry = next(t for t in load_catalog().templates if t.id == "landing-page")
    project = tmp_path / "landing"
    generate_project(entry.blueprint(), project)
    return project


@pytest.fixture
def host_listener() -> Iterator[tuple[int, list[object]]]:
    """A TCP service on the host's loopback (standing in for PostgreSQL) that counts visitors."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                continue
            seen.append(conn)
            conn.close()

    worker = threading.Thread(target=accept, daemon=True)
    worker.start()
    try:
        yield int(server.getsockname()[1]), seen
    finally:
        stop.set()
        worker.join(5)
        server.close()


@pytest.mark.slow
def test_a_generated_project_passes_its_phases_in_the_sandbox(landing: Path) -> None:
    report = _test_in_child(landing)
    assert report["passed"], report["summary"]
    phases = report["phases"]
    assert [p["phase"] for p in phases] == ["install", "typecheck", "build", "test"]
    assert [p["network"] for p in phases] == ["registry", "off", "off", "off"]
    assert {p["isolation"] for p in phases} == {"bubblewrap"}
    assert "sandbox" in report["summary"]


@pytest.mark.slow
def test_project_code_cannot_reach_a_host_service_during_the_tests(
        landing: Path, host_listener: tuple[int, list[object]]) -> None:
    port, seen = host_listener
    (landing / "tests" / "escape.test.mjs").write_text(f"""
import {{ test }} from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

test('reaches the host database port', async () => {{
  const reached = await new Promise((resolve) => {{
    const socket = net.connect({port}, '127.0.0.1', () => {{ socket.end(); resolve(true); }});
    socket.on('error', () => resolve(false));
  }});
  assert.equal(reached, true);
}});
""", encoding="utf-8")
    report = _test_in_child(landing)
    assert not report["passed"] and report["phases"][-1]["phase"] == "test"
    assert "test failed in the sandbox" in report["summary"]
    assert seen == []  # the host's service never saw a connection
