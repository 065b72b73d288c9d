"""Evaluate compliance packs on a blueprint, a generated project tree and a deploy target.

`evaluate(...)` runs every control of the selected packs in every stage it has something to look
at, and returns a `ComplianceReport`: per control pass, fail or not_checked, with the evidence of
each stage and the fix suggestion, in English and Arabic. `gate(report)` says whether a release
may go ahead: every failed control must carry an owner's waiver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from webnova.core.events import utcnow
from webnova.generator.blueprint import Blueprint
from webnova.generator.validation import parse_blueprint
from webnova.governance.compliance.catalog import PACKS, PackId, Text, packs
from webnova.governance.compliance.checks import (
    CHECKS,
    STAGES,
    CheckContext,
    Finding,
    Stage,
    sensitive_entities,
)
from webnova.governance.compliance.project import read_project
from webnova.governance.constitution import Constitution

Status = Literal["pass", "fail", "not_checked"]
BLUEPRINT_FILES: Final = ("blueprint.yaml", "blueprint.yml", "blueprint.json",
                          "webnova.blueprint.yaml", ".webnova/blueprint.yaml",
                          ".webnova/blueprint.json")


class StageResult(BaseModel):
    """What one stage found for a control."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    stage: Stage
    status: Literal["pass", "fail"]
    findings: list[Finding]


class WaiverInfo(BaseModel):
    """An owner's waiver of a failed control, until it lapses (`expires_at`, None: never)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    by: str
    reason: str
    at: dt.datetime
    expires_at: dt.datetime | None = None

    def active(self, now: dt.datetime | None = None) -> bool:
        """Whether the waiver still holds at `now` (default: the current time)."""
        return self.expires_at is None or (now or utcnow()) < self.expires_at


class ControlResult(BaseModel):
    """A control's outcome over every stage that ran."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    pack: PackId
    ref: str
    title: Text
    fix: Text
    status: Status
    stages: list[StageResult]
    waiver: WaiverInfo | None = None
    # The newest waiver when it has lapsed: shown in reports, covers nothing.
    expired_waiver: WaiverInfo | None = None

    @property
    def blocks_release(self) -> bool:
        """A failed control without a waiver blocks the release."""
        return self.status == "fail" and self.waiver is None

    def failures(self) -> list[Finding]:
        """The failing findings of every stage."""
        return [f for s in self.stages for f in s.findings if not f.ok]


class ComplianceReport(BaseModel):
    """Every control of the selected packs for one project."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    project: str
    blueprint_version: int | None
    packs: list[PackId]
    stages: list[Stage]
    results: list[ControlResult] = Field(default_factory=list)

    @property
    def blocking(self) -> list[ControlResult]:
        """Failed controls that no waiver covers."""
        return [r for r in self.results if r.blocks_release]

    @property
    def release_allowed(self) -> bool:
        """Whether nothing blocks the release."""
        return not self.blocking

    def result(self, control_id: str) -> ControlResult:
        """The result of one control (KeyError when it was not evaluated)."""
        for item in self.results:
            if item.id == control_id:
                return item
        raise KeyError(control_id)

    def with_waivers(self, waivers: Mapping[str, WaiverInfo],
                     now: dt.datetime | None = None) -> ComplianceReport:
        """This report with waivers attached to the failed controls they cover.

        A lapsed waiver covers nothing: it is kept as `expired_waiver` so reports can say so.
        """
        now = now or utcnow()
        results = []
        for result in self.results:
            waiver = waivers.get(result.id) if result.status == "fail" else None
            if result.status == "fail":
                active = waiver is not None and waiver.active(now)
                result = result.model_copy(update={
                    "waiver": waiver if active else None,
                    "expired_waiver": waiver if waiver is not None and not active else None})
            results.append(result)
        return self.model_copy(update={"results": results})


def packs_for(blueprint: Blueprint | None) -> list[PackId]:
    """The packs a blueprint needs: those it lists, plus those its data implies."""
    if blueprint is None:
        return list(PACKS)
    wanted: set[str] = set(blueprint.compliance)
    if sensitive_entities(blueprint, "phi") or blueprint.domain == "healthcare":
        wanted.add("hipaa")
    if sensitive_entities(blueprint, "pci") or blueprint.features.payments:
        wanted.add("pci-dss")
    return [p for p in PACKS if p in wanted]


def load_project_blueprint(project_dir: Path) -> Blueprint | None:
    """The blueprint stored in a generated project, if it has a valid one."""
    for name in BLUEPRINT_FILES:
        path = project_dir / name
        if path.is_file():
            result = parse_blueprint(path.read_bytes(), filename=path.name)
            if result.blueprint is not None:
                return result.blueprint
    return None


def evaluate(*, blueprint: Blueprint | None = None, project_dir: Path | None = None,
             pack_ids: list[PackId] | None = None, constitution: Constitution | None = None,
             deploy_region: str | None = None, deploy_url: str | None = None) -> ComplianceReport:
    """Evaluate the packs on whatever is given (blueprint, project tree, deployment).

    The deploy stage looks at the region a deployment targets and the address it is served at.

    The blueprint is read from the project tree when not given. Packs default to those the
    blueprint needs (every pack when there is no blueprint).
    """
    if blueprint is None and project_dir is not None:
        blueprint = load_project_blueprint(project_dir)
    facts = read_project(project_dir) if project_dir is not None else None
    data = constitution.data if constitution is not None else None
    ctx = CheckContext(
        blueprint=blueprint, facts=facts,
        allowed_regions=tuple(data.allowed_regions) if data and data.allowed_regions is not None
        else None,
        forbidden_regions=tuple(data.forbidden_regions) if data else (),
        deploy_region=deploy_region, deploy_url=deploy_url)
    selected = pack_ids if pack_ids is not None else packs_for(blueprint)
    results = [_evaluate_control(ctx, pack_id, control.id, control.ref, control.title,
                                 control.fix)
               for pack_id in selected for control in packs()[pack_id].controls]
    stages: list[Stage] = [s for s, present in zip(
        STAGES, (blueprint is not None, facts is not None,
                 deploy_region is not None or deploy_url is not None),
        strict=True) if present]
    name = blueprint.slug if blueprint is not None else \
        (project_dir.name if project_dir is not None else "-")
    return ComplianceReport(project=name,
                            blueprint_version=blueprint.version if blueprint else None,
                            packs=selected, stages=stages, results=results)


def _evaluate_control(ctx: CheckContext, pack_id: PackId, control_id: str, ref: str,
                      title: Text, fix: Text) -> ControlResult:
    stages: list[StageResult] = []
    for stage, check in CHECKS[control_id].items():
        findings = check(ctx)
        if findings is None:
            continue
        status: Literal["pass", "fail"] = "pass" if all(f.ok for f in findings) else "fail"
        stages.append(StageResult(stage=stage, status=status, findings=findings))
    overall: Status = "not_checked" if not stages else \
        "fail" if any(s.status == "fail" for s in stages) else "pass"
    return ControlResult(id=control_id, pack=pack_id, ref=ref, title=title, fix=fix,
                         status=overall, stages=stages)
