"""Blueprint -> project folder under git: the one entry point of `webnova generate`.

`generate_project` validates, checks what the generator supports, renders, and then either creates
a new project (folder, repository, pristine branch) or regenerates an existing WebNova project by
merging the new version into the person's edits. Every expected failure comes back as data in a
`GenerateOutcome`; nothing is written when the blueprint is invalid or the folder is refused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from webnova.adapters.git import GENERATED_BRANCH, GitError, ProjectRepo, commit_message
from webnova.generator.blueprint import Blueprint
from webnova.generator.regenerate import Conflict, Impact, impact_of, merge_new_version
from webnova.generator.render import MANIFEST, Tree, render_project, write_tree
from webnova.generator.support import unsupported
from webnova.generator.validation import BlueprintIssue, parse_blueprint, validate_blueprint
from webnova.i18n import _, format_number, ngettext

Status = Literal[
    "created", "regenerated", "unchanged", "preview", "invalid", "refused", "conflicts"
]


class GenerateOutcome(BaseModel):
    """What `generate_project` did, in data (and a localized one-line message)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ok: bool
    status: Status
    out: str
    message: str
    issues: list[BlueprintIssue] = Field(default_factory=list)
    impact: Impact | None = None
    conflicts: list[Conflict] = Field(default_factory=list)
    files: int = 0
    commit: str | None = None
    blueprint_version: int | None = None


def is_webnova_project(folder: Path) -> bool:
    """Whether `folder` holds a project WebNova generated (manifest plus pristine branch)."""
    if not (folder / MANIFEST).is_file() or not (folder / ".git").exists():
        return False
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return manifest.get("generator") == "webnova" and ProjectRepo.open(folder).branch_exists(
            GENERATED_BRANCH)
    except (ValueError, GitError):
        return False


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def _validated(source: Blueprint | Mapping[str, Any] | str | bytes) -> (
        tuple[Blueprint | None, list[BlueprintIssue]]):
    if isinstance(source, str | bytes):
        result = parse_blueprint(source)
    else:
        result = validate_blueprint(source)
    if result.blueprint is None:
        return None, result.issues
    return result.blueprint, unsupported(result.blueprint)


def generate_project(
    source: Blueprint | Mapping[str, Any] | str | bytes,
    out: Path,
    *,
    force: bool = False,
    preview: bool = False,
    run_id: str | None = None,
) -> GenerateOutcome:
    """Generate (or regenerate) the project a blueprint describes into `out`.

    Args:
        source: A `Blueprint`, a parsed mapping, or YAML/JSON text.
        out: The project folder; created when missing.
        force: Generate into a non-empty folder that is not a WebNova project.
        preview: Only compute the impact (files added, changed, removed); write nothing.
        run_id: Recorded in the commit trailers; a random id when not given.
    """
    bp, issues = _validated(source)
    if bp is None or issues:
        return _fail("invalid", out, issues, _("The blueprint is not valid; nothing was written."))
    run = run_id or f"local-{uuid.uuid4().hex[:12]}"
    existing = is_webnova_project(out)
    if not existing and not _is_empty(out) and not force:
        return _fail("refused", out, [], _(
            "{path} is not empty and is not a WebNova project; choose an empty folder or use "
            "--force."
        ).format(path=out))
    tree = render_project(bp)
    if existing:
        return _regenerate(bp, tree, out, preview, run)
    if preview:
        impact = Impact(added=sorted(tree))
        return _done("preview", out, bp, impact=impact, files=len(tree))
    return _create(bp, tree, out, run)


def _fail(status: Status, out: Path, issues: list[BlueprintIssue], message: str) -> (
        GenerateOutcome):
    return GenerateOutcome(ok=False, status=status, out=str(out), message=message, issues=issues)


def _done(status: Status, out: Path, bp: Blueprint, **values: Any) -> GenerateOutcome:
    files = int(values.get("files", 0))
    messages = {
        "created": ngettext(
            "Generated {count} file in {path} (blueprint version {version}).",
            "Generated {count} files in {path} (blueprint version {version}).", files),
        "regenerated": _("Regenerated {path} from blueprint version {version}; your edits were "
                         "merged."),
        "unchanged": _("{path} is already up to date with blueprint version {version}."),
        "preview": ngettext(
            "Regenerating would touch {count} file in {path}.",
            "Regenerating would touch {count} files in {path}.", files),
        "conflicts": _("Your edits in {path} conflict with blueprint version {version}; nothing "
                       "was merged. Resolve the conflicts listed and run generate again."),
    }
    message = messages[status].format(count=format_number(files), path=out,
                                      version=format_number(bp.version))
    return GenerateOutcome(ok=status != "conflicts", status=status, out=str(out), message=message,
                           blueprint_version=bp.version, **values)


def _create(bp: Blueprint, tree: Tree, out: Path, run: str) -> GenerateOutcome:
    repo = ProjectRepo.init(out)
    generated = repo.commit_tree_on_branch(
        GENERATED_BRANCH, tree, commit_message("generate", bp.version, run))
    assert generated is not None  # a fresh branch always gets its first commit
    if repo.has_commits():
        # --force into an existing repository: the generated files win where both exist.
        repo.commit_all("manual-edits", bp.version, run, "Files present before generation")
        repo.merge_theirs(GENERATED_BRANCH, commit_message("generate", bp.version, run))
    else:
        write_tree(tree, out)
        repo.point_branch_here(generated)
        repo.commit_all("import", bp.version, run, "Files present before generation")
    return _done("created", out, bp, files=len(tree), commit=repo.head())


def _regenerate(
    bp: Blueprint, tree: Tree, out: Path, preview: bool, run: str
) -> GenerateOutcome:
    repo = ProjectRepo.open(out)
    impact = impact_of(repo, tree, bp)
    touched = len(impact.added) + len(impact.changed) + len(impact.removed)
    if preview:
        return _done("preview", out, bp, impact=impact, files=touched)
    result = merge_new_version(repo, tree, bp, run)
    if result.conflicts:
        return _done("conflicts", out, bp, impact=impact, conflicts=result.conflicts,
                     files=touched)
    if result.merge_commit is None:
        return _done("unchanged", out, bp, impact=impact, commit=repo.head())
    return _done("regenerated", out, bp, impact=impact, files=touched,
                 commit=result.merge_commit)
