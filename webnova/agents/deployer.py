"""The deployer agent: runs the tested project on the local runtime, blue-green.

A release is a copy of the tested tree started on a fresh port next to the current deployment;
only when its health check passes does it replace the current one. When health fails, the
previous healthy deployment keeps serving (the automatic rollback) and the run says so. The
deployment is journaled per run, so a resumed or re-run node never deploys twice.

Generated servers run in production mode, where they refuse to sign tokens or encrypt fields
with development keys: each platform (slug) gets its own JWT secret and data-encryption key,
made once and kept outside the project tree (`<releases>/.secrets/`, readable by WebNova only),
so every release and every rollback of it accepts the same tokens and reads the same encrypted
data. The local target listens on 127.0.0.1 over plain HTTP, so the HTTPS redirect is off.

Data: with a deploy database server configured (`PlatformDatabases`), a platform whose server
keeps data gets its own PostgreSQL database, shared by all its releases (blue-green included)
and rollbacks; otherwise each release keeps its data in memory and starts empty. Every
deployment says which (`DeployResult.storage`). FastAPI platforms stay in memory: their start-up
creates missing tables but not the columns a later version adds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from webnova.adapters.appdb import DeployDatabaseError, PlatformDatabases
from webnova.adapters.git import ProjectRepo
from webnova.adapters.runtime import ProjectRuntime
from webnova.generator.blueprint import Blueprint
from webnova.governance.budgets import Metric
from webnova.governance.tamper import publish_current_head
from webnova.graphs.deps import DeployResult, FactoryRuntime, deps_of
from webnova.graphs.events import Deployed, DeploymentStarted, RolledBack, RunFinished
from webnova.graphs.state import FactoryState
from webnova.i18n import _, use_locale

DataKind = Literal["none", "memory", "database"]


class LocalDeployer:
    """Deploys to `ProjectRuntime`: a real process on a free port with a health check."""

    def __init__(self, runtime: ProjectRuntime, releases: Path,
                 databases: PlatformDatabases | None = None) -> None:
        self.runtime = runtime
        self.releases = releases
        self.databases = databases

    def deploy(self, blueprint: Blueprint, project: Path, run_id: str) -> DeployResult:
        """Start a copy of `project`; keep the previous deployment when it is not healthy."""
        commit = ProjectRepo.open(project).head()[:10]
        release_id = f"{blueprint.slug}-{commit}"
        folder = self.releases / release_id
        if not folder.exists():
            shutil.copytree(project, folder, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        return self._activate(blueprint.slug, release_id, run_id, data=_data_of(blueprint))

    def releases_of(self, slug: str) -> list[str]:
        """Every kept release of `slug`, newest first."""
        folders = [p for p in self.releases.glob(f"{slug}-*") if p.is_dir()]
        folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        return [p.name for p in folders]

    def restore(self, slug: str, release_id: str, run_id: str) -> DeployResult:
        """Serve an earlier kept release again: the rollback.

        The current release keeps serving when the restored one is not healthy.
        """
        if release_id not in self.releases_of(slug):
            return DeployResult(ok=False, message=f"unknown release {release_id}")
        return self._activate(slug, release_id, run_id, data=None)

    def _activate(self, slug: str, release_id: str, run_id: str,
                  data: DataKind | None) -> DeployResult:
        """Start a release; `data` is what its server keeps (None: as the platform had it)."""
        try:
            env = self.environment(slug, database=data == "database" if data else None)
        except DeployDatabaseError as exc:
            previous = self.current(slug)
            return DeployResult(ok=False, message=str(exc), rolled_back=previous is not None,
                                restored_url=self.runtime.status(previous).url
                                if previous else None)
        storage = _storage(env, data)
        self.runtime.initialize(release_id, self.releases / release_id)
        self.runtime.stop(release_id)  # a leftover of a killed attempt of this same release
        started = self.runtime.start(release_id, env=env)
        previous = self.current(slug)
        if not started.ok or started.status is None:
            restored = self.runtime.status(previous).url if previous else None
            return DeployResult(ok=False, rolled_back=previous is not None, restored_url=restored,
                                message=(started.error or "") + "\n" + started.log_tail[-2000:],
                                storage=storage)
        if previous and previous != release_id:
            self.runtime.stop(previous)
        self._set_current(slug, release_id, run_id)
        return DeployResult(ok=True, url=started.status.url, message=release_id, storage=storage)

    def environment(self, slug: str, *, database: bool | None = False) -> dict[str, str]:
        """What every release of `slug` runs with: its own secrets, made on first use.

        With `database` and a deploy database server, also `DATABASE_URL` to the platform's
        own database; `None` means "as before": a platform that has a database keeps it (a
        rollback does not know what the restored release's server needs).
        """
        kept = self._secrets(slug)
        env = {"JWT_SECRET": kept["JWT_SECRET"], "DATA_ENCRYPTION_KEY": kept["DATA_ENCRYPTION_KEY"],
               "HTTPS_REDIRECT": "off"}
        if database is None:
            database = "DATABASE_PASSWORD" in kept
        if database and self.databases is not None:
            if "DATABASE_PASSWORD" not in kept:
                kept = self._secrets(slug, add={"DATABASE_PASSWORD": secrets.token_urlsafe(32)})
            env["DATABASE_URL"] = self.databases.ensure(slug, kept["DATABASE_PASSWORD"])
        return env

    def _secrets(self, slug: str, add: dict[str, str] | None = None) -> dict[str, str]:
        """The platform's kept secrets, made on first use; `add` keys it does not have yet.

        Each version of the file is published whole (a link, or a rename over it), and a key
        another deployment published first is never replaced.
        """
        folder = self.releases / ".secrets"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{slug}.json"
        if not path.exists():
            made = {"JWT_SECRET": secrets.token_urlsafe(48),
                    "DATA_ENCRYPTION_KEY": secrets.token_hex(32)}
            draft = _draft(folder, slug, made)
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        kept: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        if add and add.keys() - kept.keys():
            with _locked(folder / f".{slug}.lock"):
                kept = json.loads(path.read_text(encoding="utf-8"))
                kept = {**add, **kept}
                _draft(folder, slug, kept).replace(path)
        return kept

    def _pointer(self, slug: str) -> Path:
        return self.releases / f"{slug}.current.json"

    def current(self, slug: str) -> str | None:
        """The release of `slug` serving now, or None."""
        try:
            data = json.loads(self._pointer(slug).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        release = data.get("release")
        return str(release) if release and self.runtime.status(str(release)).running else None

    def _set_current(self, slug: str, release_id: str, run_id: str) -> None:
        self.releases.mkdir(parents=True, exist_ok=True)
        self._pointer(slug).write_text(json.dumps({"release": release_id, "run": run_id}),
                                       encoding="utf-8")


def _data_of(blueprint: Blueprint) -> DataKind:
    """What a platform's server keeps: nothing, or data in a database (or in memory)."""
    if blueprint.stack.backend == "none":
        return "none"
    return "database" if blueprint.stack.backend in ("express", "fastify", "nextjs") else "memory"


def _storage(env: dict[str, str], data: DataKind | None) -> str:
    """`DeployResult.storage` of a release started with `env`."""
    url = env.get("DATABASE_URL")
    if url:
        return f"postgresql:{urlsplit(url).path.lstrip('/')}"
    return "memory" if data in ("database", "memory") else ""


def _draft(folder: Path, slug: str, data: dict[str, str]) -> Path:
    fd, draft = tempfile.mkstemp(dir=folder, prefix=f".{slug}.")  # 0600
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return Path(draft)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def deployer(state: FactoryState, runtime: FactoryRuntime) -> dict[str, Any]:
    """Deploy once per run, tag the deployed commit, and finish the run."""
    deps = deps_of(runtime)
    run_id = state["run_id"]
    bp = Blueprint.model_validate(state["blueprint"])
    result = deps.ledger.journaled(run_id, "deploy")
    refusal = None
    if result is None and deps.budget is not None:
        refusal = deps.budget.refusal(run_id, Metric.DEPLOYMENTS, 1)
    if refusal:
        deps.ledger.audit(run_id, "agent:deployer", "run.budget_stop", {"reason": refusal})
        return {"status": "failed", "error": refusal, "messages": [refusal],
                "steps": state.get("steps", 0) + 1}
    if result is None:
        deps.ledger.emit(run_id, DeploymentStarted(commit=state.get("commit")),
                         actor="agent:deployer")
        outcome = deps.deployer.deploy(bp, Path(state["project_dir"]), run_id)
        result = outcome.model_dump(mode="json")
        if outcome.ok:
            result["tag"] = _tag(Path(state["project_dir"]), run_id, bp)
            deps.ledger.journal(run_id, "deploy", result, actor="agent:deployer")
            if deps.budget is not None:
                deps.budget.record(run_id, {Metric.DEPLOYMENTS: 1})
    if not deps.ledger.has_event(run_id, RunFinished.event_type):
        # Also reached when a crash hit after the journal entry but before these events.
        _record(deps, state, DeployResult.model_validate(
            {k: v for k, v in result.items() if k != "tag"}), result.get("tag"))
        deps.ledger.emit(run_id, RunFinished(status="done" if result.get("ok") else "failed",
                                             detail=str(result.get("url") or "")),
                         actor="agent:deployer")
    with use_locale(state.get("locale", "en")):
        return _finish(state, result)


def _tag(project: Path, run_id: str, bp: Blueprint) -> str:
    repo = ProjectRepo.open(project)
    name = f"deploy-v{bp.version}-{run_id[:8]}"
    if name not in repo.tags():
        repo.tag(name, f"Deployed by run {run_id}")
    return name


def _record(deps: Any, state: FactoryState, outcome: DeployResult, tag: str | None) -> None:
    run_id = state["run_id"]
    if outcome.ok:
        deps.ledger.emit(run_id, Deployed(url=outcome.url or "", commit=state.get("commit"),
                                          tag=tag), actor="agent:deployer")
        deps.ledger.audit(run_id, "agent:deployer", "deploy", {"url": outcome.url, "tag": tag})
        # Anchor the audit chain, deployment included, in the project's git history.
        publish_current_head(deps.ledger.tenant.audit, Path(state["project_dir"]),
                             reason="deployment")
        return
    if outcome.rolled_back:
        deps.ledger.emit(run_id, RolledBack(reason=outcome.message[:2000],
                                            restored_url=outcome.restored_url),
                         actor="agent:deployer")
    deps.ledger.audit(run_id, "agent:deployer", "deploy.failed",
                      {"rolled_back": outcome.rolled_back, "restored_url": outcome.restored_url})


def _finish(state: FactoryState, result: dict[str, Any]) -> dict[str, Any]:
    steps = state.get("steps", 0) + 1
    if result.get("ok"):
        messages = [_("Deployed at {url}.").format(url=result.get("url"))]
        storage = str(result.get("storage") or "")
        if storage.startswith("postgresql:"):
            messages.append(_("Its data is kept in the PostgreSQL database {name}, across "
                              "releases and rollbacks.").format(name=storage.partition(":")[2]))
        elif storage == "memory":
            messages.append(_("Its data lives in memory: each release starts empty. Set "
                              "WEBNOVA_DEPLOY_DATABASE_URL to keep it in PostgreSQL."))
        return {"deployment": result, "status": "done", "messages": messages, "steps": steps}
    message = _("The deployment failed its health check; the previous deployment keeps "
                "serving.") if result.get("rolled_back") else _("The deployment failed.")
    return {"deployment": result, "status": "failed", "error": message, "messages": [message],
            "steps": steps}
