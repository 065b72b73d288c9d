"""The checks behind every control, per stage: blueprint, generated code, deploy.

Code checks read the facts of `webnova.governance.compliance.project`; the deploy stage looks at
the region a deployment targets.

A check returns findings (each pass or fail, with a bilingual message and a location), or None
when it has nothing to look at in that stage (for example no code yet). Entities are matched to
tables and routes by their snake_case name, singular or plural; fields to columns by snake_case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Final, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from webnova.generator.blueprint import Blueprint, Entity, EntityField, name_key
from webnova.generator.support import layout_for
from webnova.governance.compliance.catalog import Text, message
from webnova.governance.compliance.project import Column, ProjectFacts, Route
from webnova.resources import data_path

Stage = Literal["blueprint", "code", "deploy"]
STAGES: Final[tuple[Stage, ...]] = ("blueprint", "code", "deploy")
MAX_SESSION_SECONDS: Final = 30 * 60
CARD_NAMES: Final = frozenset({
    "cardnumber", "cardno", "cardnum", "pan", "primaryaccountnumber", "creditcard",
    "creditcardnumber", "ccnumber", "ccnum", "cvv", "cvv2", "cvc", "cvc2", "cid", "securitycode",
    "cardsecuritycode", "cardverificationvalue", "cardverificationcode", "cardcvv", "cardcvc",
})
TOKENIZING_PROVIDERS: Final = frozenset({
    "stripe", "paypal", "apple_pay", "moyasar", "hyperpay", "tap", "checkout", "adyen",
    "braintree", "paytabs", "square",
})
PAYMENT_SDKS: Final = frozenset({
    "stripe", "@stripe/stripe-js", "@stripe/react-stripe-js", "@paypal/paypal-server-sdk",
    "@paypal/checkout-server-sdk", "@paypal/react-paypal-js", "@paypal/paypal-js", "braintree",
    "moyasar", "@adyen/api-library", "adyen", "square", "paypalrestsdk",
})
SELF_MANAGED_HOSTS: Final = frozenset({"hetzner"})
# EU/EEA regions (and the names hosting providers give them); data there stays under the GDPR.
EU_REGIONS: Final = frozenset({
    "fra", "fra1", "frankfurt", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-3",
    "eu-north-1", "eu-south-1", "eu-south-2", "ams", "ams1", "amsterdam", "cdg", "cdg1", "paris",
    "arn", "arn1", "stockholm", "dub", "dub1", "dublin", "mad", "madrid", "waw", "warsaw", "otp",
    "mxp", "milan", "europe-west1", "europe-west3", "europe-west4", "europe-west9",
    "europe-north1", "europe-central2", "fsn1", "nbg1", "hel1", "helsinki", "falkenstein",
    "nuremberg", "eu", "europe",
})
AUTH_GUARD: Final = re.compile(r"auth|authenticat|require_?user|current_?user|protect|"
                               r"verify_?token|jwt|session|login_?required|ensure_?user",
                               re.IGNORECASE)
AUDIT_CALL: Final = re.compile(r"audit", re.IGNORECASE)
LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
CONSENT_TABLE: Final = "consent_records"
SELF_SEGMENTS: Final = frozenset({"me", "account", "profile", "self", "erase", "erasure",
                                  "forget", "privacy"})


class Finding(BaseModel):
    """One piece of evidence: what was found (both languages), where, and whether it passes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ok: bool
    message: Text
    location: str = ""


@dataclass(frozen=True)
class CheckContext:
    """What the checks look at; any part may be missing."""

    blueprint: Blueprint | None = None
    facts: ProjectFacts | None = None
    allowed_regions: tuple[str, ...] | None = None
    forbidden_regions: tuple[str, ...] = ()
    deploy_region: str | None = None
    deploy_url: str | None = None

    @cached_property
    def entity_index(self) -> dict[str, list[int]]:
        """`entities_by_key` of the blueprint, computed once per evaluation."""
        return entities_by_key(self.blueprint) if self.blueprint is not None else {}

    def route_entities(self, route: Route) -> list[Entity]:
        """The blueprint's entities `route` serves (none without a blueprint)."""
        if self.blueprint is None:
            return []
        return route_entities(route, self.blueprint, self.entity_index)


CheckFn = Callable[[CheckContext], list[Finding] | None]


def ok(key: str, location: str = "", **params: object) -> Finding:
    """A passing finding."""
    return Finding(ok=True, message=message(key, **params), location=location)


def fail(key: str, location: str = "", **params: object) -> Finding:
    """A failing finding."""
    return Finding(ok=False, message=message(key, **params), location=location)


def at(file: str, line: int) -> str:
    """A code location."""
    return f"{file}:{line}"


# ---------------------------------------------------------------- matching names


@cache
def snake(name: str) -> str:
    """`fullName` / `Full Name` / `full-name` -> `full_name`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return name_key(spaced)


def plural(word: str) -> str:
    """English plural of a snake_case word, good enough for table and route names."""
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy", "uy")):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def entity_keys(entity: Entity) -> frozenset[str]:
    """Names a table or a route segment of this entity may carry."""
    return _name_keys(entity.name)


@cache
def _name_keys(name: str) -> frozenset[str]:
    base = snake(name)
    return frozenset({base, plural(base)})


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", snake(name))


def field_matches(column: str, entity_field: EntityField) -> bool:
    """Whether a schema column is the blueprint field."""
    return snake(column) == snake(entity_field.name)


def entity_columns(facts: ProjectFacts, entity: Entity) -> list[Column]:
    """The schema columns of the entity's table."""
    keys = entity_keys(entity)
    return [c for c in facts.columns if snake(c.table) in keys]


def route_entities(route: Route, bp: Blueprint,
                   index: dict[str, list[int]] | None = None) -> list[Entity]:
    """Entities a route serves, by its path segments (`/api/patients/:id` -> Patient).

    `index` is `entities_by_key(bp)`, passed when many routes are matched against one blueprint.
    """
    by_key = entities_by_key(bp) if index is None else index
    found = {i for s in route.path.split("/") if s and not _is_param(s)
             for i in by_key.get(snake(s), ())}
    return [bp.entities[i] for i in sorted(found)]


def entities_by_key(bp: Blueprint) -> dict[str, list[int]]:
    """Entity indices by every name they answer to (singular and plural snake_case)."""
    index: dict[str, list[int]] = {}
    for i, entity in enumerate(bp.entities):
        for key in entity_keys(entity):
            index.setdefault(key, []).append(i)
    return index


def _is_param(segment: str) -> bool:
    return segment.startswith((":", "{", "[")) or segment == "*"


def is_collection(route: Route) -> bool:
    """A list endpoint: GET on a path that does not end in a parameter."""
    last = [s for s in route.path.split("/") if s][-1:] or [""]
    return route.method == "GET" and not _is_param(last[0])


def sensitive_entities(bp: Blueprint, flag: str) -> list[Entity]:
    """Entities with at least one field carrying `flag` (pii, phi or pci)."""
    return [e for e in bp.entities if any(getattr(f, flag) for f in e.fields)]


def personal_entities(bp: Blueprint) -> list[Entity]:
    """Entities holding personal data (PII or PHI)."""
    return [e for e in bp.entities if any(f.pii or f.phi for f in e.fields)]


def _fields(bp: Blueprint) -> Iterator[tuple[int, Entity, int, EntityField]]:
    for e_index, entity in enumerate(bp.entities):
        for f_index, entity_field in enumerate(entity.fields):
            yield e_index, entity, f_index, entity_field


def _bp_path(e_index: int, f_index: int | None = None) -> str:
    path = f"blueprint: entities[{e_index}]"
    return f"{path}.fields[{f_index}]" if f_index is not None else path


# ---------------------------------------------------------------- PCI-DSS


def pci_card_data_blueprint(ctx: CheckContext) -> list[Finding] | None:
    """No field holds card numbers or security codes (flagged pci or named like one)."""
    if ctx.blueprint is None:
        return None
    findings = []
    for e_index, entity, f_index, entity_field in _fields(ctx.blueprint):
        where = _bp_path(e_index, f_index)
        if entity_field.pci:
            findings.append(fail("card_field_flagged", where, entity=entity.name,
                                 field=entity_field.name))
        elif _compact(entity_field.name) in CARD_NAMES:
            findings.append(fail("card_field_named", where, entity=entity.name,
                                 field=entity_field.name))
    return findings or [ok("no_card_data")]


def pci_card_data_code(ctx: CheckContext) -> list[Finding] | None:
    """No schema column holds card numbers or security codes."""
    if ctx.facts is None:
        return None
    findings = [fail("card_column", at(c.file, c.line), table=c.table, column=c.name)
                for c in ctx.facts.columns if _compact(c.name) in CARD_NAMES]
    return findings or [ok("no_card_data")]


def pci_tokenized_blueprint(ctx: CheckContext) -> list[Finding] | None:
    """Payments go through tokenizing providers only."""
    bp = ctx.blueprint
    if bp is None:
        return None
    methods = list(bp.features.payments)
    if not methods:
        return [ok("no_payments")]
    gateways = [i.provider for i in bp.integrations
                if i.kind == "payment" and i.provider in TOKENIZING_PROVIDERS]
    uncovered = [m for m in methods if m not in TOKENIZING_PROVIDERS]
    if uncovered and not gateways:
        return [fail("no_tokenizing_provider", "blueprint: features.payments",
                     methods=", ".join(methods))]
    names = sorted({*gateways, *(m for m in methods if m in TOKENIZING_PROVIDERS)})
    return [ok("tokenizing_provider", provider=", ".join(names))]


def pci_tokenized_code(ctx: CheckContext) -> list[Finding] | None:
    """A planned payment flow depends on a tokenizing provider's SDK."""
    if ctx.facts is None:
        return None
    if ctx.blueprint is None or not ctx.blueprint.features.payments:
        return [ok("no_payments")]
    sdks = sorted(ctx.facts.dependencies & PAYMENT_SDKS)
    if not sdks:
        return [fail("no_payment_sdk", "package.json / pyproject.toml")]
    return [ok("payment_sdk", package=", ".join(sdks))]


def tls_blueprint(ctx: CheckContext) -> list[Finding] | None:
    """The hosting provider terminates TLS (or the platform only runs locally)."""
    if ctx.blueprint is None:
        return None
    provider = ctx.blueprint.deployment.provider
    if provider == "local":
        return [ok("tls_local")]
    if provider in SELF_MANAGED_HOSTS:
        return [fail("tls_self_managed", "blueprint: deployment.provider", provider=provider)]
    return [ok("tls_provider", provider=provider)]


def https_code(ctx: CheckContext) -> list[Finding] | None:
    """The application enforces HTTPS (HSTS header or redirect middleware)."""
    if ctx.facts is None:
        return None
    if not ctx.facts.https:
        return [fail("https_missing", _entry_file(ctx.facts))]
    first = ctx.facts.https[0]
    return [ok("https_enforced", at(first.file, first.line), name=first.value)]


def _entry_file(facts: ProjectFacts) -> str:
    return facts.middleware[0].file if facts.middleware else ""


def pci_logging_code(ctx: CheckContext) -> list[Finding] | None:
    """Every request is logged by an app-level middleware."""
    if ctx.facts is None:
        return None
    loggers = ctx.facts.request_logging
    if not loggers:
        return [fail("logging_missing", _entry_file(ctx.facts))]
    return [ok("logging_middleware", at(loggers[0].file, loggers[0].line),
               name=loggers[0].value)]


def pci_secrets_code(ctx: CheckContext) -> list[Finding] | None:
    """No secrets committed (keys, private keys, hard-coded passwords, unignored .env)."""
    if ctx.facts is None:
        return None
    findings = [fail("secret_found", at(s.file, s.line), kind=s.value) for s in ctx.facts.secrets]
    return findings or [ok("no_secrets", count=ctx.facts.files_scanned)]


# ---------------------------------------------------------------- HIPAA


def phi_encryption_blueprint(ctx: CheckContext) -> list[Finding] | None:
    """Every PHI field is marked encrypted."""
    if ctx.blueprint is None:
        return None
    phi = [item for item in _fields(ctx.blueprint) if item[3].phi]
    findings = [fail("phi_unencrypted", _bp_path(e, i), entity=entity.name, field=f.name)
                for e, entity, i, f in phi if not f.encrypted]
    if not phi:
        return [ok("no_phi")]
    return findings or [ok("phi_encrypted", count=len(phi))]


def phi_encryption_code(ctx: CheckContext) -> list[Finding] | None:
    """Every PHI field's column uses an encrypted column type."""
    if ctx.facts is None:
        return None
    if ctx.blueprint is None:
        return [fail("no_blueprint")]
    findings: list[Finding] = []
    for _e, entity, _f, entity_field in _fields(ctx.blueprint):
        if not entity_field.phi:
            continue
        column = next((c for c in entity_columns(ctx.facts, entity)
                       if field_matches(c.name, entity_field)), None)
        if column is None:
            findings.append(fail("phi_column_missing", entity=entity.name,
                                 field=entity_field.name))
        elif not column.encrypted:
            findings.append(fail("phi_column_plain", at(column.file, column.line),
                                 table=column.table, column=column.name, type=column.type_name))
        else:
            findings.append(ok("phi_column_encrypted", at(column.file, column.line),
                               table=column.table, column=column.name, type=column.type_name))
    return findings or [ok("no_phi")]


def auth_blueprint(ctx: CheckContext) -> list[Finding] | None:
    """Authentication is on wherever PHI is stored."""
    bp = ctx.blueprint
    if bp is None:
        return None
    if not sensitive_entities(bp, "phi"):
        return [ok("no_phi")]
    if not (bp.features.auth and bp.stack.auth == "jwt"):
        return [fail("auth_off", "blueprint: features.auth")]
    return [ok("auth_on", mode=bp.stack.auth)]


def _phi_routes(ctx: CheckContext) -> list[tuple[Route, Entity]] | None:
    if ctx.facts is None or ctx.blueprint is None:
        return None
    phi = {e.name for e in sensitive_entities(ctx.blueprint, "phi")}
    out = []
    for route in ctx.facts.routes:
        entities = [e for e in ctx.route_entities(route) if e.name in phi]
        if entities:
            out.append((route, entities[0]))
    return out


def phi_access_code(ctx: CheckContext) -> list[Finding] | None:
    """Every route serving a PHI entity runs an authentication guard."""
    routes = _phi_routes(ctx)
    if routes is None:
        return None if ctx.facts is None else [fail("no_blueprint")]
    findings = [fail("route_unguarded", at(r.file, r.line), method=r.method, path=r.path,
                     entity=e.name)
                for r, e in routes if not any(AUTH_GUARD.search(g) for g in r.guards)]
    if not routes:
        return [ok("no_phi_routes")]
    return findings or [ok("routes_guarded", count=len(routes))]


def phi_audit_code(ctx: CheckContext) -> list[Finding] | None:
    """Every route serving a PHI entity writes an audit record."""
    routes = _phi_routes(ctx)
    if routes is None:
        return None if ctx.facts is None else [fail("no_blueprint")]
    findings = [fail("route_unaudited", at(r.file, r.line), method=r.method, path=r.path,
                     entity=e.name)
                for r, e in routes
                if not any(AUDIT_CALL.search(name) for name in [*r.guards, *r.calls])]
    if not routes:
        return [ok("no_phi_routes")]
    return findings or [ok("routes_audited", count=len(routes))]


def logoff_code(ctx: CheckContext) -> list[Finding] | None:
    """Sessions and tokens expire after at most 30 minutes."""
    if ctx.facts is None:
        return None
    expiries = ctx.facts.token_expiry_seconds
    if not expiries:
        return [fail("expiry_missing")]
    limit = MAX_SESSION_SECONDS // 60
    findings = [fail("expiry_long", at(where.file, where.line), minutes=seconds // 60,
                     name=where.value, limit=limit)
                for seconds, where in expiries if seconds > MAX_SESSION_SECONDS]
    seconds, where = min(expiries, key=lambda item: item[0])
    return findings or [ok("expiry_ok", at(where.file, where.line), minutes=seconds // 60,
                           name=where.value)]


def transmission_code(ctx: CheckContext) -> list[Finding] | None:
    """HTTPS towards clients and TLS towards the database."""
    findings = https_code(ctx)
    if findings is None or ctx.facts is None:
        return None
    uses_database = bool(ctx.facts.columns) or (
        ctx.blueprint is not None and ctx.blueprint.stack.database != "none")
    if not uses_database:
        return findings
    off = [where for on, where in ctx.facts.db_tls if not on]
    on = [where for state, where in ctx.facts.db_tls if state]
    if off:
        findings += [fail("db_tls_off", at(w.file, w.line), name=w.value) for w in off]
    elif on:
        findings.append(ok("db_tls_on", at(on[0].file, on[0].line), name=on[0].value))
    else:
        findings.append(fail("db_tls_missing"))
    return findings


# ---------------------------------------------------------------- GDPR


def _personal(ctx: CheckContext) -> list[Entity] | None:
    """Entities with personal data; None when unknown (no blueprint)."""
    return personal_entities(ctx.blueprint) if ctx.blueprint is not None else None


def export_code(ctx: CheckContext) -> list[Finding] | None:
    """A GET endpoint exports a person's data."""
    if ctx.facts is None:
        return None
    if _personal(ctx) == []:
        return [ok("no_personal_data")]
    for route in ctx.facts.routes:
        segments = [s.lower() for s in route.path.split("/")]
        if route.method == "GET" and any("export" in s or "portab" in s for s in segments):
            return [ok("export_route", at(route.file, route.line), method=route.method,
                       path=route.path)]
    return [fail("export_missing")]


def erasure_code(ctx: CheckContext) -> list[Finding] | None:
    """A DELETE endpoint erases a person or their records."""
    if ctx.facts is None:
        return None
    personal = _personal(ctx)
    if personal == []:
        return [ok("no_personal_data")]
    names = {e.name for e in personal or []}
    for route in ctx.facts.routes:
        if route.method != "DELETE":
            continue
        segments = {snake(s) for s in route.path.split("/") if s}
        serves = ctx.blueprint is not None and any(
            e.name in names for e in ctx.route_entities(route))
        if segments & SELF_SEGMENTS or serves:
            return [ok("erasure_route", at(route.file, route.line), method=route.method,
                       path=route.path)]
    return [fail("erasure_missing")]


def _is_consent(name: str) -> bool:
    return snake(name).startswith("consent")


def consent_blueprint(ctx: CheckContext) -> list[Finding] | None:
    """Where personal data is collected, consent is recorded.

    Either the blueprint has somewhere to record it (a consent field or entity), or the project
    generated from it will: the generator adds a `consent_records` table and consent endpoints
    when compliance lists gdpr and the stack's server templates carry them.
    """
    personal = _personal(ctx)
    bp = ctx.blueprint
    if personal is None or bp is None:
        return None
    if not personal:
        return [ok("no_personal_data")]
    for entity in bp.entities:
        for entity_field in entity.fields:
            if _is_consent(entity_field.name) or _is_consent(entity.name):
                return [ok("consent_field", entity=entity.name, field=entity_field.name)]
    entities = ", ".join(e.name for e in personal)
    if "gdpr" not in bp.compliance:
        return [fail("consent_missing_no_pack", "blueprint: compliance", entities=entities)]
    if not generates_consent_records(bp):
        return [fail("consent_missing_no_server", "blueprint: stack", entities=entities,
                     stack=f"{bp.stack.frontend}+{bp.stack.backend}")]
    return [ok("consent_generated", "blueprint: compliance")]


def generates_consent_records(bp: Blueprint) -> bool:
    """Whether the generator renders consent records into the project of `bp`.

    The generator adds them under the gdpr pack (`security.gdpr` of its template context) in
    every template tree that defines the `consent_records` table; which trees do is read from
    the templates themselves, so this follows the generator without repeating its stack table.
    """
    layout = layout_for(bp)
    return "gdpr" in bp.compliance and layout is not None and \
        any(tree in consent_trees() for tree in layout.trees)


@cache
def consent_trees() -> frozenset[str]:
    """The generator's template trees whose code (not documentation) names consent_records."""
    root = data_path("blueprints") / "templates"
    return frozenset(tree.name for tree in root.iterdir() if tree.is_dir() and any(
        CONSENT_TABLE in path.read_text(encoding="utf-8", errors="replace")
        for path in tree.rglob("*") if path.is_file() and ".md" not in path.suffixes))


def consent_code(ctx: CheckContext) -> list[Finding] | None:
    """The schema has somewhere to record consent."""
    if ctx.facts is None:
        return None
    if _personal(ctx) == []:
        return [ok("no_personal_data")]
    for column in ctx.facts.columns:
        if _is_consent(column.name) or _is_consent(column.table):
            return [ok("consent_field", at(column.file, column.line), entity=column.table,
                       field=column.name)]
    personal = _personal(ctx)
    names = ", ".join(e.name for e in personal) if personal else \
        ", ".join(sorted(ctx.facts.tables()))
    return [fail("consent_missing", entities=names)]


def minimisation_code(ctx: CheckContext) -> list[Finding] | None:
    """List endpoints of personal data return chosen fields, none of them sensitive."""
    if ctx.facts is None:
        return None
    if ctx.blueprint is None:
        return [fail("no_blueprint")]
    personal = {e.name for e in personal_entities(ctx.blueprint)}
    findings: list[Finding] = []
    checked = 0
    for route in (r for r in ctx.facts.routes if is_collection(r)):
        for entity in (e for e in ctx.route_entities(route) if e.name in personal):
            checked += 1
            findings.extend(_minimal(route, entity))
    if not checked:
        return [ok("no_list_routes")]
    return findings or [ok("list_minimal", count=checked)]


def _minimal(route: Route, entity: Entity) -> list[Finding]:
    where = at(route.file, route.line)
    sensitive = [f for f in entity.fields if f.phi or f.pci or f.encrypted]
    if route.excluded:  # whole rows, minus what the summary mapper removes
        removed = {snake(name) for name in route.excluded}
        returned = {snake(f.name) for f in entity.fields} - removed
    elif route.projection != "explicit":
        return [fail("list_all_fields", where, method=route.method, path=route.path,
                     entity=entity.name)]
    else:
        returned = {snake(name) for name in route.fields}
    return [fail("list_sensitive", where, method=route.method, path=route.path,
                 field=f"{entity.name}.{f.name}")
            for f in sensitive if snake(f.name) in returned]


def _region_finding(ctx: CheckContext, region: str, location: str,
                    key: str = "region_not_allowed", file: str = "") -> Finding:
    if ctx.allowed_regions is not None or ctx.forbidden_regions:
        allowed = (ctx.allowed_regions is None or region in ctx.allowed_regions) and \
            region not in ctx.forbidden_regions
        if allowed:
            return ok("region_constitution", location, region=region)
        return fail(key, location, region=region, file=file)
    if region.lower() in EU_REGIONS:
        return ok("region_eu", location, region=region)
    return fail(key, location, region=region, file=file)


def residency_blueprint(ctx: CheckContext) -> list[Finding] | None:
    """The deployment region keeps data where the GDPR (and the constitution) allow."""
    if ctx.blueprint is None:
        return None
    deployment = ctx.blueprint.deployment
    if deployment.provider == "local":
        return [ok("region_local")]
    return [_region_finding(ctx, deployment.region, "blueprint: deployment.region")]


def residency_code(ctx: CheckContext) -> list[Finding] | None:
    """Provider configuration files deploy to allowed regions only."""
    if ctx.facts is None or not ctx.facts.deploy_regions:
        return None
    return [_region_finding(ctx, r.value, at(r.file, r.line), "config_region", r.file)
            for r in ctx.facts.deploy_regions]


def tls_deploy(ctx: CheckContext) -> list[Finding] | None:
    """The address a deployment is actually served at uses HTTPS (or stays on this machine)."""
    if ctx.deploy_url is None:
        return None
    url = urlsplit(ctx.deploy_url)
    host = (url.hostname or "").lower()
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return [ok("deploy_local_url", "deploy", url=ctx.deploy_url)]
    if url.scheme == "https":
        return [ok("deploy_https", "deploy", url=ctx.deploy_url)]
    return [fail("deploy_plain_http", "deploy", url=ctx.deploy_url)]


def residency_deploy(ctx: CheckContext) -> list[Finding] | None:
    """The region a deployment actually targets is allowed."""
    if ctx.deploy_region is None:
        return None
    if ctx.deploy_region == "local":
        return [ok("region_local")]
    return [_region_finding(ctx, ctx.deploy_region, "deploy")]


CHECKS: Final[dict[str, dict[Stage, CheckFn]]] = {
    "pci-dss.card-data": {"blueprint": pci_card_data_blueprint, "code": pci_card_data_code},
    "pci-dss.tokenized-payments": {"blueprint": pci_tokenized_blueprint,
                                   "code": pci_tokenized_code},
    "pci-dss.tls": {"blueprint": tls_blueprint, "code": https_code, "deploy": tls_deploy},
    "pci-dss.access-logging": {"code": pci_logging_code},
    "pci-dss.secrets": {"code": pci_secrets_code},
    "hipaa.phi-encryption": {"blueprint": phi_encryption_blueprint, "code": phi_encryption_code},
    "hipaa.phi-access-control": {"blueprint": auth_blueprint, "code": phi_access_code},
    "hipaa.phi-audit": {"code": phi_audit_code},
    "hipaa.auto-logoff": {"blueprint": auth_blueprint, "code": logoff_code},
    "hipaa.transmission": {"blueprint": tls_blueprint, "code": transmission_code,
                           "deploy": tls_deploy},
    "gdpr.data-export": {"code": export_code},
    "gdpr.erasure": {"code": erasure_code},
    "gdpr.consent": {"blueprint": consent_blueprint, "code": consent_code},
    "gdpr.minimisation": {"code": minimisation_code},
    "gdpr.residency": {"blueprint": residency_blueprint, "code": residency_code,
                       "deploy": residency_deploy},
}
