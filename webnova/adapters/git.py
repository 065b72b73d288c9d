"""Git for generated projects, and the plumbing regeneration needs.

One repository per project, structured commits per stage, history, diffs, tags per deployment,
rollback by revert.

GitPython drives the repository; every call goes through its `repo.git` command wrapper, i.e. the
git CLI, because GitPython's pure-Python index is several times slower on trees of hundreds of
files. History is never rewritten: rollback is a revert commit.

Commit messages carry trailers a program can read back::

    webnova: generate (blueprint v3)

    WebNova-Stage: generate
    WebNova-Blueprint-Version: 3
    WebNova-Run: run-42
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

import git

WORK_BRANCH: Final = "main"
GENERATED_BRANCH: Final = "webnova/generated"
_IDENTITY: Final = {"user.name": "WebNova", "user.email": "webnova@localhost"}
_TRAILER: Final = re.compile(r"^WebNova-(Stage|Blueprint-Version|Run): (.+)$", re.MULTILINE)


class GitError(RuntimeError):
    """A git command failed; the message carries git's own explanation."""


@dataclass(frozen=True)
class CommitInfo:
    """One commit of a project's history, with its WebNova trailers parsed."""

    sha: str
    subject: str
    stage: str | None
    blueprint_version: int | None
    run_id: str | None
    authored_at: str
    parents: tuple[str, ...]


@dataclass(frozen=True)
class MergeConflict:
    """One conflicting region of a three-way merge (or a whole file for modify/delete)."""

    file: str
    kind: str
    start_line: int | None
    ours: str | None
    theirs: str | None
    base: str | None


def commit_message(stage: str, blueprint_version: int, run_id: str, summary: str = "") -> str:
    """The structured message of a stage commit."""
    body = f"{summary.strip()}\n\n" if summary.strip() else ""
    return (f"webnova: {stage} (blueprint v{blueprint_version})\n\n{body}"
            f"WebNova-Stage: {stage}\nWebNova-Blueprint-Version: {blueprint_version}\n"
            f"WebNova-Run: {run_id}\n")


def blob_sha(data: bytes) -> str:
    """Git's object id of a blob with `data` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class ProjectRepo:
    """The git repository of one generated project."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self.path = Path(repo.working_tree_dir or ".")

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def init(cls, path: Path) -> ProjectRepo:
        """Create (or open) the repository at `path`, on branch main, with a local identity."""
        path.mkdir(parents=True, exist_ok=True)
        if (path / ".git").exists():
            return cls.open(path)
        repo = git.Repo.init(path, initial_branch=WORK_BRANCH)
        with repo.config_writer() as config:
            for key, value in _IDENTITY.items():
                section, option = key.split(".")
                config.set_value(section, option, value)
            config.set_value("commit", "gpgsign", "false")
        return cls(repo)

    @classmethod
    def open(cls, path: Path) -> ProjectRepo:
        """Open an existing repository.

        Raises:
            GitError: `path` is not a git repository.
        """
        try:
            return cls(git.Repo(path))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
            raise GitError(f"{path} is not a git repository") from error

    def _git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        try:
            return str(self.repo.git.execute(["git", *args], env=dict(env) if env else None,
                                             strip_newline_in_stdout=True))
        except git.GitCommandError as error:
            raise GitError(str(error.stderr or error).strip()) from error

    # ------------------------------------------------------------ commits and history

    def has_commits(self) -> bool:
        """Whether HEAD points at a commit."""
        return self.repo.head.is_valid()

    def branch_exists(self, name: str) -> bool:
        """Whether a local branch called `name` exists."""
        return any(head.name == name for head in self.repo.heads)

    def is_dirty(self) -> bool:
        """Whether tracked files changed or untracked (not ignored) files exist."""
        return bool(self._git("status", "--porcelain"))

    def commit_all(
        self, stage: str, blueprint_version: int, run_id: str, summary: str = ""
    ) -> str | None:
        """Stage every change (additions, edits, deletions) and commit; None if nothing changed."""
        self._git("add", "-A")
        if self.has_commits() and not self._git("diff", "--cached", "--name-only"):
            return None
        self._git("commit", "--quiet", "--no-verify", "-m",
                  commit_message(stage, blueprint_version, run_id, summary))
        return self.head()

    def head(self, ref: str = "HEAD") -> str:
        """The commit id `ref` resolves to."""
        return self._git("rev-parse", "--verify", f"{ref}^{{commit}}")

    def history(self, limit: int = 50, ref: str = "HEAD") -> list[CommitInfo]:
        """The newest `limit` commits reachable from `ref`, newest first."""
        if not self.has_commits():
            return []
        out = []
        for commit in self.repo.iter_commits(ref, max_count=limit):
            message = str(commit.message)
            trailers = dict(_TRAILER.findall(message))
            version = trailers.get("Blueprint-Version")
            out.append(CommitInfo(
                sha=commit.hexsha, subject=message.splitlines()[0] if message else "",
                stage=trailers.get("Stage"),
                blueprint_version=int(version) if version and version.isdigit() else None,
                run_id=trailers.get("Run"),
                authored_at=commit.authored_datetime.isoformat(),
                parents=tuple(p.hexsha for p in commit.parents),
            ))
        return out

    def diff(self, old: str, new: str = "HEAD", *, stat: bool = False) -> str:
        """The unified diff (or `--stat` summary) between two commits."""
        return self._git("diff", "--stat" if stat else "--patch", old, new)

    def changed_files(self, old: str, new: str = "HEAD") -> list[tuple[str, str]]:
        """(status letter, path) for every file that differs between two commits."""
        lines = self._git("diff", "--name-status", "--no-renames", old, new).splitlines()
        return [(line[0], line.split("\t", 1)[1]) for line in lines if "\t" in line]

    def tag(self, name: str, message: str, ref: str = "HEAD") -> str:
        """Create an annotated tag (one per deployment); return the tagged commit."""
        self._git("tag", "-a", name, "-m", message, ref)
        return self.head(name)

    def tags(self) -> list[str]:
        """Tag names, oldest first by creation."""
        out = self._git("tag", "--list", "--sort=creatordate")
        return out.splitlines() if out else []

    def revert(self, sha: str, run_id: str, blueprint_version: int) -> str:
        """Undo commit `sha` with a new commit (history is never rewritten)."""
        self._git("revert", "--no-edit", "--no-commit", sha)
        summary = f"Revert {sha[:12]}"
        self._git("commit", "--quiet", "--no-verify", "-m",
                  commit_message("rollback", blueprint_version, run_id, summary))
        return self.head()

    def rollback_to(self, ref: str, run_id: str, blueprint_version: int) -> str | None:
        """Make the working branch's files equal `ref` again with one new commit.

        Returns the new commit, or None when the files already match.
        """
        self._git("restore", "--source", ref, "--staged", "--worktree", "--", ".")
        return self.commit_all("rollback", blueprint_version, run_id, f"Roll back to {ref}")

    # ------------------------------------------------------------ plumbing for regeneration

    def files_at(self, ref: str) -> dict[str, str]:
        """{path: blob id} of every file in commit `ref`."""
        out = self._git("ls-tree", "-r", "--full-tree", ref)
        files: dict[str, str] = {}
        for line in out.splitlines():
            meta, path = line.split("\t", 1)
            files[path] = meta.split()[2]
        return files

    def commit_tree_on_branch(
        self, branch: str, tree: Mapping[str, str], message: str
    ) -> str | None:
        """Commit exactly `tree` ({path: text}) as the next commit of `branch`.

        A temporary index and work tree are used, so the user's checkout and index stay as they
        are. Returns the commit, or None when nothing changed.
        """
        parent = self.head(branch) if self.branch_exists(branch) else None
        with tempfile.TemporaryDirectory(prefix="webnova-tree-") as scratch:
            work, index = Path(scratch) / "tree", Path(scratch) / "index"
            for path, text in tree.items():
                target = work / PurePosixPath(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(text.encode("utf-8"))
            work.mkdir(exist_ok=True)
            env = {"GIT_INDEX_FILE": str(index)}
            if parent:
                self._git("read-tree", parent, env=env)
            self._git("--git-dir", str(self._git_dir()), "--work-tree", str(work), "-C", str(work),
                      "add", "-A", "--force", ".", env=env)
            tree_id = self._git("write-tree", env=env)
        if parent and tree_id == self._git("rev-parse", f"{parent}^{{tree}}"):
            return None
        args = ["commit-tree", tree_id, "-m", message]
        if parent:
            args += ["-p", parent]
        commit = self._git(*args)
        self._git("update-ref", f"refs/heads/{branch}", commit)
        return commit

    def _git_dir(self) -> Path:
        return Path(self.repo.git_dir)

    def merge(self, branch: str, message: str, *, allow_unrelated: bool = False) -> (
            list[MergeConflict] | str | None):
        """Three-way merge `branch` into the checked-out branch.

        Returns the merge commit, None when there was nothing to merge, or the conflicts; on
        conflicts the merge is aborted, so nothing with conflict markers is ever committed.
        """
        args = ["-c", "merge.conflictStyle=diff3", "merge", "--no-ff", "--no-commit",
                "--no-edit"]
        if allow_unrelated:
            args.append("--allow-unrelated-histories")
        before = self.head()
        try:
            self._git(*args, branch)
        except GitError:
            conflicts = self._conflicts()
            self._git("merge", "--abort")
            if conflicts:
                return conflicts
            raise
        if not self._merge_in_progress():
            return None  # already up to date
        self._git("commit", "--quiet", "--no-verify", "-m", message)
        return self.head() if self.head() != before else None

    def merge_theirs(self, branch: str, message: str) -> str:
        """Merge an unrelated `branch`, taking its side wherever both changed a file."""
        self._git("merge", "--no-ff", "--allow-unrelated-histories", "-X", "theirs", "-m",
                  message, branch)
        return self.head()

    def point_branch_here(self, commit: str) -> None:
        """Make the checked-out (still unborn) branch start at `commit`.

        The files on disk stay as they are; the index is reset to match `commit`.
        """
        branch = self._git("symbolic-ref", "--short", "HEAD")
        self._git("update-ref", f"refs/heads/{branch}", commit)
        self._git("reset", "--quiet")

    def _merge_in_progress(self) -> bool:
        return (self._git_dir() / "MERGE_HEAD").exists()

    def _conflicts(self) -> list[MergeConflict]:
        conflicts: list[MergeConflict] = []
        for line in self._git("status", "--porcelain").splitlines():
            code, path = line[:2], line[3:]
            if code in ("UU", "AA"):
                conflicts.extend(_marker_regions(path, self.path / path))
            elif code in ("DU", "UD", "AU", "UA", "DD"):
                ours = None if code in ("DU", "DD") else _read(self.path / path)
                theirs = None if code in ("UD", "DD") else self._stage_text(path, 3)
                conflicts.append(MergeConflict(path, "modify/delete", None, ours, theirs, None))
        return conflicts

    def _stage_text(self, path: str, stage: int) -> str | None:
        try:
            return self._git("show", f":{stage}:{path}")
        except GitError:
            return None


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def _marker_regions(path: str, file: Path) -> list[MergeConflict]:
    """Parse diff3 conflict markers into (start line, ours, base, theirs) regions."""
    text = _read(file) or ""
    regions: list[MergeConflict] = []
    section: str | None = None
    parts: dict[str, list[str]] = {}
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("<<<<<<<"):
            section, parts, start = "ours", {"ours": [], "base": [], "theirs": []}, number
        elif section and line.startswith("|||||||"):
            section = "base"
        elif section and line.startswith("======="):
            section = "theirs"
        elif section and line.startswith(">>>>>>>"):
            regions.append(MergeConflict(
                path, "content", start, "\n".join(parts["ours"]), "\n".join(parts["theirs"]),
                "\n".join(parts["base"])))
            section = None
        elif section:
            parts[section].append(line)
    return regions or [MergeConflict(path, "content", None, text, None, None)]
