"""Check an uploaded or generated blueprint and explain every problem in the reader's language.

Failures are data: a `ValidationResult` carries either the `Blueprint` or the list of
`BlueprintIssue`s, each with a path such as `entities[0].fields[1].max_length`, a stable code and
a message translated through gettext. Structure is checked first; the consistency rules of
`webnova.generator.blueprint.find_problems` run only on a structurally valid document.
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Callable, Hashable, Mapping
from pathlib import PurePath
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Final,
    Literal,
    TypeGuard,
    Union,
    get_args,
    get_origin,
)

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode

from webnova.generator.blueprint import (
    ENVIRONMENT_PATTERN,
    HOSTNAME_PATTERN,
    NAME_PATTERN,
    PAGE_PATH_PATTERN,
    PROVIDER_PATTERN,
    REGION_PATTERN,
    SLUG_PATTERN,
    Blueprint,
    BlueprintProblem,
    find_problems,
    format_path,
    validate_structure,
)
from webnova.i18n import N_, _, format_number, ngettext

MAX_INPUT_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 32
MAX_NODES: Final = 200_000
MAX_ISSUES: Final = 100

Format = Literal["yaml", "json"]


class BlueprintIssue(BaseModel):
    """One problem in a blueprint document, located by path (and by line for syntax errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="Where: 'entities[0].fields[1].max_length'; '' for the document.")
    code: str = Field(description="Stable machine-readable kind, e.g. 'missing', 'unknown_entity'.")
    message: str = Field(description="Explanation in the current language.")
    line: int | None = Field(default=None, description="1-based line, for syntax errors.")
    column: int | None = Field(default=None, description="1-based column, for syntax errors.")

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ValidationResult(BaseModel):
    """Either a valid `blueprint` (and no issues) or the issues that prevent one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    blueprint: Blueprint | None = None
    issues: list[BlueprintIssue] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the document is a valid blueprint."""
        return self.blueprint is not None


class _DocumentError(Exception):
    """Internal: the text cannot become a document; carries the issue to report."""

    def __init__(self, issue: BlueprintIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def parse_blueprint(data: str | bytes, *, filename: str | None = None) -> ValidationResult:
    """Parse YAML or JSON text and validate it as a blueprint.

    The format follows the file extension (`.json`, `.yaml`, `.yml`); without one, text that
    starts with `{` or `[` is JSON and anything else YAML. Empty, binary (NUL bytes, not UTF-8),
    oversized (over 1 MiB), syntactically broken, duplicate-key and pathologically nested input
    are reported as issues, never raised.
    """
    try:
        text = _decode(data)
        document = _load(text, _detect_format(text, filename))
    except _DocumentError as error:
        return ValidationResult(issues=[error.issue])
    return validate_blueprint(document)


def validate_blueprint(data: object) -> ValidationResult:
    """Validate a parsed document (a mapping) or pass through an existing `Blueprint`.

    Use this for dicts that did not come from text, such as a model's tool call arguments.
    """
    if isinstance(data, Blueprint):
        return ValidationResult(blueprint=data)
    if not isinstance(data, Mapping):
        return _fail(_issue("", "not_mapping", _(
            "A blueprint must be a mapping of keys to values (for example name: ..., slug: ...)."
        )))
    try:
        _check_shape(data)
    except _DocumentError as error:
        return ValidationResult(issues=[error.issue])
    try:
        blueprint = validate_structure(data)
    except ValidationError as error:
        return _fail(*(_structural_issue(detail) for detail in error.errors()))
    problems = find_problems(blueprint)
    if problems:
        return _fail(*(_semantic_issue(problem) for problem in problems))
    return ValidationResult(blueprint=blueprint)


def _issue(path: str, code: str, message: str, line: int | None = None,
           column: int | None = None) -> BlueprintIssue:
    return BlueprintIssue(path=path, code=code, message=message, line=line, column=column)


def _fail(*issues: BlueprintIssue) -> ValidationResult:
    if len(issues) <= MAX_ISSUES:
        return ValidationResult(issues=list(issues))
    hidden = len(issues) - MAX_ISSUES
    more = _issue("", "too_many_issues", ngettext(
        "{count} more issue not shown.", "{count} more issues not shown.", hidden,
    ).format(count=format_number(hidden)))
    return ValidationResult(issues=[*issues[:MAX_ISSUES], more])


# ---------------------------------------------------------------- reading the text

def _decode(data: str | bytes) -> str:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > MAX_INPUT_BYTES:
        raise _DocumentError(_issue("", "too_large", _(
            "The file is larger than the 1 MiB limit for blueprints."
        )))
    if b"\x00" in raw:
        raise _DocumentError(_issue("", "binary", _(
            "This looks like a binary file; a blueprint is YAML or JSON text."
        )))
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise _DocumentError(_issue("", "not_utf8", _(
                "The file is not UTF-8 text (undecodable byte at offset {offset})."
            ).format(offset=error.start))) from None
    if not text.strip():
        raise _DocumentError(_empty())
    return text


def _empty() -> BlueprintIssue:
    return _issue("", "empty", _("The blueprint is empty."))


def _detect_format(text: str, filename: str | None) -> Format:
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if suffix == ".json":
        return "json"
    if suffix in {".yaml", ".yml"}:
        return "yaml"
    return "json" if text.lstrip("\ufeff \t\r\n")[:1] in {"{", "["} else "yaml"


def _load(text: str, fmt: Format) -> object:
    try:
        document = _load_json(text) if fmt == "json" else _load_yaml(text)
    except RecursionError:
        raise _DocumentError(_too_deep()) from None
    if document is None:
        raise _DocumentError(_empty())
    return document


def _too_deep() -> BlueprintIssue:
    return _issue("", "too_deep", _(
        "The document is nested more than {depth} levels deep."
    ).format(depth=format_number(MAX_DEPTH)))


def _duplicate_key(
    key: object, line: int | None = None, column: int | None = None
) -> _DocumentError:
    if line is None or column is None:
        message = _("Duplicate key {key}.").format(key=json.dumps(str(key), ensure_ascii=False))
    else:
        message = _("Duplicate key {key} at line {line}, column {column}.").format(
            key=json.dumps(str(key), ensure_ascii=False), line=line, column=column)
    return _DocumentError(_issue("", "duplicate_key", message, line, column))


def _load_json(text: str) -> object:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise _duplicate_key(key)
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        raise _DocumentError(_syntax_issue("JSON", error.msg, error.lineno, error.colno)) from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise _DocumentError(_syntax_issue("JSON", str(error), None, None)) from None


# libyaml parses several times faster than the pure-Python parser; both are safe loaders and
# build the same nodes, so the subclass below works on either.
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    """A safe loader that refuses duplicate keys instead of keeping the last one silently."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    mark = key_node.start_mark
                    raise _duplicate_key(key, mark.line + 1, mark.column + 1)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a safe loader: no arbitrary objects
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "?"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise _DocumentError(_syntax_issue("YAML", problem, line, column)) from None
    except (yaml.YAMLError, ValueError, TypeError) as error:
        raise _DocumentError(_syntax_issue("YAML", str(error), None, None)) from None


def _syntax_issue(fmt: str, problem: str, line: int | None, column: int | None) -> BlueprintIssue:
    problem = " ".join(problem.split()).rstrip(".")
    if line is None or column is None:
        message = _("{format} syntax error: {problem}.").format(format=fmt, problem=problem)
    else:
        message = _("{format} syntax error at line {line}, column {column}: {problem}.").format(
            format=fmt, line=line, column=column, problem=problem)
    return _issue("", "syntax", message, line, column)


def _check_shape(document: object) -> None:
    """Refuse what pydantic should never walk: non-text keys, and documents too deep or too large.

    YAML aliases can make a small file stand for billions of nodes, or for a cycle; YAML also
    reads keys such as `1:` or `yes:` as numbers and booleans, which would make confusing paths.
    """
    nodes = 0
    stack: list[tuple[object, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        item, path = stack.pop()
        nodes += 1
        if len(path) > MAX_DEPTH:
            raise _DocumentError(_too_deep())
        if nodes > MAX_NODES:
            raise _DocumentError(_issue("", "too_complex", _(
                "The document has more than {count} values once its aliases are expanded."
            ).format(count=format_number(MAX_NODES))))
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise _DocumentError(_issue(format_path(path), "key_type", _(
                        "The key {key} is not text; put it in quotes."
                    ).format(key=json.dumps(key, ensure_ascii=False, default=str))))
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(item))


# ---------------------------------------------------------------- structural messages

_PATTERN_HINTS: Final[Mapping[str, str]] = {
    NAME_PATTERN: N_("Control characters and direction overrides are not allowed in names."),
    SLUG_PATTERN: N_(
        "Use 2 to 63 lowercase Latin letters, digits and hyphens, starting with a letter "
        "(for example clinic-booking)."
    ),
    PAGE_PATH_PATTERN: N_(
        "A page path starts with / and has no spaces, query (?) or fragment (#), "
        "for example /patients."
    ),
    PROVIDER_PATTERN: N_("Use a lowercase provider id such as stripe or twilio."),
    REGION_PATTERN: N_("Use a lowercase region id such as fra1 or us-east-1."),
    ENVIRONMENT_PATTERN: N_("Use a lowercase environment name such as staging or production."),
    HOSTNAME_PATTERN: N_(
        "Use a lowercase hostname such as shop.example.com (internationalized names in their "
        "xn-- form)."
    ),
}


def _structural_issue(detail: ErrorDetails) -> BlueprintIssue:
    loc = detail["loc"]
    kind = detail["type"]
    render = _RENDERERS.get(kind)
    message = render(detail) if render else _("Invalid value: {detail}.").format(
        detail=detail["msg"])
    return _issue(format_path(loc), kind, message)


def _ctx(detail: ErrorDetails, key: str) -> Any:
    return (detail.get("ctx") or {}).get(key)


def _number(detail: ErrorDetails, key: str) -> str:
    value = _ctx(detail, key)
    return format_number(value) if isinstance(value, int | float) else str(value)


def _count(detail: ErrorDetails, key: str) -> int:
    value = _ctx(detail, key)
    return value if isinstance(value, int) else 0


def _unknown_key(detail: ErrorDetails) -> str:
    loc = detail["loc"]
    key = str(loc[-1]) if loc else ""
    model = _annotation_at(loc[:-1])
    allowed = list(model.model_fields) if _is_model(model) else []
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return _("Unknown key {key}; did you mean {suggestion}?").format(
            key=json.dumps(key, ensure_ascii=False), suggestion=close[0])
    return _("Unknown key {key}; allowed keys: {allowed}.").format(
        key=json.dumps(key, ensure_ascii=False), allowed=", ".join(allowed) or "-")


def _literal(detail: ErrorDetails) -> str:
    values = _literal_values(_annotation_at(detail["loc"]))
    allowed = ", ".join(str(v) for v in values) if values else str(_ctx(detail, "expected"))
    shown = detail.get("input")
    given = shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False, default=str)
    return _("{value} is not one of the allowed values: {allowed}.").format(
        value=given, allowed=allowed)


def _too_short_text(detail: ErrorDetails) -> str:
    count = _count(detail, "min_length")
    if count <= 1:
        return _("This must not be empty.")
    return ngettext(
        "Use at least {count} character.", "Use at least {count} characters.", count,
    ).format(count=format_number(count))


def _too_long_text(detail: ErrorDetails) -> str:
    count = _count(detail, "max_length")
    return ngettext(
        "Use at most {count} character.", "Use at most {count} characters.", count,
    ).format(count=format_number(count))


def _too_few_items(detail: ErrorDetails) -> str:
    count = _count(detail, "min_length")
    return ngettext(
        "List at least {count} item.", "List at least {count} items.", count,
    ).format(count=format_number(count))


def _too_many_items(detail: ErrorDetails) -> str:
    count = _count(detail, "max_length")
    return ngettext(
        "List at most {count} item.", "List at most {count} items.", count,
    ).format(count=format_number(count))


def _pattern(detail: ErrorDetails) -> str:
    hint = _PATTERN_HINTS.get(str(_ctx(detail, "pattern")))
    return _(hint) if hint else _("This value does not have the expected form.")


def _fixed(message: str) -> Callable[[ErrorDetails], str]:
    # `message` is marked with N_ at the call site and translated when the issue is built.
    return lambda _detail: _(message)


_RENDERERS: Final[Mapping[str, Callable[[ErrorDetails], str]]] = {
    "missing": _fixed(N_("This key is required.")),
    "extra_forbidden": _unknown_key,
    "literal_error": _literal,
    "enum": _literal,
    "string_too_short": _too_short_text,
    "string_too_long": _too_long_text,
    "string_pattern_mismatch": _pattern,
    "string_type": _fixed(N_(
        "Expected text; put the value in quotes when it looks like a number, date or true/false."
    )),
    "int_type": _fixed(N_("Expected a whole number.")),
    "int_parsing": _fixed(N_("Expected a whole number.")),
    "int_from_float": _fixed(N_("Expected a whole number.")),
    "float_type": _fixed(N_("Expected a number.")),
    "float_parsing": _fixed(N_("Expected a number.")),
    "bool_type": _fixed(N_("Expected true or false.")),
    "bool_parsing": _fixed(N_("Expected true or false.")),
    "list_type": _fixed(N_("Expected a list.")),
    "model_type": _fixed(N_("Expected a mapping of keys to values.")),
    "dict_type": _fixed(N_("Expected a mapping of keys to values.")),
    "model_attributes_type": _fixed(N_("Expected a mapping of keys to values.")),
    "too_short": _too_few_items,
    "too_long": _too_many_items,
    "greater_than_equal": lambda d: _("Use a number of at least {limit}.").format(
        limit=_number(d, "ge")),
    "less_than_equal": lambda d: _("Use a number of at most {limit}.").format(
        limit=_number(d, "le")),
    "greater_than": lambda d: _("Use a number greater than {limit}.").format(
        limit=_number(d, "gt")),
    "less_than": lambda d: _("Use a number less than {limit}.").format(limit=_number(d, "lt")),
}


def _is_model(annotation: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unwrap(annotation: object) -> object:
    """Strip `Annotated[...]` and `X | None` down to the type that validates a value."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
            continue
        args = [a for a in get_args(annotation) if a is not type(None)]
        if origin in {Union, types.UnionType} and len(args) == 1:
            annotation = args[0]
            continue
        return annotation


def _annotation_at(loc: tuple[int | str, ...]) -> object:
    """The annotation that validated the value at `loc`, or None when it cannot be resolved."""
    current: object = Blueprint
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            if get_origin(current) is not list:
                return None
            current = get_args(current)[0]
        elif _is_model(current):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        else:
            return None
    return _unwrap(current)


def _literal_values(annotation: object) -> tuple[object, ...]:
    return get_args(annotation) if get_origin(annotation) is Literal else ()


# ---------------------------------------------------------------- consistency messages

_SEMANTIC_MESSAGES: Final[Mapping[str, str]] = {
    "duplicate_value": N_("{value} is listed more than once."),
    "duplicate_integration": N_("The {kind} integration {provider} is listed more than once."),
    "default_locale_missing": N_(
        "The default locale {locale} is not one of the locales ({locales})."
    ),
    "duplicate_entity": N_(
        "Another entity is already named {name} (names are compared ignoring case, spaces, "
        "hyphens and underscores)."
    ),
    "duplicate_field": N_(
        "The entity {entity} already has a field named {name} (names are compared ignoring "
        "case, spaces, hyphens and underscores)."
    ),
    "max_length_not_allowed": N_(
        "max_length applies only to string, text, email and url fields, not to {type}."
    ),
    "enum_values_required": N_("An enum field needs a non-empty list of enum_values."),
    "enum_values_not_allowed": N_("enum_values applies only to enum fields, not to {type}."),
    "unknown_entity": N_("There is no entity named {name}; entities: {known}."),
    "duplicate_page_path": N_("Another page already uses the path {path}."),
    "page_entity_required": N_("A {kind} page must name the entity it shows."),
    "stack_language": N_(
        "The {backend} backend is written in {expected}; set stack.language to {expected}."
    ),
    "nextjs_pair": N_(
        "Next.js is both frontend and backend here: set stack.frontend and stack.backend to nextjs."
    ),
    "requires_backend": N_("{setting} needs a server: choose a stack.backend other than none."),
    "nothing_to_build": N_("With no frontend and no backend there is nothing to build."),
    "template_frontend": N_(
        "The {template} template cannot use the {value} frontend; use one of: {allowed}."
    ),
    "template_backend": N_(
        "The {template} template cannot use the {value} backend; use one of: {allowed}."
    ),
    "auth_needs_jwt": N_("Sign-in (features.auth) needs stack.auth set to jwt."),
    "i18n_single_locale": N_(
        "With features.i18n turned off the platform has one language: list exactly one locale."
    ),
    "multi_tenancy_needs_database": N_(
        "Multi-tenancy keeps tenants apart in the database: set stack.database to postgresql."
    ),
    "custom_domain_needs_hosting": N_(
        "A custom domain needs a hosting provider: choose a deployment.provider other than local."
    ),
}


def _semantic_issue(problem: BlueprintProblem) -> BlueprintIssue:
    template = _SEMANTIC_MESSAGES.get(problem.code)
    if template is None:
        raise KeyError(f"no message for blueprint problem {problem.code!r}")
    return _issue(problem.location, problem.code, _(template).format(**problem.params))

