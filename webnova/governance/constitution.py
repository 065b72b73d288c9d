"""The constitution: the owner's rules for a tenant, as a versioned YAML file.

Example (also the default when a tenant has none yet)::

    constitution: 1
    deploy:
      production_approval: OWNER     # the role that must approve a production deploy
      require_passing_tests: true    # no deploy while tests fail
    data:
      allowed_regions: [frankfurt, eu-central-1]   # data stays here (empty list: nowhere)
      forbidden_regions: []
    spend:
      max_per_day_usd: 50
    ai:
      may_change_constitution: false
    approvals:
      always_ask: [destructive]      # risks that ask whatever "approve for me below" says
    compliance:
      waiver_days: 90                # an owner's waiver of a failed control lapses after this
                                     # many days (null: never); the default is 90

Only ROOT_OWNER and OWNER may change it (never an AI acting for them, unless the constitution
itself allows it); every change is a new version, audited with its unified diff. A file that does
not parse, breaks the schema or contradicts itself is rejected with the line and the reason, and
the current version stays in force.
"""

from __future__ import annotations

import difflib
import hashlib
from typing import Final, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Table, insert, select

from webnova.core.events import utcnow
from webnova.core.models import ConstitutionRow
from webnova.core.platform import TenantHandle
from webnova.governance.errors import AccessDenied
from webnova.governance.people import ROLE_PERMISSIONS, Member, People, Role, authorize
from webnova.governance.yamlmap import Path, YamlProblem, line_of, load_with_lines
from webnova.i18n import _

_ROWS = cast(Table, ConstitutionRow.__table__)
RiskName = Literal["read", "write", "external", "destructive", "spend"]
RoleName = Literal["ROOT_OWNER", "OWNER", "ADMIN", "DEVELOPER", "VIEWER"]
_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)

DEFAULT_TEXT: Final = """\
constitution: 1
deploy:
  production_approval: OWNER
  require_passing_tests: true
ai:
  may_change_constitution: false
"""


class DeployRules(BaseModel):
    """How deployments are gated."""

    model_config = _STRICT
    production_approval: RoleName = "OWNER"
    require_passing_tests: bool = True


class DataRules(BaseModel):
    """Where data may live; None means no restriction."""

    model_config = _STRICT
    allowed_regions: list[str] | None = None
    forbidden_regions: list[str] = Field(default_factory=list)


class SpendRules(BaseModel):
    """Spending caps in US dollars."""

    model_config = _STRICT
    max_per_day_usd: float | None = Field(default=None, ge=0)
    max_per_month_usd: float | None = Field(default=None, ge=0)


class AiRules(BaseModel):
    """What an AI acting for a person may never do."""

    model_config = _STRICT
    may_change_constitution: bool = False


class ApprovalRules(BaseModel):
    """Risks that always need a person, whatever the tenant's auto-approval threshold."""

    model_config = _STRICT
    always_ask: list[RiskName] = Field(default_factory=list)


class ComplianceRules(BaseModel):
    """How long an owner's waiver of a failed compliance control holds."""

    model_config = _STRICT
    waiver_days: int | None = Field(default=90, ge=1, le=3650)


class Constitution(BaseModel):
    """The parsed rules (see the module docstring for the file format)."""

    model_config = _STRICT
    constitution: Literal[1] = Field(description="Version of the file format.")
    deploy: DeployRules = Field(default_factory=DeployRules)
    data: DataRules = Field(default_factory=DataRules)
    spend: SpendRules = Field(default_factory=SpendRules)
    ai: AiRules = Field(default_factory=AiRules)
    approvals: ApprovalRules = Field(default_factory=ApprovalRules)
    compliance: ComplianceRules = Field(default_factory=ComplianceRules)

    def region_allowed(self, region: str) -> bool:
        """Whether data may live in `region` under these rules."""
        if region in self.data.forbidden_regions:
            return False
        return self.data.allowed_regions is None or region in self.data.allowed_regions


class ConstitutionProblem(BaseModel):
    """Why a file was rejected, and where."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    line: int | None
    path: str
    reason: str


class ParsedConstitution(BaseModel):
    """Result of parsing: the rules, or the problems (errors as data)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    constitution: Constitution | None = None
    problems: list[ConstitutionProblem] = Field(default_factory=list)


def parse_constitution(text: str) -> ParsedConstitution:
    """Parse and check a constitution file; problems carry their line and reason."""
    try:
        data, lines = load_with_lines(text)
    except YamlProblem as exc:
        return _rejected(ConstitutionProblem(line=exc.line, path="", reason=_(
            "not valid YAML: {problem}").format(problem=exc.reason)))
    if not isinstance(data, dict):
        return _rejected(ConstitutionProblem(line=1, path="", reason=_(
            "a constitution is a mapping that starts with 'constitution: 1'")))
    try:
        parsed = Constitution.model_validate(data)
    except ValidationError as exc:
        return ParsedConstitution(problems=[
            ConstitutionProblem(line=line_of(lines, tuple(err["loc"])),
                                path=_dotted(tuple(err["loc"])), reason=err["msg"])
            for err in exc.errors()])
    problems = list(_contradictions(parsed, lines))
    return ParsedConstitution(problems=problems) if problems else \
        ParsedConstitution(constitution=parsed)


def _rejected(problem: ConstitutionProblem) -> ParsedConstitution:
    return ParsedConstitution(problems=[problem])


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _contradictions(c: Constitution, lines: dict[Path, int]) -> list[ConstitutionProblem]:
    problems: list[ConstitutionProblem] = []

    def add(path: Path, reason: str) -> None:
        problems.append(ConstitutionProblem(line=line_of(lines, path), path=_dotted(path),
                                            reason=reason))

    allowed = c.data.allowed_regions
    for index, region in enumerate(c.data.forbidden_regions):
        if allowed is not None and region in allowed:
            add(("data", "forbidden_regions", index), _(
                "region {region} is both allowed and forbidden").format(region=region))
    if allowed is not None and not allowed:
        add(("data", "allowed_regions"), _(
            "no region is allowed, so nothing could ever be deployed"))
    day, month = c.spend.max_per_day_usd, c.spend.max_per_month_usd
    if day is not None and month is not None and day > month:
        add(("spend", "max_per_day_usd"), _(
            "the daily cap ({day}) is above the monthly cap ({month})").format(
                day=day, month=month))
    approver = Role(c.deploy.production_approval)
    if "approval.grant" not in ROLE_PERMISSIONS[approver]:
        add(("deploy", "production_approval"), _(
            "the role {role} may not approve anything, so production deploys could never be "
            "approved").format(role=approver.value))
    return problems


class ConstitutionVersion(BaseModel):
    """A stored version."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    text: str
    sha256: str
    author: str


class ChangeResult(BaseModel):
    """Outcome of a change: the new version and its diff, or the problems (old one kept)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    accepted: bool
    version: int
    diff: str = ""
    problems: list[ConstitutionProblem] = Field(default_factory=list)


class Constitutions:
    """The versions of one tenant's constitution."""

    def __init__(self, tenant: TenantHandle, people: People) -> None:
        self._tenant = tenant
        self._people = people

    def current_version(self) -> ConstitutionVersion:
        """The version in force (version 0 is the built-in default)."""
        with self._tenant.scope.transaction() as conn:
            row = conn.execute(select(_ROWS.c.version, _ROWS.c.text, _ROWS.c.sha256,
                                      _ROWS.c.author)
                               .where(_ROWS.c.tenant_id == self._tenant.id)
                               .order_by(_ROWS.c.version.desc()).limit(1)).first()
        if row is None:
            return ConstitutionVersion(version=0, text=DEFAULT_TEXT, sha256=_sha(DEFAULT_TEXT),
                                       author="webnova")
        return ConstitutionVersion(version=row[0], text=row[1], sha256=row[2], author=row[3])

    def current(self) -> Constitution:
        """The rules in force."""
        parsed = parse_constitution(self.current_version().text)
        assert parsed.constitution is not None, "a stored constitution always parses"
        return parsed.constitution

    def change(self, by: Member, text: str, *, via_ai: bool = False) -> ChangeResult:
        """Replace the constitution with `text` (a new version), if `by` may and it is valid.

        Raises:
            AccessDenied: `by` is not an active ROOT_OWNER/OWNER of this tenant, or an AI acts
                for them and the constitution forbids it (the refusal is audited).
        """
        by = self._people.current(by)
        old = self.current_version()
        self._check_author(by, via_ai)
        parsed = parse_constitution(text)
        if parsed.constitution is None:
            self._tenant.audit.record(by.actor, "constitution.rejected",
                                      "constitution", {"problems": [p.model_dump()
                                                                    for p in parsed.problems]})
            return ChangeResult(accepted=False, version=old.version, problems=parsed.problems)
        diff = unified_diff(old, text, old.version + 1)
        with self._tenant.scope.transaction(write=True) as conn:
            conn.execute(insert(_ROWS).values(
                tenant_id=self._tenant.id, version=old.version + 1, text=text,
                sha256=_sha(text), author=by.actor, created_at=utcnow()))
        self._tenant.audit.record(by.actor, "constitution.changed", "constitution", {
            "version": old.version + 1, "sha256": _sha(text), "diff": diff, "via_ai": via_ai})
        return ChangeResult(accepted=True, version=old.version + 1, diff=diff)

    def _check_author(self, by: Member, via_ai: bool) -> None:
        check = authorize(by, "constitution.change", tenant_id=self._tenant.id)
        reason, code = check.reason, check.code
        if check.allowed and by.role not in (Role.ROOT_OWNER, Role.OWNER):
            reason, code = _("Only a root owner or an owner may change the constitution."), "role"
        elif check.allowed and via_ai and not self.current().ai.may_change_constitution:
            reason, code = _("The constitution forbids an AI to change it."), "ai"
        if reason:
            self._tenant.audit.record(by.actor, "constitution.change.refused", "constitution",
                                      {"reason": code, "via_ai": via_ai})
            raise AccessDenied(reason)

    def history(self) -> list[ConstitutionVersion]:
        """Every stored version, oldest first."""
        with self._tenant.scope.transaction() as conn:
            rows = conn.execute(select(_ROWS.c.version, _ROWS.c.text, _ROWS.c.sha256,
                                       _ROWS.c.author)
                                .where(_ROWS.c.tenant_id == self._tenant.id)
                                .order_by(_ROWS.c.version)).all()
        return [ConstitutionVersion(version=r[0], text=r[1], sha256=r[2], author=r[3])
                for r in rows]


def unified_diff(old: ConstitutionVersion, new_text: str, new_version: int) -> str:
    """The change as a unified diff between two versions."""
    return "".join(difflib.unified_diff(
        old.text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"constitution v{old.version}", tofile=f"constitution v{new_version}"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
