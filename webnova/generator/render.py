r"""Render a blueprint into an in-memory file tree with a sandboxed Jinja environment.

Template trees live in `blueprints/templates/<tree>/`. A stack is an overlay of trees (see
`webnova.generator.support.GENERATABLE`): a later tree's file replaces an earlier one at the same
path. Inside a tree:

* `*.j2` files are rendered (the suffix is dropped); other files are copied byte for byte;
* a path containing `__entity__` is rendered once per entity, with `entity` in the context and the
  segment replaced by the entity's snake-case identifier; `__route__` does the same with the
  entity's URL segment (file-system routers such as Next.js's App Router name folders by URL);
* a file named `__page__.html.j2` is rendered once per page, with `page` in the context, to the
  page's own file (`index.html`, `about/index.html`);
* a rendered file that is only whitespace is left out, so a template can switch itself off with
  `{% if auth %}...{% endif %}`;
* files under a tree's `_partials/` folder are never output: they are macros and fragments that
  templates of any tree pull in with `{% include "<tree>/_partials/..." %}` or `{% import %}`
  (include paths are relative to the templates root, so one tree may also reuse another tree's
  file whole, as the Svelte and Vue trees do with the React tree's `meta.ts.j2` and `api.ts`).

The output is deterministic: sorted walks, no timestamps, `\\n` line endings, so the same
blueprint always gives a byte-identical tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Final

from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from webnova.generator.blueprint import Blueprint
from webnova.generator.context import GENERATOR_VERSION, build_context
from webnova.generator.openapi import openapi_document
from webnova.generator.support import layout_for
from webnova.resources import data_path

ENTITY_TOKEN: Final = "__entity__"
ROUTE_TOKEN: Final = "__route__"
PAGE_TOKEN: Final = "__page__.html"
PARTIALS: Final = "_partials"
MANIFEST: Final = ".webnova/manifest.json"
BLUEPRINT_COPY: Final = ".webnova/blueprint.json"

Tree = dict[str, str]


def templates_root() -> Path:
    """Directory holding the template trees."""
    return data_path("blueprints") / "templates"


def _json(value: object, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=False)


def make_environment() -> SandboxedEnvironment:
    """The one Jinja environment templates run in: sandboxed, strict about undefined names."""
    env = SandboxedEnvironment(
        # `{% include %}` paths are relative to the templates root; the trees are static data (see
        # `tree_sources`), so included files are not re-checked for changes on every render.
        loader=FileSystemLoader(templates_root(), encoding="utf-8"),
        auto_reload=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # the output is source code, not HTML; templates escape explicitly
    )
    env.filters["json"] = _json
    return env


@cache
def _shared_environment() -> SandboxedEnvironment:
    return make_environment()


@lru_cache(maxsize=512)
def _compiled(text: str) -> Template:
    # Compiling is most of the cost of a render; the trees are static data, so compile once.
    return _shared_environment().from_string(text)


@cache
def tree_sources(tree: str) -> tuple[tuple[str, str, bool], ...]:
    """(relative path, text, is_template) of every file of a template tree, sorted by path."""
    root = templates_root() / tree
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.relative_to(root).parts[0] != PARTIALS)
    return tuple((p.relative_to(root).as_posix(), p.read_text(encoding="utf-8"),
                  p.suffix == ".j2") for p in files)


def render_project(bp: Blueprint, env: SandboxedEnvironment | None = None) -> Tree:
    """Every file of the project `bp` describes, as `{posix path: text}` sorted by path.

    `env` replaces the shared sandboxed environment (whose compiled templates are cached).

    Raises:
        ValueError: the blueprint's stack has no template trees (check `support.unsupported`).
    """
    layout = layout_for(bp)
    if layout is None:
        raise ValueError(f"no template trees for {bp.stack.frontend}+{bp.stack.backend}")
    context = build_context(bp)
    context["openapi_json"] = _json(openapi_document(bp, context), indent=2)
    out: Tree = {}
    for tree in layout.trees:
        for path, text, is_template in tree_sources(tree):
            out.update(_render_file(env, path, text, is_template, context))
    out.update(_metadata(bp, context, sorted(out)))
    return dict(sorted(out.items()))


def _render_file(
    env: SandboxedEnvironment | None, path: str, text: str, is_template: bool,
    context: Mapping[str, Any],
) -> Tree:
    target = path[: -len(".j2")] if is_template else path
    if not is_template:
        return {target: text}
    template = env.from_string(text) if env is not None else _compiled(text)
    rendered: Tree = {}
    for name, values in expansions(target, context):
        rendered.update(_keep(name, template.render(values)))
    return rendered


def expansions(target: str, context: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each output path of the template at `target`, with the values it renders with.

    One per page for a `__page__` name, one per entity for `__entity__`/`__route__` segments,
    else the path itself with `context`.
    """
    if target.endswith(PAGE_TOKEN):
        folder = target[: -len(PAGE_TOKEN)]
        for page in context["pages"]:
            yield folder + page["file"], {**context, "page": page}
        return
    if ENTITY_TOKEN not in target and ROUTE_TOKEN not in target:
        yield target, context
        return
    for entity in context["entities"]:
        name = target.replace(ENTITY_TOKEN, entity["snake"]).replace(ROUTE_TOKEN, entity["route"])
        yield name, {**context, "entity": entity}


def _keep(path: str, text: str) -> Tree:
    return {path: text} if text.strip() else {}


def _metadata(bp: Blueprint, context: Mapping[str, Any], paths: list[str]) -> Tree:
    extra: Tree = {}
    if context["has_backend"] and bp.stack.api == "rest":  # GraphQL projects serve no OpenAPI
        extra["openapi.json"] = context["openapi_json"] + "\n"
    manifest = {
        "generator": "webnova", "generator_version": GENERATOR_VERSION,
        "template": bp.template, "slug": bp.slug, "blueprint_version": bp.version,
        "stack": context["stack"],
        "files": sorted([*paths, *extra, BLUEPRINT_COPY, MANIFEST]),
    }
    extra[BLUEPRINT_COPY] = _json(bp.model_dump(mode="json"), indent=2) + "\n"
    extra[MANIFEST] = _json(manifest, indent=2) + "\n"
    return extra


def write_tree(tree: Mapping[str, str], out: Path) -> int:
    """Write `tree` under `out` as UTF-8; return the number of files written."""
    for path, text in tree.items():
        target = out / PurePosixPath(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    return len(tree)
