"""Repairs of failing generated code, restricted to the project's custom-logic slots.

A slot is a region a person (or a repair) may edit; everything else is generated from the
blueprint and is replaced on regeneration. Two markings are understood:

* a region between comment lines holding `webnova:custom-begin <name>` and
  `webnova:custom-end <name>` (any comment syntax: `#`, `//`, `/* */`, `<!-- -->`);
* a whole file listed under `"editable"` in `.webnova/manifest.json` (slot name `file`).

Tests are never slots (a repair must not make a failing test pass by editing it), and neither is
anything under `.webnova/`. Edits are committed on the person's branch (`main`) as a `repair`
stage commit, the regeneration-safe path: the next regeneration three-way merges the generated
output into `main`, so the repaired slot is carried forward like any manual edit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from webnova.adapters.brains.port import CustomSlot, RepairPlan, SlotEdit
from webnova.adapters.git import GitError, ProjectRepo
from webnova.adapters.sandbox import prescan
from webnova.generator.render import MANIFEST
from webnova.graphs import slot_policy
from webnova.i18n import _

_BEGIN: Final = re.compile(r"webnova:custom-begin\s+([A-Za-z0-9_.-]+)")
_END: Final = re.compile(r"webnova:custom-end\s+([A-Za-z0-9_.-]+)")
_MARKER: Final = "webnova:custom-"
WHOLE_FILE: Final = "file"
_MAX_BYTES: Final = 256_000
_SKIPPED_DIRS: Final = frozenset({".webnova", "tests", "test", "__tests__", "node_modules",
                                  ".venv", "dist", "build", "coverage"})


class RepairRejected(ValueError):
    """An edit names no slot of the project, or would break the slot markers."""


@dataclass(frozen=True)
class _Region:
    name: str
    start: int  # index of the first line inside the region
    end: int  # index of the end marker line


def is_test_or_internal(path: str) -> bool:
    """Whether `path` is a test or WebNova's own metadata (never editable by a repair)."""
    parts = PurePosixPath(path).parts
    name = parts[-1]
    return bool(_SKIPPED_DIRS.intersection(parts[:-1])) or name.startswith("test_") or \
        name.endswith(("_test.py", ".test.ts", ".test.js", ".test.mjs", ".test.tsx",
                       ".spec.ts", ".spec.js", ".spec.tsx", "conftest.py"))


def _regions(lines: list[str]) -> Iterator[_Region]:
    open_name: str | None = None
    start = 0
    for index, line in enumerate(lines):
        begin = _BEGIN.search(line)
        if begin and open_name is None:
            open_name, start = begin.group(1), index + 1
            continue
        end = _END.search(line)
        if end and open_name is not None and open_name == end.group(1):
            yield _Region(open_name, start, index)
            open_name = None


def _read(project: Path, path: str) -> str | None:
    file = project / PurePosixPath(path)
    try:
        if not file.is_file() or file.stat().st_size > _MAX_BYTES:
            return None
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _editable_files(project: Path) -> list[str]:
    try:
        manifest = json.loads((project / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    listed = manifest.get("editable", []) if isinstance(manifest, dict) else []
    return [p for p in listed if isinstance(p, str) and not is_test_or_internal(p)]


def _tracked(project: Path) -> list[str]:
    try:
        return sorted(ProjectRepo.open(project).files_at("HEAD"))
    except GitError:
        return []


def find_slots(project: Path) -> list[CustomSlot]:
    """Every slot of the committed project, in path order."""
    slots: list[CustomSlot] = []
    whole = set(_editable_files(project))
    for path in _tracked(project):
        if is_test_or_internal(path):
            continue
        text = _read(project, path)
        if text is None:
            continue
        if path in whole:
            slots.append(CustomSlot(file=path, name=WHOLE_FILE, code=text))
            continue
        if _MARKER not in text:
            continue
        lines = text.splitlines(keepends=True)
        slots.extend(CustomSlot(file=path, name=r.name, code="".join(lines[r.start:r.end]))
                     for r in _regions(lines))
    return slots


# The sandbox pre-scan's language for a slot's file; anything else is scanned as both.
_SCAN_LANGUAGES: Final = {".py": ("python",), ".ts": ("typescript",), ".tsx": ("typescript",),
                          ".js": ("node",), ".mjs": ("node",), ".cjs": ("node",),
                          ".sh": ("bash",)}


def screen_plan(plan: RepairPlan) -> list[str]:
    """Why the plan's code may not be written (translated; empty: nothing was found).

    Model-written code runs in the tester's sandbox and then in the deployment, which has the
    project's secrets: the sandbox pre-scan's high findings and the narrower slot policy
    (`webnova.graphs.slot_policy`) both refuse it before it is written (a description can carry
    instructions the model followed).
    """
    reasons: list[str] = []
    for edit in plan.edits:
        where = f"{edit.file}#{edit.name}"
        suffix = PurePosixPath(edit.file).suffix
        for language in _SCAN_LANGUAGES.get(suffix, ("python", "typescript")):
            verdict = prescan.scan(edit.code, language)
            reasons += [f"{where} {f.line}: {f.reason} ({f.rule})"
                        for f in verdict.findings if f.severity == "high"]
        reasons += [f"{where} {reason}" for reason in slot_policy.refusals(edit.file, edit.code)]
    return reasons


def _replace(text: str, edit: SlotEdit) -> str:
    if edit.name == WHOLE_FILE:
        return edit.code
    lines = text.splitlines(keepends=True)
    region = next((r for r in _regions(lines) if r.name == edit.name), None)
    if region is None:
        raise RepairRejected(_("{file} has no slot {name}.").format(file=edit.file,
                                                                      name=edit.name))
    code = edit.code if edit.code.endswith("\n") or not edit.code else edit.code + "\n"
    return "".join([*lines[:region.start], code, *lines[region.end:]])


def apply_plan(project: Path, plan: RepairPlan) -> list[str]:
    """Write the plan's edits into their slots; the files that changed.

    Raises:
        RepairRejected: an edit names a slot the project does not have, its code contains
            slot markers, or the pre-scan or the slot policy refuse it. Nothing is written then.
    """
    hostile = screen_plan(plan)
    if hostile:
        raise RepairRejected(_("The code was refused: {reasons}").format(
            reasons="; ".join(hostile[:5])))
    offered = {(s.file, s.name) for s in find_slots(project)}
    texts: dict[str, str] = {}
    for edit in plan.edits:
        if (edit.file, edit.name) not in offered:
            raise RepairRejected(_("{file}#{name} is not a custom-logic slot.").format(
                file=edit.file, name=edit.name))
        if _MARKER in edit.code:
            raise RepairRejected(_("The new code of {file}#{name} holds slot markers.").format(
                file=edit.file, name=edit.name))
        current = texts.get(edit.file)
        if current is None:
            current = _read(project, edit.file) or ""
        texts[edit.file] = _replace(current, edit)
    changed = []
    for path, text in texts.items():
        target = project / PurePosixPath(path)
        if target.read_text(encoding="utf-8") != text:
            target.write_bytes(text.encode("utf-8"))
            changed.append(path)
    return sorted(changed)
