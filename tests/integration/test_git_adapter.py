"""The project git adapter: structured commits, history, diff, tags, rollback by revert."""

from __future__ import annotations

from pathlib import Path

import pytest

from webnova.adapters.git import GitError, ProjectRepo, blob_sha


@pytest.fixture
def repo(tmp_path: Path) -> ProjectRepo:
    project = ProjectRepo.init(tmp_path / "p")
    (project.path / "app.txt").write_text("one\n")
    project.commit_all("generate", 1, "run-1", "First version")
    return project


def test_each_stage_commit_carries_stage_version_and_run(repo: ProjectRepo) -> None:
    (repo.path / "app.txt").write_text("two\n")
    repo.commit_all("test", 2, "run-2")
    newest, oldest = repo.history()
    assert (newest.stage, newest.blueprint_version, newest.run_id) == ("test", 2, "run-2")
    assert (oldest.stage, oldest.blueprint_version, oldest.run_id) == ("generate", 1, "run-1")
    assert newest.subject == "webnova: test (blueprint v2)"
    assert newest.parents == (oldest.sha,)


def test_nothing_to_commit_returns_none(repo: ProjectRepo) -> None:
    assert repo.commit_all("test", 1, "run-1") is None
    assert len(repo.history()) == 1


def test_diff_and_changed_files_between_commits(repo: ProjectRepo) -> None:
    first = repo.head()
    (repo.path / "app.txt").write_text("two\n")
    (repo.path / "new.txt").write_text("x\n")
    repo.commit_all("generate", 2, "run-2")
    assert repo.changed_files(first) == [("M", "app.txt"), ("A", "new.txt")]
    assert "+two" in repo.diff(first)


def test_deployment_tags_and_rollback_by_revert_keep_history(repo: ProjectRepo) -> None:
    good = repo.tag("deploy-1", "Deployed to local")
    (repo.path / "app.txt").write_text("broken\n")
    bad = repo.commit_all("generate", 2, "run-2")
    assert bad is not None
    reverted = repo.revert(bad, "run-3", 2)
    assert (repo.path / "app.txt").read_text() == "one\n"
    assert [c.sha for c in repo.history()][1:] == [bad, good]  # nothing rewritten
    assert repo.history()[0].sha == reverted and repo.history()[0].stage == "rollback"
    assert repo.tags() == ["deploy-1"]


def test_rollback_to_a_tag_restores_its_files_in_a_new_commit(repo: ProjectRepo) -> None:
    repo.tag("deploy-1", "Deployed")
    (repo.path / "app.txt").write_text("v2\n")
    (repo.path / "extra.txt").write_text("v2\n")
    repo.commit_all("generate", 2, "run-2")
    assert repo.rollback_to("deploy-1", "run-3", 2) is not None
    assert (repo.path / "app.txt").read_text() == "one\n"
    assert not (repo.path / "extra.txt").exists()
    assert len(repo.history()) == 3


def test_commit_tree_on_a_branch_leaves_the_checkout_alone(repo: ProjectRepo) -> None:
    (repo.path / "app.txt").write_text("uncommitted edit\n")
    commit = repo.commit_tree_on_branch("side", {"a/b.txt": "hello\n"}, "side tree")
    assert commit is not None
    assert repo.files_at("side") == {"a/b.txt": blob_sha(b"hello\n")}
    assert (repo.path / "app.txt").read_text() == "uncommitted edit\n"
    assert not (repo.path / "a").exists()
    assert repo.commit_tree_on_branch("side", {"a/b.txt": "hello\n"}, "again") is None


def test_opening_a_folder_that_is_not_a_repository_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        ProjectRepo.open(tmp_path)
