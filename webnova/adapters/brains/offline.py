"""OfflineBrain: a deterministic, explainable planner for English and Arabic descriptions.

It reads a description with the vocabulary in `lexicon` and `entities` (no model, no network):
the template and domain with the most matching words win (ties go to the more specific one),
entities come with sensible fields and the links between them, features and payment methods
from their words, compliance frameworks from the domain and the wording. Every choice is
explained in `IntentAnalysis.reasons`. Sentences that address the agents instead of describing a
platform (skip approvals, reveal secrets) are dropped and reported, never obeyed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any, Final

from webnova.adapters.brains.entities import BY_NAME, ENTITIES, EntitySpec
from webnova.adapters.brains.lexicon import (
    CARD_WORDS,
    DEPLOY_WORDS,
    DOMAINS,
    EU_WORDS,
    FEATURES,
    HIPAA_WORDS,
    INJECTION,
    PAYMENT_PROVIDERS,
    PCI_WORDS,
    TEMPLATES,
    TENANT_WORDS,
    Terms,
)
from webnova.adapters.brains.port import (
    FillRequest,
    IntentAnalysis,
    IntentStatus,
    RepairPlan,
    RepairRequest,
)
from webnova.generator.blueprint import (
    Blueprint,
    ComplianceFramework,
    DeployProvider,
    Domain,
    Entity,
    Features,
    LocaleTag,
    PaymentProvider,
    Relation,
    TemplateId,
    TenancyMode,
)
from webnova.generator.catalog import load_catalog
from webnova.generator.support import MULTI_TENANT_STACKS
from webnova.i18n import _, ngettext

DEFAULT_TEMPLATE: Final[TemplateId] = "react-express"
CARD_PROVIDERS: Final[frozenset[PaymentProvider]] = frozenset({"stripe", "mada", "apple_pay"})
SAUDI_WORDS: Final = Terms(("saudi", "riyadh", "jeddah", "ksa"), ("السعوديه", "سعودي", "الرياض",
                                                                  "جده"))
_AR_DIACRITICS = re.compile("[\u064b-\u0652\u0640]")
_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"})
_SENTENCES = re.compile(r"(?<=[.!?؟;؛\n])\s*|\s*[،,]\s*(?=(?:and|but|then|و)\s)")
_ARABIC_CHAR = re.compile("[\u0600-\u06ff]")
_LATIN_CHAR = re.compile("[A-Za-z]")
_AR_PREFIX = "(?:^|(?<=[\\s(\"'«،,.:؛-]))(?:و|ف|ب|ل|ك|ال|لل|وال|بال|فال|كال|ول|وب)?"
# Short Arabic stems take only these endings, so "مدى" (mada) does not match "مدينة" (city).
_AR_SHORT_SUFFIX = "(?:ه|ات|ين|ون|ي|يه|ها)?(?=$|[\\s.,،؛:!?؟)\"'»-])"
MAX_ENTITIES: Final = 8


def normalize_arabic(text: str) -> str:
    """Fold Arabic spelling variants (diacritics, alef forms, taa marbuta, alef maqsura)."""
    text = unicodedata.normalize("NFKC", text)
    return _AR_DIACRITICS.sub("", text).translate(_AR_FOLD).lower()


@cache
def _pattern(word: str, arabic: bool) -> re.Pattern[str]:
    if arabic:
        stem = re.escape(normalize_arabic(word).strip())
        tail = _AR_SHORT_SUFFIX if len(stem) <= 3 else ""
        return re.compile(_AR_PREFIX + stem + tail)
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?:s|es)?(?![\w-])")


def hits(terms: Terms, text: str) -> list[str]:
    """The words of `terms` found in `text` (already folded with `normalize_arabic`)."""
    found = [w for w in terms.en if _pattern(w, False).search(text)]
    return found + [w for w in terms.ar if _pattern(w, True).search(text)]


def first_hit(terms: Terms, text: str) -> int | None:
    """Where the earliest word of `terms` occurs in `text`, or None."""
    starts = [m.start() for w in terms.en if (m := _pattern(w, False).search(text))]
    starts += [m.start() for w in terms.ar if (m := _pattern(w, True).search(text))]
    return min(starts) if starts else None


def language_of(text: str) -> LocaleTag:
    """Arabic when the text has more Arabic letters than Latin ones."""
    arabic = len(_ARABIC_CHAR.findall(text))
    return "ar" if arabic > len(_LATIN_CHAR.findall(text)) else "en"


def neutralize(text: str) -> tuple[str, list[str]]:
    """Drop the sentences that instruct the agents; return the rest and what was dropped."""
    kept: list[str] = []
    dropped: list[str] = []
    for sentence in _SENTENCES.split(text):
        if not sentence.strip():
            continue
        (dropped if hits(INJECTION, normalize_arabic(sentence)) else kept).append(sentence.strip())
    return " ".join(kept), dropped


def _words(found: list[str]) -> str:
    return ", ".join(f"“{w}”" for w in found[:4])


class OfflineBrain:
    """The embedded planner: deterministic, explainable, English and Arabic."""

    name = "offline"

    def analyze(self, text: str, locale: str = "en") -> IntentAnalysis:
        """Understand `text`; ask a question when it is too vague, refuse when it only steers."""
        del locale  # the analysis follows the description's own language
        clean, dropped = neutralize(text.strip())
        language = language_of(clean or text)
        warnings = [ngettext(
            "I ignored {count} instruction aimed at the agents: approvals and secrets are not "
            "negotiable.",
            "I ignored {count} instructions aimed at the agents: approvals and secrets are not "
            "negotiable.", len(dropped)).format(count=len(dropped))] if dropped else []
        folded = normalize_arabic(clean)
        plan = _Plan(folded, language)
        if not plan.buildable:
            status: IntentStatus = "refused" if dropped else "clarify"
            return IntentAnalysis(status=status, text=clean, language=language,
                                  question=_clarifying_question(status), warnings=warnings)
        return plan.analysis(clean, warnings)

    def design(self, analysis: IntentAnalysis, previous: Blueprint | None = None,
               feedback: str | None = None) -> Blueprint:
        """A valid blueprint from the analysis; a revision of `previous` after feedback."""
        del feedback  # the architect folds feedback into the analysed text
        data = blueprint_data(analysis)
        if previous is None:
            return Blueprint.model_validate(data)
        data.pop("version", None)
        data.pop("schema_version", None)
        data["slug"] = previous.slug  # the project folder and repository keep their identity
        return previous.revise(**data)

    def fill(self, request: FillRequest) -> RepairPlan:
        """No custom logic: the generated hooks keep their pass-through defaults."""
        del request
        return RepairPlan(explanation="the offline brain writes no custom logic")

    def repair(self, request: RepairRequest) -> RepairPlan:
        """No repair: the offline brain does not write code, so the loop breaker decides."""
        del request
        return RepairPlan()


def _clarifying_question(status: str) -> str:
    if status == "refused":
        return _("I can't act on instructions about approvals, secrets or the agents themselves. "
                 "Describe the platform you want instead: who uses it and what it keeps.")
    return _("What should the platform do? Tell me who uses it and what it keeps track of, for "
             "example: “patients book appointments with doctors at our clinic”.")


class _Plan:
    """The choices for one folded description, with their reasons."""

    def __init__(self, folded: str, language: LocaleTag) -> None:
        self.text = folded
        self.language = language
        self.reasons: list[str] = []
        self.template_hits = {t: hits(terms, folded) for t, terms in TEMPLATES.items()}
        self.domain_hits = {d: hits(terms, folded) for d, terms in DOMAINS.items()}
        self.specs = [s for s in ENTITIES if hits(s.terms, folded)]

    @property
    def buildable(self) -> bool:
        signals = any(self.template_hits.values()) or any(self.domain_hits.values())
        return signals or bool(self.specs)

    def analysis(self, clean: str, warnings: list[str]) -> IntentAnalysis:
        template = self._template()
        domain = self._domain(template)
        specs = self._entities(template, domain)
        tenancy = self._tenancy(template)
        features = self._features(template, domain, tenancy)
        return IntentAnalysis(
            status="ok", text=clean, language=self.language, name=self._name(template, domain),
            template=template, domain=domain, entities=[_entity(s) for s in specs],
            relations=_relations(specs), features=features,
            compliance=self._compliance(domain, features), locales=self._locales(),
            deploy_provider=self._deploy(), tenancy=tenancy, reasons=self.reasons,
            warnings=warnings)

    def _template(self) -> TemplateId:
        best = max(TEMPLATES, key=lambda t: len(self.template_hits[t]))
        found = self.template_hits[best]
        if not found:
            self.reasons.append(_("Template {template}: nothing points to a special kind of site, "
                                  "so a web app with a React frontend and an API.").format(
                                      template=DEFAULT_TEMPLATE))
            return DEFAULT_TEMPLATE
        self.reasons.append(_("Template {template}: you mentioned {words}.").format(
            template=best, words=_words(found)))
        return best

    def _domain(self, template: TemplateId) -> Domain:
        best = max(DOMAINS, key=lambda d: len(self.domain_hits[d]))
        found = self.domain_hits[best]
        if found:
            self.reasons.append(_("Domain {domain}: you mentioned {words}.").format(
                domain=best, words=_words(found)))
            return best
        entry = load_catalog().get(template)
        domain: Domain = entry.blueprint().domain if entry else "general"
        self.reasons.append(_("Domain {domain}: the usual one for the {template} template.").format(
            domain=domain, template=template))
        return domain

    def _entities(self, template: TemplateId, domain: Domain) -> list[EntitySpec]:
        specs = list(self.specs)
        if domain == "healthcare" and BY_NAME["Patient"] not in specs and specs:
            specs.insert(0, BY_NAME["Patient"])
            self.reasons.append(_("Added Patient: a health platform keeps patient records."))
        if not _has_backend(template):
            return []
        specs = specs[:MAX_ENTITIES]
        if specs:
            self.reasons.append(_("Entities: {names}.").format(
                names=", ".join(s.name for s in specs)))
        return specs

    def _tenancy(self, template: TemplateId) -> TenancyMode:
        """Multi-tenant when the text says many organisations each keep their own data."""
        found = hits(TENANT_WORDS, self.text) + _tenancy_cues(self.text)
        if not found:
            return "single"
        entry = load_catalog().get(template)
        stack = entry.blueprint().stack if entry else None
        if stack is None or (stack.frontend, stack.backend) not in MULTI_TENANT_STACKS:
            self.reasons.append(_("You described several organisations ({words}), but the "
                                  "{template} template is generated for one organisation only; "
                                  "ask for a React, Vue or Next.js app or an API to get "
                                  "isolated organisations.").format(
                                      words=_words(found), template=template))
            return "single"
        self.reasons.append(_("Multi-tenant: you described several organisations ({words}); "
                              "each one signs in and sees only its own data.").format(
                                  words=_words(found)))
        return "multi"

    def _features(self, template: TemplateId, domain: Domain, tenancy: TenancyMode) -> Features:
        found = {name: hits(terms, self.text) for name, terms in FEATURES.items()}
        server = _has_backend(template)
        sensitive = domain in ("healthcare", "financial", "government")
        auth = server and (bool(found["auth"]) or sensitive or template == "saas-starter"
                           or tenancy == "multi")
        if auth:
            self.reasons.append(_("Sign-in: accounts are needed to protect the records."))
        payments = self._payments(found["payments"]) if server else []
        flags = {name: server and bool(found[name]) for name in ("search", "maps", "media")}
        flags["notifications"] = bool(found["notifications"]) and server
        return Features(auth=auth, payments=payments, i18n=True, **flags)

    def _payments(self, words: list[str]) -> list[PaymentProvider]:
        named = [p for p, terms in PAYMENT_PROVIDERS.items() if hits(terms, self.text)]
        if named:
            self.reasons.append(_("Payments through {providers}, as you named them.").format(
                providers=", ".join(named)))
            return named
        if not words and not hits(CARD_WORDS, self.text):
            return []
        chosen: list[PaymentProvider] = ["stripe"]
        if hits(SAUDI_WORDS, self.text):
            chosen = ["mada", "stripe"]
        self.reasons.append(_("Payments through {providers}: you asked for payments without "
                              "naming a provider.").format(providers=", ".join(chosen)))
        return chosen

    def _compliance(self, domain: Domain, features: Features) -> list[ComplianceFramework]:
        frameworks: list[ComplianceFramework] = []
        cards = bool(CARD_PROVIDERS & set(features.payments)) or bool(hits(PCI_WORDS, self.text))
        if cards:
            frameworks.append("pci-dss")
            self.reasons.append(_("PCI-DSS: the platform takes card payments."))
        if domain == "healthcare" or hits(HIPAA_WORDS, self.text):
            frameworks.append("hipaa")
            self.reasons.append(_("HIPAA: the platform holds health data."))
        eu = hits(EU_WORDS, self.text)
        if eu:
            frameworks.append("gdpr")
            self.reasons.append(_("GDPR: personal data of people in the EU ({words}).").format(
                words=_words(eu)))
        return frameworks

    def _locales(self) -> list[LocaleTag]:
        # WebNova platforms are bilingual; the description's language comes first.
        return ["ar", "en"] if self.language == "ar" else ["en", "ar"]

    def _deploy(self) -> DeployProvider:
        for provider, terms in DEPLOY_WORDS.items():
            if hits(terms, self.text):
                self.reasons.append(_("Deploy target {provider}, as you asked.").format(
                    provider=provider))
                return provider  # type: ignore[return-value]
        return "local"

    def _name(self, template: TemplateId, domain: Domain) -> str:
        entry = load_catalog().get(template)
        base = entry.name.get(self.language) if entry else template
        subject = _SUBJECT_NAMES.get(domain)
        if subject is None:
            return base
        return subject[1] if self.language == "ar" else subject[0]


_SUBJECT_NAMES: Final[dict[Domain, tuple[str, str]]] = {
    "healthcare": ("Clinic Platform", "منصة العيادة"),
    "financial": ("Finance Platform", "المنصة المالية"),
    "government": ("Public Services Portal", "بوابة الخدمات العامة"),
    "education": ("Learning Platform", "منصة التعلم"),
    "commerce": ("Online Store", "المتجر الإلكتروني"),
}


# "Multiple schools use it, each with its own teachers", "each clinic has its own patients".
_ORGS: Final = (r"(?:schools?|clinics?|hospitals?|companies|company|organi[sz]ations?|"
                r"businesses|business|stores?|shops?|gyms?|firms?|agencies|agency|tenants?|"
                r"customers?|restaurants?|branches|teams?|universities|university)")
_MANY_ORGS: Final = re.compile(rf"\b(?:multiple|several|many|different)\s+(?:\w+\s+)?{_ORGS}\b"
                               r"[^.!?;]*?\b(?:each|its own|their own|separate|isolated)\b")
_EACH_ORG_OWN: Final = re.compile(rf"\beach\s+{_ORGS}\b[^.!?;]{{0,40}}?\b(?:its|their)\s+own\b")


def _tenancy_cues(text: str) -> list[str]:
    """English phrases saying that many organisations each keep their own data."""
    return [m.group(0) for pattern in (_MANY_ORGS, _EACH_ORG_OWN)
            if (m := pattern.search(text))]


def _has_backend(template: TemplateId) -> bool:
    return template not in ("static-site", "landing-page")


def _entity(spec: EntitySpec) -> Entity:
    return Entity.model_validate({"name": spec.name, "label": {"en": spec.name, "ar": spec.ar},
                                  "fields": [dict(f) for f in spec.fields]})


def _relations(specs: list[EntitySpec]) -> list[Relation]:
    names = {s.name for s in specs}
    return [Relation(source=s.name, target=t, kind="many-to-one")
            for s in specs for t in s.belongs_to if t in names]


def slugify(name: str, fallback: str) -> str:
    """A project slug from an English name (`fallback` when nothing ASCII is left)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:62]
    return slug if len(slug) >= 2 and slug[0].isalpha() else fallback


def blueprint_data(analysis: IntentAnalysis) -> dict[str, Any]:
    """The blueprint document for an analysis: the template's preset with the analysis applied."""
    if analysis.template is None:
        raise ValueError("only an analysis with status 'ok' can be designed")
    entry = load_catalog().get(analysis.template)
    assert entry is not None  # every TemplateId is in the shipped catalog
    data = entry.blueprint().model_dump(mode="json")
    english = _SUBJECT_NAMES.get(analysis.domain, (entry.name.en, ""))[0]
    data.update(
        name=analysis.name or entry.name.get(analysis.language),
        slug=slugify(english, analysis.template), description=analysis.text[:4000],
        domain=analysis.domain, locales=list(analysis.locales),
        default_locale=analysis.locales[0], compliance=list(analysis.compliance),
        features=analysis.features.model_dump(mode="json"),
        deployment={**data["deployment"], "provider": analysis.deploy_provider},
    )
    if data["stack"]["backend"] != "none" and analysis.entities:
        data["entities"] = [e.model_dump(mode="json") for e in analysis.entities]
        data["relations"] = [r.model_dump(mode="json") for r in analysis.relations]
        data["pages"] = _pages(analysis.entities)
    if analysis.features.auth:
        data["stack"]["auth"] = "jwt"
    data["tenancy"] = {"mode": analysis.tenancy}
    return data


def _pages(entities: list[Entity]) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = [{"name": "Home", "path": "/", "kind": "landing"}]
    for entity in entities:
        path = "/" + re.sub(r"(?<!^)(?=[A-Z])", "-", entity.name).lower() + "s"
        pages.append({"name": entity.name + "s", "path": path, "kind": "list",
                      "entity": entity.name})
    first = entities[0]
    pages.append({"name": "New " + first.name, "path": pages[1]["path"] + "/new", "kind": "form",
                  "entity": first.name})
    return pages
