"""LocalDeployer on the real project runtime: health check, blue-green switch, rollback."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from webnova.adapters.brains.offline import OfflineBrain
from webnova.adapters.git import ProjectRepo
from webnova.adapters.runtime import ProjectRuntime
from webnova.agents.deployer import LocalDeployer
from webnova.generator.blueprint import Blueprint

HEALTHY = """
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"VERSION")
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"""
BROKEN = "raise SystemExit('cannot start: missing configuration')\n"
# Answers with what a production server would need from its environment.
ENVIRONMENT = HEALTHY.replace('b"VERSION"', """(
            os.environ.get("JWT_SECRET", "") + " " + os.environ.get("DATA_ENCRYPTION_KEY", "")
            + " " + os.environ.get("HTTPS_REDIRECT", "") + " VERSION").encode()""")


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[ProjectRuntime]:
    runtime = ProjectRuntime(tmp_path / "home")
    yield runtime
    runtime.stop_all()
    runtime.close()


def _blueprint() -> Blueprint:
    brain = OfflineBrain()
    return brain.design(brain.analyze("A landing page with a waitlist"))


def _project(path: Path, server: str, version: int) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "server.py").write_text(server.replace("VERSION", f"v{version}"), encoding="utf-8")
    repo = ProjectRepo.init(path)
    repo.commit_all("generate", version, "run", f"release {version}")
    return path


def _get(url: str) -> str:
    return httpx.get(url, timeout=5, trust_env=False).text


def test_a_healthy_release_replaces_the_previous_one(runtime: ProjectRuntime,
                                                      tmp_path: Path) -> None:
    deployer = LocalDeployer(runtime, tmp_path / "releases")
    project = _project(tmp_path / "p", HEALTHY, 1)
    first = deployer.deploy(_blueprint(), project, "run-1")
    assert first.ok and first.url and _get(first.url) == "v1"
    _project(project, HEALTHY, 2)
    second = deployer.deploy(_blueprint(), project, "run-2")
    assert second.ok and second.url and _get(second.url) == "v2"
    assert [r.project_id for r in runtime.records()] == [second.message]


def test_an_unhealthy_release_rolls_back_to_the_previous_deployment(
        runtime: ProjectRuntime, tmp_path: Path) -> None:
    deployer = LocalDeployer(runtime, tmp_path / "releases")
    project = _project(tmp_path / "p", HEALTHY, 1)
    first = deployer.deploy(_blueprint(), project, "run-1")
    _project(project, BROKEN, 2)
    failed = deployer.deploy(_blueprint(), project, "run-2")
    assert not failed.ok
    assert failed.rolled_back and failed.restored_url == first.url
    assert first.url and _get(first.url) == "v1"  # still serving


def test_every_release_of_a_platform_gets_its_own_kept_secrets(runtime: ProjectRuntime,
                                                               tmp_path: Path) -> None:
    deployer = LocalDeployer(runtime, tmp_path / "releases")
    project = _project(tmp_path / "p", ENVIRONMENT, 1)
    first = deployer.deploy(_blueprint(), project, "run-1")
    assert first.url
    jwt_secret, key, redirect, version = _get(first.url).split(" ")
    assert len(jwt_secret) >= 32 and len(bytes.fromhex(key)) == 32
    assert (redirect, version) == ("off", "v1")  # plain HTTP on loopback
    _project(project, ENVIRONMENT, 2)
    second = deployer.deploy(_blueprint(), project, "run-2")
    assert second.url and _get(second.url).split(" ") == [jwt_secret, key, "off", "v2"]
    stored = tmp_path / "releases" / ".secrets" / f"{_blueprint().slug}.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert jwt_secret not in "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in project.rglob("*") if p.is_file())
    other = LocalDeployer(runtime, tmp_path / "releases").environment("another-platform")
    assert other["JWT_SECRET"] != jwt_secret and other["DATA_ENCRYPTION_KEY"] != key
