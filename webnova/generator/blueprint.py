"""The Blueprint: the single, versioned description of a platform that every stage builds from.

The same strict pydantic model is the JSON Schema committed in `blueprints/blueprint.schema.json`,
the tool schema given to Claude, and the validator of uploaded YAML/JSON (see
`webnova.generator.validation`, which turns errors into localized, path-addressed issues).

Validation happens in two layers:

* structure: types, enums, lengths and patterns, enforced by the models below;
* consistency: rules across fields (unique names, references to existing entities, workable stack
  combinations), listed by `find_problems` and enforced by `Blueprint` after its structure is valid,
  so no `Blueprint` instance can be inconsistent.

Consistency rules (code -> path it points at):

* `duplicate_value`: a value repeated in locales, compliance, features.payments,
  deployment.environments or a field's enum_values (points at the repeat).
* `default_locale_missing`: default_locale is not one of locales.
* `duplicate_entity` / `duplicate_field`: names collide after `name_key` normalization
  (case, width and `-`/`_`/space differences are ignored, as generated identifiers would collide).
* `max_length_not_allowed`: max_length on a field that is not string, text, email or url.
* `enum_values_required` / `enum_values_not_allowed`: enum_values present exactly for enum fields.
* `unknown_entity`: a relation endpoint or a page's entity names no entity.
* `duplicate_page_path`; `page_entity_required`: list, detail and form pages show one entity.
* `stack_language`: the fastapi backend is Python; every other backend and frontend-only stacks
  are TypeScript.
* `nextjs_pair`: Next.js is full-stack here: frontend nextjs and backend nextjs go together.
* `requires_backend`: graphql, jwt auth, postgresql and payments need a server.
* `nothing_to_build`: frontend none and backend none.
* `template_frontend` / `template_backend`: the template supports this frontend/backend
  (see `TEMPLATE_STACKS`).
* `auth_needs_jwt`: features.auth needs stack.auth jwt.
* `i18n_single_locale`: with features.i18n off the platform has exactly one locale.
* `multi_tenancy_needs_database`: tenancy multi needs postgresql (tenant isolation lives there).
* `custom_domain_needs_hosting`: a custom domain needs a provider other than local.
* `duplicate_integration`: the same kind and provider twice.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

SCHEMA_VERSION: Final = 1

# Names are free text in any script (Arabic included); control and bidi-override characters are
# refused because names end up in generated code, where they could hide text ("Trojan source").
NAME_PATTERN: Final = r"^[^\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]+$"
SLUG_PATTERN: Final = r"^[a-z][a-z0-9-]{1,62}$"
PAGE_PATH_PATTERN: Final = r"^/[^\s?#]*$"
PROVIDER_PATTERN: Final = r"^[a-z][a-z0-9_.-]{0,63}$"
REGION_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{0,63}$"
ENVIRONMENT_PATTERN: Final = r"^[a-z][a-z0-9-]{0,31}$"
# Lowercase ASCII (IDNs in their xn-- form), at least two labels.
HOSTNAME_PATTERN: Final = (
    r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)

LocaleTag = Literal["en", "ar"]
Domain = Literal[
    "financial", "healthcare", "government", "education", "enterprise", "commerce", "general"
]
TemplateId = Literal[
    "react-express", "nextjs-fullstack", "vue-fastify", "svelte-express", "static-site",
    "api-only", "mobile-pwa", "ecommerce", "saas-starter", "blog-cms", "dashboard", "landing-page",
]
Frontend = Literal["react", "nextjs", "vue", "svelte", "static", "none"]
Backend = Literal["express", "fastify", "nextjs", "fastapi", "none"]
Language = Literal["typescript", "python"]
Database = Literal["postgresql", "none"]
ApiStyle = Literal["rest", "graphql"]
AuthMode = Literal["none", "jwt"]
FieldType = Literal[
    "string", "text", "integer", "decimal", "boolean", "date", "datetime", "email", "url",
    "enum", "uuid", "json",
]
RelationKind = Literal["one-to-many", "many-to-one", "many-to-many", "one-to-one"]
PageKind = Literal["list", "detail", "form", "dashboard", "landing", "custom"]
PaymentProvider = Literal["stripe", "paypal", "mada", "apple_pay", "stc_pay"]
IntegrationKind = Literal[
    "ai", "payment", "communication", "cloud", "analytics", "search", "media", "maps"
]
ComplianceFramework = Literal["pci-dss", "hipaa", "gdpr"]
TenancyMode = Literal["single", "multi"]
DeployProvider = Literal["local", "vercel", "netlify", "railway", "render", "fly", "hetzner"]

TEMPLATE_IDS: Final[tuple[TemplateId, ...]] = get_args(TemplateId)
TEXT_FIELD_TYPES: Final[frozenset[FieldType]] = frozenset({"string", "text", "email", "url"})
ENTITY_PAGE_KINDS: Final[frozenset[PageKind]] = frozenset({"list", "detail", "form"})

_UI_FRONTENDS: Final[frozenset[Frontend]] = frozenset({"react", "nextjs", "vue", "svelte"})
_SERVERS: Final[frozenset[Backend]] = frozenset({"express", "fastify", "nextjs", "fastapi"})
_ALL_BACKENDS: Final[frozenset[Backend]] = frozenset(get_args(Backend))


@dataclass(frozen=True)
class TemplateStack:
    """The frontends and backends a template can render."""

    frontends: frozenset[Frontend]
    backends: frozenset[Backend]


# The one table the generator and the validator share; widen it when a template learns a stack.
TEMPLATE_STACKS: Final[Mapping[TemplateId, TemplateStack]] = {
    "react-express": TemplateStack(frozenset({"react"}), frozenset({"express"})),
    "nextjs-fullstack": TemplateStack(frozenset({"nextjs"}), frozenset({"nextjs"})),
    "vue-fastify": TemplateStack(frozenset({"vue"}), frozenset({"fastify"})),
    "svelte-express": TemplateStack(frozenset({"svelte"}), frozenset({"express"})),
    "static-site": TemplateStack(frozenset({"static"}), frozenset({"none"})),
    "landing-page": TemplateStack(_UI_FRONTENDS | {"static"}, frozenset({"none"})),
    "api-only": TemplateStack(frozenset({"none"}), _SERVERS - {"nextjs"}),
    "mobile-pwa": TemplateStack(_UI_FRONTENDS, _ALL_BACKENDS),
    "ecommerce": TemplateStack(_UI_FRONTENDS, _SERVERS),
    "saas-starter": TemplateStack(_UI_FRONTENDS, _SERVERS),
    "blog-cms": TemplateStack(_UI_FRONTENDS, _SERVERS),
    "dashboard": TemplateStack(_UI_FRONTENDS, _SERVERS),
}

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)
_SKIP_CONSISTENCY: Final = "webnova_skip_consistency_checks"

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=NAME_PATTERN)]
DisplayText = Annotated[str, Field(min_length=1, max_length=120, pattern=NAME_PATTERN)]


def _unique_items(description: str, **constraints: Any) -> Any:
    return Field(description=description, json_schema_extra={"uniqueItems": True}, **constraints)


class Label(BaseModel):
    """A display label per language; the name is used where a language has no label."""

    model_config = _STRICT

    en: DisplayText | None = Field(default=None, description="English label.")
    ar: DisplayText | None = Field(default=None, description="Arabic label.")


class EntityField(BaseModel):
    """One attribute of an entity. The generator adds the primary key and timestamps itself."""

    model_config = _STRICT

    name: Name = Field(description="Field name, any script (e.g. 'email', 'تاريخ الميلاد').")
    label: Label | None = Field(default=None, description="Display labels per language.")
    type: FieldType = Field(description="Storage and validation type.")
    required: bool = Field(default=False, description="A value must be given.")
    unique: bool = Field(default=False, description="No two records share a value.")
    max_length: int | None = Field(
        default=None, ge=1, le=100_000,
        description="Maximum characters; only for string, text, email and url fields.",
    )
    enum_values: list[Name] | None = _unique_items(
        "Allowed values; required (non-empty) for enum fields and absent otherwise.",
        default=None, max_length=200,
    )
    pii: bool = Field(default=False, description="Personally identifiable information.")
    phi: bool = Field(default=False, description="Protected health information (HIPAA).")
    pci: bool = Field(default=False, description="Payment card data (PCI-DSS).")
    encrypted: bool = Field(default=False, description="Encrypt the value at rest.")


class Entity(BaseModel):
    """A kind of record the platform stores and serves (a table and its API)."""

    model_config = _STRICT

    name: Name = Field(description="Entity name, any script (e.g. 'Patient', 'مريض').")
    label: Label | None = Field(default=None, description="Display labels per language.")
    fields: list[EntityField] = Field(
        min_length=1, max_length=200, description="The entity's fields (at least one)."
    )


class Relation(BaseModel):
    """A link between two entities."""

    model_config = _STRICT

    source: Name = Field(description="Name of the entity the relation starts from.")
    target: Name = Field(description="Name of the entity the relation points to.")
    kind: RelationKind = Field(description="Cardinality, read from source to target.")
    name: Name | None = Field(default=None, description="Optional name of the link.")
    required: bool = Field(default=False, description="Every source record must have a target.")


class Page(BaseModel):
    """A screen of the generated frontend."""

    model_config = _STRICT

    name: DisplayText = Field(description="Page title, any script.")
    path: str = Field(
        max_length=200, pattern=PAGE_PATH_PATTERN,
        description="URL path starting with '/', without query or fragment (e.g. '/patients').",
    )
    kind: PageKind = Field(description="What the page does; list, detail and form show an entity.")
    entity: Name | None = Field(default=None, description="Name of the entity the page shows.")


class Features(BaseModel):
    """Cross-cutting capabilities the generated platform includes."""

    model_config = _STRICT

    auth: bool = Field(default=False, description="Sign-up, sign-in and protected routes.")
    payments: list[PaymentProvider] = _unique_items(
        "Payment methods offered at checkout; empty means no payments.", default_factory=list
    )
    search: bool = Field(default=False, description="Full-text search over entities.")
    maps: bool = Field(default=False, description="Maps and locations.")
    media: bool = Field(default=False, description="File and image uploads.")
    notifications: bool = Field(default=False, description="E-mail/SMS/push notifications.")
    i18n: bool = Field(default=True, description="A language switch across the platform's locales.")


class Integration(BaseModel):
    """A third-party service the platform talks to."""

    model_config = _STRICT

    kind: IntegrationKind = Field(description="The service category.")
    provider: str = Field(
        pattern=PROVIDER_PATTERN, description="Provider id in lowercase, e.g. 'stripe', 'twilio'."
    )


class Tenancy(BaseModel):
    """Whether one deployment serves one organization or many isolated ones."""

    model_config = _STRICT

    mode: TenancyMode = Field(default="single", description="single or multi (isolated tenants).")


class Deployment(BaseModel):
    """Where and how the platform runs."""

    model_config = _STRICT

    provider: DeployProvider = Field(default="local", description="Hosting provider.")
    region: str = Field(
        default="local", pattern=REGION_PATTERN, description="Provider region, e.g. 'fra1'."
    )
    environments: list[Annotated[str, Field(pattern=ENVIRONMENT_PATTERN)]] = _unique_items(
        "Environment names, e.g. ['staging', 'production'].",
        default_factory=lambda: ["production"], min_length=1, max_length=10,
    )
    custom_domain: str | None = Field(
        default=None, max_length=253, pattern=HOSTNAME_PATTERN,
        description="Lowercase hostname such as 'shop.example.com'; not for the local provider.",
    )


class Stack(BaseModel):
    """The technologies the project is generated in."""

    model_config = _STRICT

    frontend: Frontend = Field(description="Frontend framework; none for an API only.")
    backend: Backend = Field(description="Backend framework; none for a static/frontend-only site.")
    language: Language = Field(description="Backend language: python for fastapi, else typescript.")
    database: Database = Field(description="postgresql, or none when nothing is stored.")
    api: ApiStyle = Field(default="rest", description="API style of the backend.")
    auth: AuthMode = Field(default="none", description="Authentication mechanism.")


class Blueprint(BaseModel):
    """A WebNova Blueprint: everything needed to generate, test and deploy one platform."""

    model_config = _STRICT

    schema_version: Literal[1] = Field(default=1, description="Version of this contract.")
    version: int = Field(default=1, ge=1, description="Revision; increments on every revision.")
    name: str = Field(
        min_length=1, max_length=120, pattern=NAME_PATTERN,
        description="Platform name in any language.",
    )
    slug: str = Field(
        pattern=SLUG_PATTERN, description="Project identifier: lowercase letters, digits, hyphens."
    )
    description: str = Field(default="", max_length=4000, description="What the platform is for.")
    locales: list[LocaleTag] = _unique_items(
        "Languages of the platform.", default_factory=lambda: ["en", "ar"], min_length=1
    )
    default_locale: LocaleTag = Field(default="en", description="One of locales.")
    domain: Domain = Field(description="Business domain; drives compliance defaults.")
    template: TemplateId = Field(description="Template the project is rendered from.")
    stack: Stack = Field(description="Technologies to generate.")
    entities: list[Entity] = Field(
        default_factory=list, max_length=200, description="Records the platform stores."
    )
    relations: list[Relation] = Field(
        default_factory=list, max_length=500, description="Links between entities."
    )
    pages: list[Page] = Field(default_factory=list, max_length=200, description="Frontend pages.")
    features: Features = Field(default_factory=Features, description="Capabilities to include.")
    integrations: list[Integration] = Field(
        default_factory=list, max_length=50, description="Third-party services."
    )
    compliance: list[ComplianceFramework] = _unique_items(
        "Compliance frameworks the platform must satisfy.", default_factory=list
    )
    tenancy: Tenancy = Field(default_factory=Tenancy, description="Tenant isolation.")
    deployment: Deployment = Field(default_factory=Deployment, description="Hosting.")

    @model_validator(mode="after")
    def _check_consistency(self, info: ValidationInfo) -> Self:
        # validation.py skips this to report every problem with its own path and translation.
        if isinstance(info.context, dict) and info.context.get(_SKIP_CONSISTENCY):
            return self
        problems = find_problems(self)
        if problems:
            summary = "; ".join(f"{p.location}: {p.code}" for p in problems)
            raise PydanticCustomError(
                "blueprint_inconsistent", "inconsistent blueprint: {summary}", {"summary": summary}
            )
        return self

    def revise(self, **changes: Any) -> Blueprint:
        """Return the next revision: this blueprint with `changes` applied and version + 1.

        Raises:
            TypeError: `version` or `schema_version` is passed; revisions number themselves.
            pydantic.ValidationError: the revised blueprint is invalid or inconsistent.
        """
        managed = {"version", "schema_version"} & changes.keys()
        if managed:
            raise TypeError(f"revise() manages {sorted(managed)} itself")
        data = self.model_dump()
        data.update(changes)
        data["version"] = self.version + 1
        return Blueprint.model_validate(data)

    def find_entity(self, name: str) -> Entity | None:
        """The entity whose name matches `name` under `name_key` (how references resolve)."""
        key = name_key(name)
        return next((e for e in self.entities if name_key(e.name) == key), None)


def name_key(name: str) -> str:
    """Normalize a name for comparisons: width, case, and `-`/`_`/space runs are ignored."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "_".join(text.replace("-", " ").replace("_", " ").split())


def blueprint_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `Blueprint`; deterministic for a given model."""
    schema = Blueprint.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def blueprint_json_schema_text() -> str:
    """The schema exactly as committed in `blueprints/blueprint.schema.json`."""
    return json.dumps(blueprint_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def validate_structure(data: object) -> Blueprint:
    """Validate types and shapes only, leaving `find_problems` to the caller.

    Raises:
        pydantic.ValidationError: the structure is invalid.
    """
    return Blueprint.model_validate(data, context={_SKIP_CONSISTENCY: True})


# ---------------------------------------------------------------- consistency rules

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class BlueprintProblem:
    """A consistency rule a structurally valid blueprint breaks; `params` fill its message."""

    path: Path
    code: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """The path written as `entities[0].fields[1].name`."""
        return format_path(self.path)


def format_path(path: Iterable[str | int]) -> str:
    """Write a location as `entities[0].fields[1].max_length` (empty for the document itself)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def find_problems(bp: Blueprint) -> list[BlueprintProblem]:
    """Every consistency rule `bp` breaks, in a stable order (see the module docstring)."""
    return [
        *_duplicates(bp),
        *_locale_problems(bp),
        *_entity_problems(bp),
        *_reference_problems(bp),
        *_page_problems(bp),
        *_stack_problems(bp),
        *_feature_problems(bp),
        *_deployment_problems(bp),
    ]


def _repeats(values: Iterable[str], path: Path) -> Iterator[BlueprintProblem]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield BlueprintProblem((*path, index), "duplicate_value", {"value": value})
        seen.add(value)


def _duplicates(bp: Blueprint) -> Iterator[BlueprintProblem]:
    yield from _repeats(bp.locales, ("locales",))
    yield from _repeats(bp.compliance, ("compliance",))
    yield from _repeats(bp.features.payments, ("features", "payments"))
    yield from _repeats(bp.deployment.environments, ("deployment", "environments"))
    seen: set[tuple[str, str]] = set()
    for index, integration in enumerate(bp.integrations):
        key = (integration.kind, integration.provider)
        if key in seen:
            yield BlueprintProblem(("integrations", index), "duplicate_integration",
                                   {"kind": integration.kind, "provider": integration.provider})
        seen.add(key)


def _locale_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    if bp.default_locale not in bp.locales:
        yield BlueprintProblem(("default_locale",), "default_locale_missing",
                               {"locale": bp.default_locale, "locales": ", ".join(bp.locales)})


def _entity_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    seen: set[str] = set()
    for e_index, entity in enumerate(bp.entities):
        if name_key(entity.name) in seen:
            yield BlueprintProblem(("entities", e_index, "name"), "duplicate_entity",
                                   {"name": entity.name})
        seen.add(name_key(entity.name))
        field_keys: set[str] = set()
        for f_index, entity_field in enumerate(entity.fields):
            path: Path = ("entities", e_index, "fields", f_index)
            if name_key(entity_field.name) in field_keys:
                yield BlueprintProblem((*path, "name"), "duplicate_field",
                                       {"name": entity_field.name, "entity": entity.name})
            field_keys.add(name_key(entity_field.name))
            yield from _field_problems(entity_field, path)


def _field_problems(entity_field: EntityField, path: Path) -> Iterator[BlueprintProblem]:
    kind = entity_field.type
    if entity_field.max_length is not None and kind not in TEXT_FIELD_TYPES:
        yield BlueprintProblem((*path, "max_length"), "max_length_not_allowed", {"type": kind})
    values = entity_field.enum_values
    if kind == "enum" and not values:
        yield BlueprintProblem((*path, "enum_values"), "enum_values_required")
    elif kind != "enum" and values is not None:
        yield BlueprintProblem((*path, "enum_values"), "enum_values_not_allowed", {"type": kind})
    elif values:
        yield from _repeats(values, (*path, "enum_values"))


def _known(bp: Blueprint) -> str:
    return ", ".join(e.name for e in bp.entities) or "-"


def _reference_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    for index, relation in enumerate(bp.relations):
        for end in ("source", "target"):
            name: str = getattr(relation, end)
            if bp.find_entity(name) is None:
                yield BlueprintProblem(("relations", index, end), "unknown_entity",
                                       {"name": name, "known": _known(bp)})


def _page_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    paths: set[str] = set()
    for index, page in enumerate(bp.pages):
        if page.path in paths:
            yield BlueprintProblem(("pages", index, "path"), "duplicate_page_path",
                                   {"path": page.path})
        paths.add(page.path)
        if page.entity is None and page.kind in ENTITY_PAGE_KINDS:
            yield BlueprintProblem(("pages", index, "entity"), "page_entity_required",
                                   {"kind": page.kind})
        elif page.entity is not None and bp.find_entity(page.entity) is None:
            yield BlueprintProblem(("pages", index, "entity"), "unknown_entity",
                                   {"name": page.entity, "known": _known(bp)})


def _stack_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    stack = bp.stack
    expected = "python" if stack.backend == "fastapi" else "typescript"
    if stack.language != expected:
        yield BlueprintProblem(("stack", "language"), "stack_language",
                               {"backend": stack.backend, "expected": expected})
    if stack.backend == "nextjs" and stack.frontend != "nextjs":
        yield BlueprintProblem(("stack", "frontend"), "nextjs_pair")
    if stack.frontend == "nextjs" and stack.backend != "nextjs":
        yield BlueprintProblem(("stack", "backend"), "nextjs_pair")
    if stack.backend == "none":
        yield from _serverless_problems(bp)
    rule = TEMPLATE_STACKS[bp.template]
    if stack.frontend not in rule.frontends:
        yield BlueprintProblem(("stack", "frontend"), "template_frontend", {
            "template": bp.template, "value": stack.frontend,
            "allowed": ", ".join(sorted(rule.frontends))})
    if stack.backend not in rule.backends:
        yield BlueprintProblem(("stack", "backend"), "template_backend", {
            "template": bp.template, "value": stack.backend,
            "allowed": ", ".join(sorted(rule.backends))})


def _serverless_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    stack = bp.stack
    if stack.frontend == "none":
        yield BlueprintProblem(("stack",), "nothing_to_build")
    needs: list[tuple[Path, str]] = []
    if stack.api == "graphql":
        needs.append((("stack", "api"), "stack.api: graphql"))
    if stack.auth == "jwt":
        needs.append((("stack", "auth"), "stack.auth: jwt"))
    if stack.database == "postgresql":
        needs.append((("stack", "database"), "stack.database: postgresql"))
    if bp.features.payments:
        needs.append((("features", "payments"), "features.payments"))
    for path, setting in needs:
        yield BlueprintProblem(path, "requires_backend", {"setting": setting})


def _feature_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    if bp.features.auth and bp.stack.auth != "jwt":
        yield BlueprintProblem(("features", "auth"), "auth_needs_jwt")
    if not bp.features.i18n and len(bp.locales) != 1:
        yield BlueprintProblem(("features", "i18n"), "i18n_single_locale",
                               {"count": str(len(bp.locales))})
    if bp.tenancy.mode == "multi" and bp.stack.database != "postgresql":
        yield BlueprintProblem(("tenancy", "mode"), "multi_tenancy_needs_database")


def _deployment_problems(bp: Blueprint) -> Iterator[BlueprintProblem]:
    if bp.deployment.custom_domain is not None and bp.deployment.provider == "local":
        yield BlueprintProblem(("deployment", "custom_domain"), "custom_domain_needs_hosting")


# ---------------------------------------------------------------- revisions and their diff

_DIFF_SECTIONS: Final = ("entities", "relations", "pages", "version")


class _DiffModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldChange(_DiffModel):
    """A field present in both revisions whose definition changed."""

    name: str = Field(description="The field's name in the new revision.")
    attributes: list[str] = Field(description="Changed attributes, e.g. ['type', 'max_length'].")


class EntityChange(_DiffModel):
    """An entity present in both revisions (matched by `name_key`) whose definition changed."""

    name: str = Field(description="The entity's name in the new revision.")
    previous_name: str | None = Field(default=None, description="Old spelling, when it changed.")
    label_changed: bool = Field(default=False, description="The display labels changed.")
    fields_added: list[str] = Field(default_factory=list, description="New field names.")
    fields_removed: list[str] = Field(default_factory=list, description="Dropped field names.")
    fields_changed: list[FieldChange] = Field(default_factory=list, description="Edited fields.")


class PageChange(_DiffModel):
    """A page path present in both revisions whose definition changed."""

    path: str = Field(description="The page path (pages are matched by path).")
    attributes: list[str] = Field(description="Changed attributes, e.g. ['kind'].")


class BlueprintDiff(_DiffModel):
    """What changed between two revisions; drives the impact preview before regeneration.

    Entities and fields are matched by `name_key`, pages by path and relations by their whole
    definition, so a rename shows up as one removal and one addition.
    """

    from_version: int = Field(description="Version of the old blueprint.")
    to_version: int = Field(description="Version of the new blueprint.")
    entities_added: list[str] = Field(default_factory=list)
    entities_removed: list[str] = Field(default_factory=list)
    entities_changed: list[EntityChange] = Field(default_factory=list)
    relations_added: list[Relation] = Field(default_factory=list)
    relations_removed: list[Relation] = Field(default_factory=list)
    pages_added: list[str] = Field(default_factory=list, description="Paths of new pages.")
    pages_removed: list[str] = Field(default_factory=list, description="Paths of dropped pages.")
    pages_changed: list[PageChange] = Field(default_factory=list)
    settings_changed: list[str] = Field(
        default_factory=list,
        description="Other top-level keys that changed, e.g. ['stack', 'features'].",
    )

    @property
    def is_empty(self) -> bool:
        """Nothing but (possibly) the version number changed."""
        return not any(
            getattr(self, name) for name in type(self).model_fields
            if name not in {"from_version", "to_version"}
        )


def diff_blueprints(old: Blueprint, new: Blueprint) -> BlueprintDiff:
    """Compare two revisions of a blueprint (see `BlueprintDiff` for how items are matched)."""
    old_entities = {name_key(e.name): e for e in old.entities}
    new_entities = {name_key(e.name): e for e in new.entities}
    old_pages = {p.path: p for p in old.pages}
    new_pages = {p.path: p for p in new.pages}
    old_dump, new_dump = old.model_dump(), new.model_dump()
    return BlueprintDiff(
        from_version=old.version,
        to_version=new.version,
        entities_added=[e.name for k, e in new_entities.items() if k not in old_entities],
        entities_removed=[e.name for k, e in old_entities.items() if k not in new_entities],
        entities_changed=[
            change for k, e in new_entities.items() if k in old_entities
            if (change := _entity_change(old_entities[k], e)) is not None
        ],
        relations_added=[r for r in new.relations if r not in old.relations],
        relations_removed=[r for r in old.relations if r not in new.relations],
        pages_added=[p for p in new_pages if p not in old_pages],
        pages_removed=[p for p in old_pages if p not in new_pages],
        pages_changed=[
            PageChange(path=p, attributes=_changed_attributes(old_pages[p], page))
            for p, page in new_pages.items() if p in old_pages and old_pages[p] != page
        ],
        settings_changed=[
            key for key in new_dump
            if key not in _DIFF_SECTIONS and old_dump[key] != new_dump[key]
        ],
    )


def _changed_attributes(old: BaseModel, new: BaseModel) -> list[str]:
    return [name for name in type(new).model_fields if getattr(old, name) != getattr(new, name)]


def _entity_change(old: Entity, new: Entity) -> EntityChange | None:
    if old == new:
        return None
    old_fields = {name_key(f.name): f for f in old.fields}
    new_fields = {name_key(f.name): f for f in new.fields}
    return EntityChange(
        name=new.name,
        previous_name=old.name if old.name != new.name else None,
        label_changed=old.label != new.label,
        fields_added=[f.name for k, f in new_fields.items() if k not in old_fields],
        fields_removed=[f.name for k, f in old_fields.items() if k not in new_fields],
        fields_changed=[
            FieldChange(name=f.name, attributes=_changed_attributes(old_fields[k], f))
            for k, f in new_fields.items() if k in old_fields and old_fields[k] != f
        ],
    )
