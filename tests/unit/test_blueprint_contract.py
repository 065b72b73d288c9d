"""The Blueprint contract: model, JSON Schema, validation issues with paths, revisions and diffs."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from pydantic import ValidationError

from tests.unit import blueprint_catalogs
from webnova.generator import validation
from webnova.generator.blueprint import (
    TEMPLATE_IDS,
    Blueprint,
    blueprint_json_schema,
    blueprint_json_schema_text,
    diff_blueprints,
)
from webnova.generator.validation import (
    MAX_INPUT_BYTES,
    MAX_ISSUES,
    ValidationResult,
    parse_blueprint,
    validate_blueprint,
)
from webnova.i18n import use_locale

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "blueprints" / "examples").glob("*.yaml"))
MY_MODULES = ("blueprint.py", "validation.py", "blueprint_cli.py")


# ---------------------------------------------------------------- translations


@pytest.fixture(autouse=True)
def _catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    blueprint_catalogs.install(monkeypatch)


# ---------------------------------------------------------------- helpers


def base() -> dict[str, Any]:
    """A small valid blueprint every case below starts from."""
    return {
        "name": "Clinic",
        "slug": "clinic",
        "domain": "healthcare",
        "template": "react-express",
        "stack": {"frontend": "react", "backend": "express", "language": "typescript",
                  "database": "postgresql", "auth": "jwt"},
        "entities": [
            {"name": "Patient", "fields": [
                {"name": "full_name", "type": "string", "max_length": 120, "pii": True},
                {"name": "email", "type": "email"},
            ]},
            {"name": "Doctor", "fields": [{"name": "name", "type": "string"}]},
        ],
        "relations": [{"source": "Patient", "target": "Doctor", "kind": "many-to-one"}],
        "pages": [
            {"name": "Home", "path": "/", "kind": "landing"},
            {"name": "Patients", "path": "/patients", "kind": "list", "entity": "Patient"},
        ],
        "features": {"auth": True},
    }


Mutation = Callable[[dict[str, Any]], None]


def changed(mutate: Mutation) -> dict[str, Any]:
    data = copy.deepcopy(base())
    mutate(data)
    return data


def pairs(result: ValidationResult) -> list[tuple[str, str]]:
    return [(issue.path, issue.code) for issue in result.issues]


def only_issue(result: ValidationResult) -> validation.BlueprintIssue:
    assert len(result.issues) == 1, pairs(result)
    return result.issues[0]


def field0(data: dict[str, Any]) -> dict[str, Any]:
    entity_field: dict[str, Any] = data["entities"][0]["fields"][0]
    return entity_field


def stack(**values: str) -> Mutation:
    return lambda d: d["stack"].update(values)


def setter(*path: str | int, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def combine(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


# ---------------------------------------------------------------- examples and schema


def test_example_blueprints_cover_the_documented_platforms() -> None:
    names = {path.stem for path in EXAMPLES}
    assert {"clinic-booking", "online-shop", "arabic-blog"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_blueprint_is_valid(path: Path) -> None:
    result = parse_blueprint(path.read_bytes(), filename=path.name)
    assert result.issues == []
    assert result.blueprint is not None


def test_examples_carry_the_compliance_signals_their_domains_need() -> None:
    def load(stem: str) -> Blueprint:
        result = parse_blueprint((ROOT / "blueprints/examples" / f"{stem}.yaml").read_bytes())
        assert result.blueprint is not None
        return result.blueprint

    clinic, shop, blog = load("clinic-booking"), load("online-shop"), load("arabic-blog")
    assert clinic.compliance == ["hipaa"]
    assert any(f.phi and f.encrypted for e in clinic.entities for f in e.fields)
    assert shop.features.payments == ["stripe", "mada"]
    assert "pci-dss" in shop.compliance
    assert any(f.pci for e in shop.entities for f in e.fields)
    assert blog.default_locale == "ar"
    assert blog.entities[0].name == "مقال"


def test_committed_json_schema_is_current() -> None:
    committed = (ROOT / "blueprints" / "blueprint.schema.json").read_text(encoding="utf-8")
    assert committed == blueprint_json_schema_text(), (
        "blueprints/blueprint.schema.json is stale: run `webnova blueprint schema --write`"
    )


def test_json_schema_is_deterministic_and_closed() -> None:
    schema = blueprint_json_schema()
    assert blueprint_json_schema() == schema
    assert schema["additionalProperties"] is False
    assert all(d.get("additionalProperties") is False for d in schema["$defs"].values())
    assert schema["properties"]["template"]["enum"] == list(TEMPLATE_IDS)
    assert len(TEMPLATE_IDS) == 12
    assert schema["properties"]["locales"]["uniqueItems"] is True


def test_every_schema_property_is_described_for_the_model() -> None:
    schema = blueprint_json_schema()
    for owner in [schema, *schema["$defs"].values()]:
        for name, prop in owner["properties"].items():
            assert prop.get("description"), name


# ---------------------------------------------------------------- the model


def test_a_minimal_blueprint_gets_the_documented_defaults() -> None:
    bp = Blueprint.model_validate({
        "name": "Landing", "slug": "landing", "domain": "general", "template": "landing-page",
        "stack": {"frontend": "static", "backend": "none", "language": "typescript",
                  "database": "none"},
    })
    assert (bp.schema_version, bp.version) == (1, 1)
    assert bp.locales == ["en", "ar"]
    assert bp.default_locale == "en"
    assert bp.features.i18n is True
    assert bp.deployment.provider == "local"
    assert bp.deployment.region == "local"
    assert bp.deployment.environments == ["production"]
    assert bp.tenancy.mode == "single"


def test_arabic_entity_field_and_platform_names_are_accepted() -> None:
    def arabic(d: dict[str, Any]) -> None:
        d["name"] = "عيادة الشفاء"
        d["entities"][0]["name"] = "مريض"
        d["entities"][0]["label"] = {"en": "Patient", "ar": "مريض"}
        field0(d)["name"] = "الاسم الكامل"
        d["relations"][0]["source"] = "مريض"
        d["pages"][1]["entity"] = "مريض"

    result = validate_blueprint(changed(arabic))
    assert result.blueprint is not None
    assert result.blueprint.entities[0].fields[0].name == "الاسم الكامل"
    assert result.blueprint.find_entity("مريض") is result.blueprint.entities[0]


def test_entity_references_resolve_ignoring_case_and_separators() -> None:
    bp = Blueprint.model_validate(changed(setter("relations", 0, "target", value="doctor")))
    assert bp.find_entity("DOCTOR") is bp.entities[1]
    assert bp.find_entity("Nurse") is None


def test_constructing_an_inconsistent_blueprint_raises() -> None:
    with pytest.raises(ValidationError, match=r"relations\[0\]\.target: unknown_entity"):
        Blueprint.model_validate(changed(setter("relations", 0, "target", value="Nurse")))


def test_strict_mode_refuses_numbers_written_as_text() -> None:
    result = validate_blueprint(changed(setter("version", value="2")))
    assert pairs(result) == [("version", "int_type")]


def test_blueprints_are_immutable() -> None:
    bp = Blueprint.model_validate(base())
    with pytest.raises(ValidationError):
        bp.name = "Other"  # type: ignore[misc]


# ---------------------------------------------------------------- structural issues


STRUCTURAL = [
    ("missing", setter("stack", "frontend", value=None), "stack.frontend", "literal_error"),
    ("missing-key", lambda d: d.pop("slug"), "slug", "missing"),
    ("unknown-key", setter("entities", 0, "fields", 0, "colour", value="red"),
     "entities[0].fields[0].colour", "extra_forbidden"),
    ("too-long", setter("name", value="x" * 121), "name", "string_too_long"),
    ("too-short", setter("entities", 0, "fields", 1, "name", value="  "),
     "entities[0].fields[1].name", "string_too_short"),
    ("slug", setter("slug", value="Bad Slug"), "slug", "string_pattern_mismatch"),
    ("bidi-override", setter("entities", 1, "name", value="Doc\u202etor"),
     "entities[1].name", "string_pattern_mismatch"),
    ("page-path", setter("pages", 0, "path", value="home"), "pages[0].path",
     "string_pattern_mismatch"),
    ("hostname",
     setter("deployment", value={"provider": "vercel", "custom_domain": "Shop.Example"}),
     "deployment.custom_domain", "string_pattern_mismatch"),
    ("enum", stack(frontend="angular"), "stack.frontend", "literal_error"),
    ("enum-in-list", setter("locales", value=["en", "fr"]), "locales[1]", "literal_error"),
    ("schema-version", setter("schema_version", value=2), "schema_version", "literal_error"),
    ("field-type", setter("entities", 0, "fields", 0, "type", value="money"),
     "entities[0].fields[0].type", "literal_error"),
    ("int", setter("entities", 0, "fields", 0, "max_length", value="long"),
     "entities[0].fields[0].max_length", "int_type"),
    ("float-for-int", setter("version", value=1.5), "version", "int_type"),
    ("bool", setter("entities", 0, "fields", 0, "required", value="yes"),
     "entities[0].fields[0].required", "bool_type"),
    ("ge", setter("entities", 0, "fields", 0, "max_length", value=0),
     "entities[0].fields[0].max_length", "greater_than_equal"),
    ("le", setter("entities", 0, "fields", 0, "max_length", value=100_001),
     "entities[0].fields[0].max_length", "less_than_equal"),
    ("version-ge", setter("version", value=0), "version", "greater_than_equal"),
    ("empty-fields", setter("entities", 0, "fields", value=[]), "entities[0].fields", "too_short"),
    ("no-locales", setter("locales", value=[]), "locales", "too_short"),
    ("too-many", setter("deployment", value={"environments": [f"e{i}" for i in range(11)]}),
     "deployment.environments", "too_long"),
    ("list", setter("pages", value="home"), "pages", "list_type"),
    ("mapping", setter("stack", value="react"), "stack", "model_type"),
    ("text", setter("description", value=42), "description", "string_type"),
]


@pytest.mark.parametrize(("mutate", "path", "code"), [c[1:] for c in STRUCTURAL],
                         ids=[c[0] for c in STRUCTURAL])
def test_structural_errors_point_at_the_exact_path(mutate: Mutation, path: str, code: str) -> None:
    issue = only_issue(validate_blueprint(changed(mutate)))
    assert (issue.path, issue.code) == (path, code)
    assert issue.message
    assert "should" not in issue.message  # pydantic's own English text is not shown


def test_an_unknown_key_suggests_the_closest_known_one() -> None:
    issue = only_issue(validate_blueprint(changed(setter("entities", 0, "feilds", value=[]))))
    assert issue.path == "entities[0].feilds"
    assert "did you mean fields?" in issue.message


def test_an_unknown_enum_value_lists_the_allowed_values() -> None:
    issue = only_issue(validate_blueprint(changed(stack(frontend="angular"))))
    assert issue.message == (
        "angular is not one of the allowed values: react, nextjs, vue, svelte, static, none."
    )


def test_a_length_error_states_the_limit() -> None:
    issue = only_issue(validate_blueprint(changed(setter("name", value="x" * 121))))
    assert issue.message == "Use at most 120 characters."


def test_an_unrecognized_pydantic_error_still_gets_a_message() -> None:
    detail: Any = {"type": "brand_new_error", "loc": ("stack", "api"), "msg": "Something broke",
                   "input": 1}
    issue = validation._structural_issue(detail)
    assert (issue.path, issue.message) == ("stack.api", "Invalid value: Something broke.")


def test_every_structural_problem_is_reported_at_once() -> None:
    def many(d: dict[str, Any]) -> None:
        d.pop("slug")
        d["stack"]["frontend"] = "angular"
        d["entities"][0]["fields"][0]["max_length"] = 0

    assert sorted(pairs(validate_blueprint(changed(many)))) == [
        ("entities[0].fields[0].max_length", "greater_than_equal"),
        ("slug", "missing"),
        ("stack.frontend", "literal_error"),
    ]


def test_consistency_rules_wait_for_a_valid_structure() -> None:
    def both(d: dict[str, Any]) -> None:
        d["slug"] = "X"
        d["relations"][0]["target"] = "Nurse"

    assert pairs(validate_blueprint(changed(both))) == [("slug", "string_pattern_mismatch")]


def test_the_number_of_reported_issues_is_capped() -> None:
    data = changed(lambda d: d.update({f"unknown_{i}": i for i in range(150)}))
    issues = validate_blueprint(data).issues
    assert len(issues) == MAX_ISSUES + 1
    assert issues[-1].code == "too_many_issues"
    assert issues[-1].message == "50 more issues not shown."


# ---------------------------------------------------------------- consistency rules


def fastapi_dashboard(d: dict[str, Any]) -> None:
    d["template"] = "dashboard"
    d["stack"].update(backend="fastapi", language="python")


def static_site(d: dict[str, Any]) -> None:
    d["template"] = "static-site"
    d["stack"].update(frontend="static", backend="none", database="none", auth="none")
    d["features"]["auth"] = False


def nextjs_full(d: dict[str, Any]) -> None:
    d["template"] = "nextjs-fullstack"
    d["stack"].update(frontend="nextjs", backend="nextjs")


def api_only(d: dict[str, Any]) -> None:
    d["template"] = "api-only"
    d["stack"]["frontend"] = "none"


def with_fields(*fields: dict[str, Any]) -> Mutation:
    return setter("entities", 0, "fields", value=list(fields))


def with_pages(*pages: dict[str, Any]) -> Mutation:
    return setter("pages", value=list(pages))


def renamed_doctor(name: str) -> Mutation:
    return combine(setter("entities", 1, "name", value=name),
                   setter("relations", 0, "target", value=name))


F0 = "entities[0].fields[0]"

# (id, breaking change, (path, code), a nearby change the same rule accepts)
SEMANTIC: list[tuple[str, Mutation, tuple[str, str], Mutation]] = [
    ("duplicate-locale", setter("locales", value=["en", "ar", "en"]),
     ("locales[2]", "duplicate_value"),
     setter("locales", value=["ar", "en"])),
    ("duplicate-compliance", setter("compliance", value=["hipaa", "hipaa"]),
     ("compliance[1]", "duplicate_value"), setter("compliance", value=["hipaa", "gdpr"])),
    ("duplicate-payment", setter("features", "payments", value=["mada", "mada"]),
     ("features.payments[1]", "duplicate_value"),
     setter("features", "payments", value=["stripe", "mada"])),
    ("duplicate-environment", setter("deployment", value={"environments": ["prod", "prod"]}),
     ("deployment.environments[1]", "duplicate_value"),
     setter("deployment", value={"environments": ["staging", "prod"]})),
    ("duplicate-integration",
     setter("integrations", value=[{"kind": "payment", "provider": "stripe"}] * 2),
     ("integrations[1]", "duplicate_integration"),
     setter("integrations", value=[{"kind": "payment", "provider": "stripe"},
                                   {"kind": "analytics", "provider": "stripe"}])),
    ("default-locale",
     combine(setter("locales", value=["en"]), setter("default_locale", value="ar"),
             setter("features", "i18n", value=False)),
     ("default_locale", "default_locale_missing"),
     combine(setter("locales", value=["ar"]), setter("default_locale", value="ar"),
             setter("features", "i18n", value=False))),
    ("duplicate-entity", setter("entities", 1, "name", value="patient "),
     ("entities[1].name", "duplicate_entity"), renamed_doctor("Patients")),
    ("duplicate-entity-separators", setter("entities", 1, "name", value="PATIENT"),
     ("entities[1].name", "duplicate_entity"), renamed_doctor("Patient2")),
    ("duplicate-field", setter("entities", 0, "fields", 1, "name", value="Full-Name"),
     ("entities[0].fields[1].name", "duplicate_field"),
     setter("entities", 0, "fields", 1, "name", value="first_name")),
    ("max-length-on-integer", with_fields({"name": "age", "type": "integer", "max_length": 3}),
     (f"{F0}.max_length", "max_length_not_allowed"),
     with_fields({"name": "age", "type": "url", "max_length": 300})),
    ("enum-without-values", with_fields({"name": "status", "type": "enum"}),
     (f"{F0}.enum_values", "enum_values_required"),
     with_fields({"name": "status", "type": "enum", "enum_values": ["new", "done"]})),
    ("enum-with-empty-values", with_fields({"name": "status", "type": "enum", "enum_values": []}),
     (f"{F0}.enum_values", "enum_values_required"),
     with_fields({"name": "status", "type": "enum", "enum_values": ["new"]})),
    ("values-on-string",
     with_fields({"name": "status", "type": "string", "enum_values": ["a"]}),
     (f"{F0}.enum_values", "enum_values_not_allowed"),
     with_fields({"name": "status", "type": "string"})),
    ("duplicate-enum-value",
     with_fields({"name": "status", "type": "enum", "enum_values": ["new", "done", "new"]}),
     (f"{F0}.enum_values[2]", "duplicate_value"),
     with_fields({"name": "status", "type": "enum", "enum_values": ["new", "done"]})),
    ("relation-source", setter("relations", 0, "source", value="Nurse"),
     ("relations[0].source", "unknown_entity"), setter("relations", 0, "source", value="doctor")),
    ("relation-target", setter("relations", 0, "target", value="Nurse"),
     ("relations[0].target", "unknown_entity"), setter("relations", 0, "target", value="Patient")),
    ("page-entity", setter("pages", 1, "entity", value="Nurse"),
     ("pages[1].entity", "unknown_entity"), setter("pages", 1, "entity", value="Doctor")),
    ("page-needs-entity", setter("pages", 1, "entity", value=None),
     ("pages[1].entity", "page_entity_required"),
     combine(setter("pages", 1, "entity", value=None),
             setter("pages", 1, "kind", value="dashboard"))),
    ("duplicate-page-path", setter("pages", 1, "path", value="/"),
     ("pages[1].path", "duplicate_page_path"), setter("pages", 1, "path", value="/about")),
    ("fastapi-needs-python", combine(fastapi_dashboard, stack(language="typescript")),
     ("stack.language", "stack_language"), fastapi_dashboard),
    ("express-needs-typescript", stack(language="python"), ("stack.language", "stack_language"),
     stack(language="typescript")),
    ("frontend-only-is-typescript", combine(static_site, stack(language="python")),
     ("stack.language", "stack_language"), static_site),
    ("nextjs-backend-needs-nextjs-frontend", combine(nextjs_full, stack(frontend="react")),
     ("stack.frontend", "nextjs_pair"), nextjs_full),
    ("nextjs-frontend-needs-nextjs-backend",
     combine(setter("template", value="dashboard"), stack(frontend="nextjs")),
     ("stack.backend", "nextjs_pair"),
     combine(setter("template", value="dashboard"), stack(frontend="vue"))),
    ("graphql-needs-backend", combine(static_site, stack(api="graphql")),
     ("stack.api", "requires_backend"), stack(api="graphql")),
    ("jwt-needs-backend", combine(static_site, stack(auth="jwt")),
     ("stack.auth", "requires_backend"), static_site),
    ("database-needs-backend", combine(static_site, stack(database="postgresql")),
     ("stack.database", "requires_backend"), static_site),
    ("payments-need-backend",
     combine(static_site, setter("features", "payments", value=["stripe"])),
     ("features.payments", "requires_backend"), setter("features", "payments", value=["stripe"])),
    ("nothing-to-build",
     combine(api_only, stack(backend="none", database="none", auth="none"),
             setter("features", "auth", value=False)),
     ("stack", "nothing_to_build"), api_only),
    ("template-frontend", stack(frontend="vue"), ("stack.frontend", "template_frontend"),
     combine(setter("template", value="saas-starter"), stack(frontend="vue"))),
    ("template-backend", combine(static_site, setter("template", value="landing-page"),
                                 stack(backend="express")),
     ("stack.backend", "template_backend"),
     combine(static_site, setter("template", value="landing-page"), stack(frontend="svelte"))),
    ("static-site-needs-no-backend", combine(static_site, stack(backend="express")),
     ("stack.backend", "template_backend"), static_site),
    ("auth-needs-jwt", stack(auth="none"), ("features.auth", "auth_needs_jwt"),
     combine(stack(auth="none"), setter("features", "auth", value=False))),
    ("i18n-off-needs-one-locale", setter("features", "i18n", value=False),
     ("features.i18n", "i18n_single_locale"),
     combine(setter("features", "i18n", value=False), setter("locales", value=["en"]))),
    ("multi-tenancy-needs-database",
     combine(static_site, setter("tenancy", value={"mode": "multi"})),
     ("tenancy.mode", "multi_tenancy_needs_database"), setter("tenancy", value={"mode": "multi"})),
    ("custom-domain-needs-hosting", setter("deployment", value={"custom_domain": "a.example.com"}),
     ("deployment.custom_domain", "custom_domain_needs_hosting"),
     setter("deployment", value={"provider": "vercel", "custom_domain": "a.example.com"})),
]


def test_the_base_blueprint_is_valid() -> None:
    assert validate_blueprint(base()).issues == []


@pytest.mark.parametrize(("breaking", "expected"), [(c[1], c[2]) for c in SEMANTIC],
                         ids=[c[0] for c in SEMANTIC])
def test_a_broken_consistency_rule_is_reported_at_its_path(
    breaking: Mutation, expected: tuple[str, str]
) -> None:
    result = validate_blueprint(changed(breaking))
    assert result.blueprint is None
    assert expected in pairs(result)
    issue = next(i for i in result.issues if (i.path, i.code) == expected)
    assert "{" not in issue.message  # every placeholder was filled


@pytest.mark.parametrize("accepted", [c[3] for c in SEMANTIC], ids=[c[0] for c in SEMANTIC])
def test_the_same_rule_accepts_a_consistent_variant(accepted: Mutation) -> None:
    assert pairs(validate_blueprint(changed(accepted))) == []


def test_every_consistency_rule_has_a_message_and_a_test() -> None:
    tested = {case[2][1] for case in SEMANTIC}
    assert tested == set(validation._SEMANTIC_MESSAGES)


def test_unknown_entity_messages_list_the_known_entities() -> None:
    result = validate_blueprint(changed(setter("relations", 0, "target", value="Nurse")))
    assert only_issue(result).message == (
        "There is no entity named Nurse; entities: Patient, Doctor."
    )


# ---------------------------------------------------------------- parsing text


def test_yaml_and_json_documents_give_the_same_blueprint() -> None:
    from_yaml = parse_blueprint(yaml.safe_dump(base(), allow_unicode=True), filename="a.yaml")
    from_json = parse_blueprint(json.dumps(base()).encode(), filename="a.json")
    sniffed = parse_blueprint(json.dumps(base(), indent=2))
    assert from_yaml.blueprint is not None
    assert from_yaml.blueprint == from_json.blueprint == sniffed.blueprint


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_blueprint(b"\xef\xbb\xbf" + json.dumps(base()).encode()).ok
    assert parse_blueprint("\ufeff" + json.dumps(base())).ok


@pytest.mark.parametrize(("text", "path", "shown"), [
    ("1: x\n", "", "1"),
    ("stack:\n  yes: react\n", "stack", "true"),
])
def test_keys_yaml_reads_as_numbers_or_booleans_are_refused(
    text: str, path: str, shown: str
) -> None:
    issue = only_issue(parse_blueprint(text))
    assert (issue.path, issue.code) == (path, "key_type")
    assert issue.message == f"The key {shown} is not text; put it in quotes."


def test_yaml_syntax_errors_report_line_and_column() -> None:
    issue = only_issue(parse_blueprint("name: Clinic\nslug: clinic\n  domain: general\n"))
    assert issue.code == "syntax"
    assert (issue.line, issue.column) == (3, 9)
    assert "YAML syntax error at line 3, column 9" in issue.message


def test_json_syntax_errors_report_line_and_column() -> None:
    issue = only_issue(parse_blueprint('{\n  "name": "Clinic",\n  "slug": \n}', filename="b.json"))
    assert (issue.code, issue.line, issue.column) == ("syntax", 4, 1)
    assert issue.message.startswith("JSON syntax error at line 4, column 1")


def test_duplicate_keys_are_refused_rather_than_silently_overwritten() -> None:
    in_yaml = only_issue(parse_blueprint("name: A\nslug: a\nname: B\n"))
    assert (in_yaml.code, in_yaml.line, in_yaml.column) == ("duplicate_key", 3, 1)
    in_json = only_issue(parse_blueprint('{"name": "A", "name": "B"}'))
    assert in_json.code == "duplicate_key"
    assert '"name"' in in_json.message


def test_yaml_merge_keys_still_work() -> None:
    data = base()
    data["entities"][1]["fields"] = []
    text = yaml.safe_dump(data).replace(
        "fields: []",
        "fields:\n  - &text {name: bio, type: text, max_length: 500}\n  - {<<: *text, name: cv}",
    )
    result = parse_blueprint(text)
    assert result.blueprint is not None
    assert [f.name for f in result.blueprint.entities[1].fields] == ["bio", "cv"]
    assert result.blueprint.entities[1].fields[1].max_length == 500


@pytest.mark.parametrize(("text", "code"), [
    ("- name: Clinic\n- slug: clinic\n", "not_mapping"),
    ("just a sentence\n", "not_mapping"),
    ('"quoted"', "not_mapping"),
    ("", "empty"),
    ("   \n\t\n", "empty"),
    ("# only a comment\n", "empty"),
    ("~\n", "empty"),
])
def test_documents_that_are_not_mappings_are_refused(text: str, code: str) -> None:
    issue = only_issue(parse_blueprint(text))
    assert (issue.path, issue.code) == ("", code)


def test_binary_input_is_refused() -> None:
    assert only_issue(parse_blueprint(b"name: x\x00\x01\x02")).code == "binary"
    assert only_issue(parse_blueprint("name: x\x00")).code == "binary"
    undecodable = only_issue(parse_blueprint(b"name: caf\xe9\n"))
    assert undecodable.code == "not_utf8"
    assert "offset 9" in undecodable.message


def test_input_over_one_mebibyte_is_refused_before_parsing() -> None:
    big = b"description: " + b"x" * MAX_INPUT_BYTES
    assert only_issue(parse_blueprint(big)).code == "too_large"
    assert only_issue(parse_blueprint(big.decode())).code == "too_large"


def test_a_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    started = time.perf_counter()
    issue = only_issue(parse_blueprint("\n".join(lines)))
    assert issue.code == "too_complex"
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("text", ["a: &loop [*loop]\n", "[" * 5000 + "]" * 5000,
                                  "a: " + "[" * 100 + "]" * 100])
def test_cyclic_or_deeply_nested_documents_are_refused(text: str) -> None:
    assert only_issue(parse_blueprint(text)).code == "too_deep"


def test_yaml_cannot_construct_python_objects() -> None:
    issue = only_issue(parse_blueprint("!!python/object/apply:os.system ['echo owned']\n"))
    assert issue.code == "syntax"


def test_validate_blueprint_refuses_non_mappings_and_passes_blueprints_through() -> None:
    assert only_issue(validate_blueprint(["name"])).code == "not_mapping"
    assert only_issue(validate_blueprint({**base(), 7: "x"})).code == "key_type"
    bp = Blueprint.model_validate(base())
    assert validate_blueprint(bp).blueprint is bp


def test_a_result_serializes_for_machines() -> None:
    dumped = json.loads(parse_blueprint("slug: 1\n").model_dump_json())
    assert dumped["blueprint"] is None
    slug = next(i for i in dumped["issues"] if i["path"] == "slug")
    assert slug["code"] == "string_type"
    assert slug["message"].startswith("Expected text")


# ---------------------------------------------------------------- revisions and diffs


def test_revise_increments_the_version_and_keeps_the_original() -> None:
    v1 = Blueprint.model_validate(base())
    v2 = v1.revise(description="Now with a waiting list.")
    assert (v1.version, v2.version) == (1, 2)
    assert v2.description == "Now with a waiting list."
    assert v1.description == ""
    assert v2.revise().version == 3


def test_revise_revalidates_and_refuses_inconsistent_changes() -> None:
    v1 = Blueprint.model_validate(base())
    with pytest.raises(ValidationError, match="template_frontend"):
        v1.revise(stack={**v1.stack.model_dump(), "frontend": "vue"})
    with pytest.raises(ValidationError, match="extra_forbidden"):
        v1.revise(colour="red")


def test_revise_refuses_to_set_the_version_itself() -> None:
    with pytest.raises(TypeError, match="version"):
        Blueprint.model_validate(base()).revise(version=9)


def _revision(mutate: Mutation) -> tuple[Blueprint, Blueprint]:
    old = Blueprint.model_validate(base())
    return old, old.revise(**changed(mutate))


def test_diff_detects_added_and_removed_entities() -> None:
    def swap(d: dict[str, Any]) -> None:
        d["entities"][1] = {"name": "Nurse", "fields": [{"name": "name", "type": "string"}]}
        d["relations"] = []

    old, new = _revision(swap)
    diff = diff_blueprints(old, new)
    assert (diff.from_version, diff.to_version) == (1, 2)
    assert diff.entities_added == ["Nurse"]
    assert diff.entities_removed == ["Doctor"]
    assert diff.relations_removed == old.relations
    assert diff.entities_changed == []


def test_diff_detects_added_removed_and_changed_fields() -> None:
    def edit(d: dict[str, Any]) -> None:
        fields = d["entities"][0]["fields"]
        fields[0].update(type="text", max_length=5000)
        fields[1] = {"name": "phone", "type": "string", "pii": True}

    diff = diff_blueprints(*_revision(edit))
    change = diff.entities_changed[0]
    assert change.name == "Patient"
    assert change.fields_added == ["phone"]
    assert change.fields_removed == ["email"]
    assert [(c.name, c.attributes) for c in change.fields_changed] == [
        ("full_name", ["type", "max_length"])
    ]
    assert diff.entities_added == diff.entities_removed == []


def test_diff_reports_pages_and_other_settings() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["pages"][1]["kind"] = "dashboard"
        d["pages"].append({"name": "Doctors", "path": "/doctors", "kind": "list",
                           "entity": "Doctor"})
        d["features"]["search"] = True
        d["compliance"] = ["hipaa"]

    diff = diff_blueprints(*_revision(edit))
    assert diff.pages_added == ["/doctors"]
    assert [(c.path, c.attributes) for c in diff.pages_changed] == [("/patients", ["kind"])]
    assert diff.settings_changed == ["features", "compliance"]


def test_diff_sees_a_respelled_entity_as_a_change_not_a_replacement() -> None:
    old, new = _revision(setter("entities", 1, "name", value="DOCTOR"))
    diff = diff_blueprints(old, new)
    assert diff.entities_added == diff.entities_removed == []
    assert [(c.name, c.previous_name) for c in diff.entities_changed] == [("DOCTOR", "Doctor")]


def test_a_revision_without_changes_has_an_empty_diff() -> None:
    old = Blueprint.model_validate(base())
    diff = diff_blueprints(old, old.revise())
    assert diff.is_empty
    assert not diff_blueprints(*_revision(setter("name", value="Clinic 2"))).is_empty


# ---------------------------------------------------------------- Arabic messages


def test_issue_messages_follow_the_active_locale() -> None:
    data = changed(setter("relations", 0, "target", value="Nurse"))
    english = only_issue(validate_blueprint(data)).message
    with use_locale("ar"):
        arabic = only_issue(validate_blueprint(data)).message
    assert arabic != english
    assert arabic == "لا يوجد كيان باسم Nurse؛ الكيانات الموجودة: Patient, Doctor."


def test_syntax_errors_are_explained_in_arabic() -> None:
    with use_locale("ar-SA"):
        issue = only_issue(parse_blueprint("name: Clinic\nslug: clinic\n  domain: general\n"))
    assert issue.message.startswith("خطأ في صياغة YAML في السطر 3، العمود 9")


def test_arabic_plural_forms_follow_the_count() -> None:
    catalog = blueprint_catalogs.arabic_translations()
    forms = {n: catalog.ngettext("{count} entity", "{count} entities", n).format(count=n)
             for n in (0, 1, 2, 3, 11, 100, 101)}
    assert forms == {0: "0 كيان", 1: "كيان واحد", 2: "كيانان", 3: "3 كيانات", 11: "11 كيانًا",
                     100: "100 كيان", 101: "101 كيان"}


def _extracted_messages() -> Iterator[str | tuple[str, str]]:
    for module in MY_MODULES:
        for _line, message, _comments, _context in extract_from_file(
            "python", ROOT / "webnova" / "generator" / module
        ):
            yield message if isinstance(message, str) else (message[0], message[1])


def test_every_message_of_the_blueprint_area_has_an_arabic_translation() -> None:
    with blueprint_catalogs.arabic_po_path().open("rb") as po_file:
        catalog = read_po(po_file, locale="ar")
    messages = list(_extracted_messages())
    assert len(messages) > 50
    for message in messages:
        entry = catalog.get(message[0] if isinstance(message, tuple) else message)
        assert entry is not None, message
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), message
        assert len(strings) == (6 if isinstance(message, tuple) else 1), message
