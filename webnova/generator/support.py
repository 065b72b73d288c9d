"""What the generator can really render today, checked before anything is written.

The Blueprint contract (`TEMPLATE_STACKS`) describes every stack a template may *describe*; this
module says which of those combinations have template trees that install, build, test and start.
A blueprint outside this table is refused with a localized, path-addressed issue, never rendered
half-way. Widen `GENERATABLE` when a new tree passes the acceptance matrix.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from webnova.generator.blueprint import ApiStyle, Backend, Blueprint, Frontend
from webnova.generator.validation import BlueprintIssue
from webnova.i18n import _


@dataclass(frozen=True)
class StackLayout:
    """The template trees one frontend/backend pair is rendered from, in overlay order."""

    trees: tuple[str, ...]
    toolchain: tuple[str, ...]


# Fastify is overlaid on ts-express: the framework-free modules (schema, validation, database,
# migrations, encryption, OpenAPI) and the generated tests come from ts-express, so both backends
# serve one contract; ts-fastify replaces every Express-specific file (a unit test checks that no
# Express code is left in a Fastify project). Next.js is overlaid the same way: its route handlers
# call one framework-free API module (Web Fetch Request/Response) over the same core.
GENERATABLE: Final[Mapping[tuple[Frontend, Backend], StackLayout]] = {
    ("react", "express"): StackLayout(("common", "ts-express", "react-vite"), ("node", "npm")),
    ("svelte", "express"): StackLayout(("common", "ts-express", "svelte-vite"), ("node", "npm")),
    ("vue", "fastify"): StackLayout(
        ("common", "ts-express", "ts-fastify", "vue-vite"), ("node", "npm")),
    ("nextjs", "nextjs"): StackLayout(("common", "ts-express", "nextjs"), ("node", "npm")),
    ("none", "express"): StackLayout(("common", "ts-express"), ("node", "npm")),
    ("none", "fastify"): StackLayout(("common", "ts-express", "ts-fastify"), ("node", "npm")),
    ("static", "none"): StackLayout(("common", "static-site"), ("node", "npm")),
    ("none", "fastapi"): StackLayout(("common", "py-fastapi"), ("python3",)),
}
API_STYLES: Final[frozenset[ApiStyle]] = frozenset({"rest", "graphql"})
# GraphQL is served by the Express tree alone (resolvers over the framework-free service modules);
# no frontend tree calls it yet, so it is API-only until one does.
GRAPHQL_STACKS: Final[frozenset[tuple[Frontend, Backend]]] = frozenset({("none", "express")})
# Tenant isolation (a tenant id in the token, carried to the services by AsyncLocalStorage, every
# query and reference checked against it) is built into the shared ts-express core and REST API;
# Fastify's and Next.js's auth, audit and privacy modules keep the same contract, so the same
# generated tests run on all three. The React sign-up form (reused by Next.js) and the Vue one ask
# for the organisation; the other backends and frontends do not know tenants yet.
MULTI_TENANT_STACKS: Final[frozenset[tuple[Frontend, Backend]]] = frozenset({
    ("none", "express"), ("react", "express"), ("none", "fastify"), ("vue", "fastify"),
    ("nextjs", "nextjs")})


def layout_for(bp: Blueprint) -> StackLayout | None:
    """The trees that render `bp`, or None when its stack is not generatable yet."""
    return GENERATABLE.get((bp.stack.frontend, bp.stack.backend))


def unsupported(bp: Blueprint) -> list[BlueprintIssue]:
    """Issues for every part of `bp` the generator cannot render yet (empty when it can)."""
    issues: list[BlueprintIssue] = []
    if layout_for(bp) is None:
        pairs = _pairs(GENERATABLE)
        issues.append(BlueprintIssue(
            path="stack", code="stack_not_generatable",
            message=_(
                "The generator cannot build the {frontend} frontend with the {backend} backend "
                "yet; generatable frontend+backend pairs: {pairs}."
            ).format(frontend=bp.stack.frontend, backend=bp.stack.backend, pairs=pairs)))
    issues.extend(_tenancy_issues(bp))
    issues.extend(_api_issues(bp))
    return issues


def _pairs(stacks: Iterable[tuple[Frontend, Backend]]) -> str:
    return ", ".join(f"{f}+{b}" for f, b in sorted(stacks))


def _tenancy_issues(bp: Blueprint) -> list[BlueprintIssue]:
    if bp.tenancy.mode != "multi":
        return []
    issues: list[BlueprintIssue] = []
    pair = (bp.stack.frontend, bp.stack.backend)
    if pair not in MULTI_TENANT_STACKS or bp.stack.api != "rest":
        issues.append(BlueprintIssue(
            path="tenancy.mode", code="tenancy_not_generatable",
            message=_(
                "Multi-tenant projects are generated with a REST API on these frontend+backend "
                "pairs for now: {pairs} ({frontend} frontend with the {backend} backend and a "
                "{api} API asked); use one of those, or tenancy: single."
            ).format(pairs=_pairs(MULTI_TENANT_STACKS), frontend=bp.stack.frontend,
                     backend=bp.stack.backend, api=bp.stack.api)))
    if bp.stack.auth != "jwt":
        issues.append(BlueprintIssue(
            path="stack.auth", code="tenancy_needs_auth",
            message=_(
                "Multi-tenant projects need sign-in to know each request's organisation: set "
                "stack.auth to jwt."
            )))
    return issues


def _api_issues(bp: Blueprint) -> list[BlueprintIssue]:
    if bp.stack.api not in API_STYLES:
        return [BlueprintIssue(
            path="stack.api", code="api_not_generatable",
            message=_("The generator cannot build a {api} API yet; use rest.").format(
                api=bp.stack.api))]
    if bp.stack.api == "graphql" and (bp.stack.frontend, bp.stack.backend) not in GRAPHQL_STACKS:
        return [BlueprintIssue(
            path="stack.api", code="api_not_generatable",
            message=_(
                "GraphQL projects are API-only on Express for now ({frontend} frontend with the "
                "{backend} backend asked); use api: rest, or frontend: none with backend: express."
            ).format(frontend=bp.stack.frontend, backend=bp.stack.backend))]
    return []


class ToolchainMissingError(RuntimeError):
    """A program a step needs (node, npm, python3) is not on PATH; the message names it."""

    def __init__(self, program: str, step: str) -> None:
        self.program = program
        self.step = step
        super().__init__(_(
            "{program} is required to {step} this project but was not found on PATH; "
            "install it and try again."
        ).format(program=program, step=step))


def require_toolchain(
    bp: Blueprint, step: str, which: Callable[[str], str | None] = shutil.which
) -> dict[str, str]:
    """Paths of the programs `step` needs for `bp`'s stack.

    Raises:
        ToolchainMissingError: one of them is missing (the first, in a stable order).
    """
    layout = layout_for(bp)
    found: dict[str, str] = {}
    for program in layout.toolchain if layout else ():
        path = which(program)
        if path is None:
            raise ToolchainMissingError(program, step)
        found[program] = path
    return found
