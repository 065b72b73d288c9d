"""Regeneration that keeps manual edits.

The pristine output of every blueprint version lives on the `webnova/generated` branch; the
person works on `main`. A new version is (1) compared with the pristine tree for the impact
preview, (2) committed on `webnova/generated` without touching the checkout, and (3) three-way
merged into `main`, so git carries the person's edits forward. Conflicts come back as data and
the merge is aborted: nothing with conflict markers is ever committed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Literal

from git import GitCommandError
from pydantic import BaseModel, ConfigDict, Field

from webnova.adapters.git import (
    GENERATED_BRANCH,
    MergeConflict,
    ProjectRepo,
    blob_sha,
    commit_message,
)
from webnova.generator.blueprint import Blueprint, BlueprintDiff, diff_blueprints
from webnova.generator.render import BLUEPRINT_COPY


class Impact(BaseModel):
    """Which files a regeneration adds, changes and removes (against the last pristine output)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    blueprint: BlueprintDiff | None = Field(default=None, description="What changed in the spec.")

    @property
    def is_empty(self) -> bool:
        """No file would change."""
        return not (self.added or self.changed or self.removed)


class Conflict(BaseModel):
    """A region where the person's edit and the new generated code disagree."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    kind: Literal["content", "modify/delete"] | str
    start_line: int | None = Field(description="1-based line of the region in the person's file.")
    ours: str | None = Field(description="The person's version (None: they deleted the file).")
    theirs: str | None = Field(description="The new generated version (None: no longer generated).")
    base: str | None = Field(default=None, description="The previous generated version.")


class MergeResult(BaseModel):
    """The outcome of merging a new pristine version into the working branch."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    generated_commit: str | None
    merge_commit: str | None
    conflicts: list[Conflict] = Field(default_factory=list)


def impact_of(repo: ProjectRepo, tree: Mapping[str, str], new: Blueprint) -> Impact:
    """Compare `tree` with the pristine output on `webnova/generated`."""
    before = repo.files_at(GENERATED_BRANCH)
    after = {path: blob_sha(text.encode("utf-8")) for path, text in tree.items()}
    return Impact(
        added=sorted(p for p in after if p not in before),
        changed=sorted(p for p in after if p in before and before[p] != after[p]),
        removed=sorted(p for p in before if p not in after),
        blueprint=_blueprint_diff(repo, new),
    )


def _blueprint_diff(repo: ProjectRepo, new: Blueprint) -> BlueprintDiff | None:
    try:
        text = repo.repo.git.show(f"{GENERATED_BRANCH}:{BLUEPRINT_COPY}")
        old = Blueprint.model_validate(json.loads(text))
    except (GitCommandError, ValueError):  # an unreadable old copy only loses the spec diff
        return None
    return diff_blueprints(old, new)


def merge_new_version(
    repo: ProjectRepo, tree: Mapping[str, str], bp: Blueprint, run_id: str
) -> MergeResult:
    """Commit `tree` as the next pristine version and merge it into the working branch.

    Uncommitted edits in the checkout are committed first (stage `manual-edits`) so the merge
    can carry them; they are the person's work and must not be lost or left out of the merge.
    """
    repo.commit_all("manual-edits", bp.version, run_id, "Edits made outside WebNova")
    # Merge even when the pristine tree did not change: an earlier attempt may have stopped at
    # conflicts, leaving the pristine branch ahead of the working branch.
    generated = repo.commit_tree_on_branch(
        GENERATED_BRANCH, tree, commit_message("generate", bp.version, run_id))
    outcome = repo.merge(GENERATED_BRANCH, commit_message(
        "regenerate", bp.version, run_id, f"Merge blueprint v{bp.version} into the project"))
    if isinstance(outcome, list):
        return MergeResult(generated_commit=generated, merge_commit=None,
                           conflicts=[_conflict(c) for c in outcome])
    return MergeResult(generated_commit=generated, merge_commit=outcome)


def _conflict(c: MergeConflict) -> Conflict:
    return Conflict(file=c.file, kind=c.kind, start_line=c.start_line, ours=c.ours,
                    theirs=c.theirs, base=c.base)
