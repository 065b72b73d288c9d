"""What the chat shows of a run, as Markdown: blueprint summary, file tree, tests, history.

Pure functions over plain data (a blueprint dict, a directory, a test report), in the current
language, so they are unit-tested without a browser or a graph. Everything a person or a model
wrote (names, file names, commit subjects) goes through `plain`, so it is shown and never run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import yaml

from webnova.adapters.git import CommitInfo
from webnova.chat.uploads import plain
from webnova.i18n import _, format_number, ngettext

MAX_TREE_ENTRIES: Final = 120
_SKIPPED_DIRS: Final = frozenset({".git", "node_modules", "dist", "build", ".venv", "__pycache__",
                                  ".pytest_cache", "coverage", ".webnova", ".next"})


def stage_label(stage: str) -> str | None:
    """The agent a graph node belongs to, in the current language; None for approval nodes."""
    labels = {
        "intent": _("Intent"),
        "architect": _("Architect"),
        "review_blueprint": _("Governor"),
        "coder": _("Coder"),
        "tester": _("Tester"),
        "review_release": _("Governor"),
        "deployer": _("Deployer"),
    }
    return labels.get(stage)


def stage_working(stage: str) -> str:
    """What an agent is doing while its step spins."""
    texts = {
        "intent": _("Reading your description..."),
        "architect": _("Designing the blueprint..."),
        "review_blueprint": _("Checking the blueprint against the compliance packs..."),
        "coder": _("Generating the project and committing it..."),
        "tester": _("Installing, type-checking, building and testing the project..."),
        "review_release": _("Reviewing tests and compliance before release..."),
        "deployer": _("Starting the project and checking its health..."),
    }
    return texts.get(stage, _("Working..."))


def blueprint_summary(blueprint: Mapping[str, Any]) -> str:
    """A readable summary of a blueprint: what will be built, for whom, with which rules."""
    entities = blueprint.get("entities") or []
    lines = [
        f"**{plain(str(blueprint.get('name', '')))}** "
        f"(`{plain(str(blueprint.get('template', '')))}`, v{blueprint.get('version', 1)})",
        "",
        _("Domain: {domain}").format(domain=plain(str(blueprint.get("domain", "general")))),
        ngettext("{count} entity:", "{count} entities:", len(entities)).format(
            count=format_number(len(entities))),
    ]
    for entity in entities:
        fields = ", ".join(plain(str(f.get("name", ""))) for f in entity.get("fields") or [])
        lines.append(f"- **{plain(str(entity.get('name', '')))}**: {fields}")
    features = _enabled_features(blueprint.get("features") or {})
    lines.append(_("Features: {features}").format(features=", ".join(features) or "-"))
    compliance = [plain(str(c)) for c in blueprint.get("compliance") or []]
    lines.append(_("Compliance: {frameworks}").format(frameworks=", ".join(compliance) or "-"))
    stack = blueprint.get("stack") or {}
    if stack:
        lines.append(_("Stack: {stack}").format(stack=" + ".join(
            plain(str(stack[k])) for k in ("frontend", "backend", "database") if stack.get(k))))
    return "\n".join(lines)


def _enabled_features(features: Mapping[str, Any]) -> list[str]:
    shown = []
    for name, value in features.items():
        if value is True or (isinstance(value, Mapping) and value.get("enabled")):
            shown.append(plain(str(name)))
        elif isinstance(value, list) and value:
            shown.append(f"{plain(str(name))} ({', '.join(plain(str(v)) for v in value)})")
    return shown


def blueprint_yaml(blueprint: Mapping[str, Any]) -> str:
    """The blueprint as YAML, the same format `webnova generate` reads."""
    return yaml.safe_dump(dict(blueprint), allow_unicode=True, sort_keys=False)


def file_tree(project: Path, limit: int = MAX_TREE_ENTRIES) -> str:
    """The generated project's files as an indented tree (dependencies and builds left out)."""
    lines: list[str] = []
    total = 0
    for path, depth in _walk(project, 0):
        total += 1
        if len(lines) < limit:
            suffix = "/" if path.is_dir() else ""
            lines.append("  " * depth + path.name + suffix)
    if total > limit:
        lines.append(ngettext("... and {count} more entry", "... and {count} more entries",
                              total - limit).format(count=format_number(total - limit)))
    return "\n".join(lines)


def _walk(folder: Path, depth: int) -> Iterable[tuple[Path, int]]:
    try:
        children = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    except OSError:
        return
    for child in children:
        if child.name in _SKIPPED_DIRS or child.is_symlink():
            continue
        yield child, depth
        if child.is_dir():
            yield from _walk(child, depth + 1)


def test_report_text(report: Mapping[str, Any]) -> str:
    """The tester's report: one line per phase with its time, then the summary."""
    mark = {True: "✅", False: "❌"}
    lines = [f"- {mark[bool(p.get('ok'))]} {plain(str(p.get('phase', '')))}: "
             + _("{seconds} s").format(seconds=format_number(float(p.get("seconds") or 0)))
             for p in report.get("phases") or []]
    lines.extend(["", str(report.get("summary", ""))])
    return "\n".join(lines).strip()


def history_text(commits: Sequence[CommitInfo]) -> str:
    """The project's git log: short id, stage, blueprint version and subject, newest first."""
    if not commits:
        return _("The project has no commits yet.")
    lines = []
    for commit in commits:
        stage = f" [{plain(commit.stage)}]" if commit.stage else ""
        version = f" v{commit.blueprint_version}" if commit.blueprint_version else ""
        lines.append(f"- `{commit.sha[:10]}`{stage}{version} {plain(commit.subject)}")
    return "\n".join(lines)


def approval_details(kind: str, details: Mapping[str, Any]) -> str:
    """The facts behind an approval request, as a short Markdown list."""
    rows: list[str] = []
    if kind == "spend":
        # The summary already says why; this is the arithmetic behind it.
        rows.append(_("Budget {budget}: {used} used of {limit}").format(
            budget=plain(str(details.get("budget", ""))),
            used=format_number(float(details.get("used") or 0)),
            limit=format_number(float(details.get("limit") or 0))))
    if details.get("template"):
        rows.append(_("Template: {template}").format(template=plain(str(details["template"]))))
    if details.get("domain"):
        rows.append(_("Domain: {domain}").format(domain=plain(str(details["domain"]))))
    if details.get("entities"):
        rows.append(_("Entities: {names}").format(
            names=", ".join(plain(str(e)) for e in details["entities"])))
    if details.get("commit"):
        rows.append(_("Commit: {commit}").format(commit=f"`{str(details['commit'])[:10]}`"))
    if details.get("tests"):
        rows.append(_("Tests: {summary}").format(summary=plain(str(details["tests"]))))
    if details.get("packs"):
        rows.append(_("Compliance packs: {packs}").format(
            packs=", ".join(plain(str(p)) for p in details["packs"])))
    failures = details.get("compliance_failures") or []
    if failures:
        rows.append(_("Open compliance findings: {ids}").format(
            ids=", ".join(f"`{plain(str(f))}`" for f in failures)))
    elif kind in ("blueprint", "release") and details.get("packs"):
        rows.append(_("No open compliance findings."))
    for reason in details.get("reasons") or []:
        rows.append(f"- {plain(str(reason))}")
    for warning in details.get("warnings") or []:
        rows.append(f"- {plain(str(warning))}")
    return "\n".join(row if row.startswith("- ") else f"- {row}" for row in rows)
