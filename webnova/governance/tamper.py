"""Tamper evidence outside the database: the audit chain's head, published into git history.

At every approval and deployment the head (tenant, seq, hash) is written as an annotated tag
`webnova-audit/<tenant>/<seq>` on the project's current commit (tag message: the head as JSON).
Anyone with a clone can later check the database against those heads: an entry that was
rewritten no longer has the published hash, and a truncated chain misses published entries.
Git is driven through its CLI (argv, never a shell).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from webnova.core.audit import AuditHead, AuditLog
from webnova.i18n import _

TAG_PREFIX: Final = "webnova-audit"
_IDENTITY: Final = ("-c", "user.name=WebNova governor", "-c", "user.email=governor@webnova.local")


class PublishResult(BaseModel):
    """Outcome of publishing a head (errors as data: a project without commits, no git)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ok: bool
    tag: str = ""
    error: str = ""


class TamperCheck(BaseModel):
    """The database chain checked against the heads published in git."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    tenant_id: str
    ok: bool
    published: int
    chain_ok: bool
    problems: list[str] = Field(default_factory=list)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = ["git", *_IDENTITY, "-C", str(repo), *args]
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:  # no git, or it hung: errors as data
        return subprocess.CompletedProcess(argv, 127, "", str(exc))


def publish_head(repo: Path, head: AuditHead, *, reason: str) -> PublishResult:
    """Tag the project's current commit with the audit head (idempotent per entry)."""
    tag = f"{TAG_PREFIX}/{head.tenant_id}/{head.seq}"
    message = json.dumps({"tenant": head.tenant_id, "seq": head.seq, "hash": head.hash,
                          "reason": reason}, sort_keys=True)
    done = _git(repo, "tag", "-a", tag, "-m", message, "HEAD")
    if done.returncode != 0:
        if "already exists" in done.stderr:
            return PublishResult(ok=True, tag=tag)
        return PublishResult(ok=False, tag=tag, error=done.stderr.strip())
    return PublishResult(ok=True, tag=tag)


def publish_current_head(audit: AuditLog, repo: Path | None, *,
                         reason: str) -> PublishResult:
    """Publish the audit chain's current head into `repo` (call after an approval or deploy).

    Errors are data: no repository yet (a blueprint approval comes before the code exists), an
    empty audit log, or git failing; the caller records or shows them, the run goes on.
    """
    if repo is None or not (repo / ".git").exists():
        return PublishResult(ok=False, error=_("{path} is not a git repository yet.").format(
            path=repo if repo is not None else "-"))
    head = audit.head()
    if head is None:
        return PublishResult(ok=False, error=_("The audit log is empty."))
    return publish_head(repo, head, reason=reason)


def published_heads(repo: Path, tenant_id: str | None = None) -> list[AuditHead]:
    """Every head published in `repo` (of one tenant when given), oldest entry first."""
    pattern = f"refs/tags/{TAG_PREFIX}/{tenant_id}/" if tenant_id else f"refs/tags/{TAG_PREFIX}/"
    done = _git(repo, "for-each-ref", "--format=%(contents)%00", pattern)
    heads: list[AuditHead] = []
    for chunk in done.stdout.split("\0"):
        chunk = chunk.strip()
        if not chunk:
            continue
        try:
            data = json.loads(chunk)
            heads.append(AuditHead(tenant_id=data["tenant"], seq=int(data["seq"]),
                                   hash=str(data["hash"])))
        except (ValueError, KeyError, TypeError):
            continue  # not one of ours
    return sorted(heads, key=lambda h: h.seq)


def verify_against_published(audit: AuditLog, tenant_id: str,
                             heads: list[AuditHead]) -> TamperCheck:
    """Check the chain itself and that every published head is still in it, unchanged."""
    chain = audit.verify()
    problems = [] if chain.ok else [_("audit chain broken at entry {seq}: {reason}").format(
        seq=chain.first_broken, reason=chain.reason)]
    wanted = {h.seq: h.hash for h in heads if h.tenant_id == tenant_id}
    found: dict[int, str] = {}
    if wanted:
        for entry in audit.entries(after_seq=min(wanted) - 1):
            if entry.seq in wanted:
                found[entry.seq] = entry.hash
            if entry.seq >= max(wanted):
                break
    for seq, digest in sorted(wanted.items()):
        if seq not in found:
            problems.append(_("entry {seq} was published but is missing from the database")
                            .format(seq=seq))
        elif found[seq] != digest:
            problems.append(_("entry {seq} differs from the hash published in git")
                            .format(seq=seq))
    return TamperCheck(tenant_id=tenant_id, ok=not problems, published=len(wanted),
                       chain_ok=chain.ok, problems=problems)


def verify_repo(audit: AuditLog, tenant_id: str, repo: Path) -> TamperCheck:
    """`verify_against_published` with the heads published in `repo`."""
    return verify_against_published(audit, tenant_id, published_heads(repo, tenant_id))
