"""TypeScript modules of a project and the following of route handlers into the code they call.

`TsProject` resolves imports (relative, tsconfig path aliases, re-exports, namespaces), finds
where a name is declared, and follows a handler into every project function it reaches
(`handler_shape`), narrowed by `Dispatch` to the branches a shared Next.js handler takes for
one URL.
"""

from __future__ import annotations

import bisect
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, NamedTuple, cast

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.facts import (
    NEXT_METHODS,
    TS_SUFFIXES,
    ProjectFacts,
    Route,
    duration_seconds,
    rel_path,
)
from webnova.governance.compliance.tsscan import Token

# How many functions a route's handler is followed into (spans of reachable code).
MAX_REACHED: Final = 64


@dataclass
class TsFile:
    """A prepared module: its imports, exports, apps and routers."""

    rel: str
    path: Path
    module: tsscan.Module
    imports: dict[str, Path] = field(default_factory=dict)
    routers: set[str] = field(default_factory=set)
    apps: set[str] = field(default_factory=set)
    # Router-wide middleware (`router.use(mw)`) in order of declaration, with its token index.
    router_guards: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # Local name -> exported name of renamed imports (`import { toJson as patientJson }`).
    aliases: dict[str, str] = field(default_factory=dict)
    # Names this module re-exports from another (`export { toJson } from "./x"`).
    reexports: dict[str, Path] = field(default_factory=dict)
    # Namespace imports (`import * as service from "./x"`): `service.f` is `f` of that module.
    namespaces: set[str] = field(default_factory=set)
    # Modules whose every export this one re-exports (`export * from "./x"`).
    star_exports: list[Path] = field(default_factory=list)
    # Exported name -> local name of a local export list (`export { remove as DELETE }`).
    exported_as: dict[str, str] = field(default_factory=dict)
    directory: Path = field(init=False)

    def __post_init__(self) -> None:
        self.directory = self.path.parent

    @property
    def tokens(self) -> tuple[Token, ...]:
        """The module's tokens."""
        return self.module.tokens

    @property
    def calls(self) -> tuple[tsscan.Call, ...]:
        """The module's calls, in source order."""
        return self.module.calls

    def calls_within(self, start: int, end: int) -> tuple[tsscan.Call, ...]:
        """Calls that begin strictly between the token indices `start` and `end`."""
        starts = self.module.call_starts
        return self.calls[bisect.bisect_right(starts, start):bisect.bisect_left(starts, end)]


@dataclass
class Mount:
    """Where an app mounts a router: the URL prefix and the guards before it."""

    prefix: str
    guards: list[str]


class Span(NamedTuple):
    """Tokens `start..end` of one module: a route's handler or a function it reaches.

    A tuple: thousands are made per read, and a frozen dataclass costs several times more.
    """

    ts: TsFile
    start: int
    end: int


@dataclass
class _Reached:
    """A span a handler reaches: its calls and the project functions it leads to."""

    span: Span
    calls: list[tsscan.Call]
    targets: list[Span] = field(default_factory=list)
    called: list[str] = field(default_factory=list)  # callees declared in the project
    _projection: tuple[str, list[str], list[str]] | None = None

    def projection(self) -> tuple[str, list[str], list[str]]:
        """How the span reads a table: (projection, fields, excluded by a summary mapper)."""
        if self._projection is None:
            self._projection = _span_projection(self.span.ts.module, self.span.start,
                                                self.span.end, self.calls)
        return self._projection


def _span_projection(module: tsscan.Module, start: int, end: int,
                     calls: Sequence[tsscan.Call]) -> tuple[str, list[str], list[str]]:
    """How the calls of a span read a table: (projection, fields, excluded by a mapper)."""
    # Unless a dispatch cut calls out, the answer depends on the module alone: kept with it.
    whole = len(calls) == len(module.calls_between(start, end)[0])
    key = ("projection", start, end)
    cached = module.derived.get(key) if whole else None
    if cached is not None:
        return cast(tuple[str, list[str], list[str]], cached)
    projection, fields = _ts_projection(list(calls))
    excluded = _mapper_exclusions(module, list(calls)) if projection == "all" else []
    if whole:
        module.derived[key] = (projection, fields, excluded)
    return projection, fields, excluded


@dataclass
class Hook:
    """A Fastify hook (`app.addHook(phase, handler)`) or a route's own hook option."""

    phase: str
    name: str | None
    calls: set[str]


@dataclass
class Level:
    """A Fastify encapsulation context: its URL prefix and the hooks its routes run."""

    prefix: str
    hooks: list[Hook]
    root: bool = False


class TsProject:
    """The TypeScript modules of a project and the following of handlers into their code."""

    def __init__(self, root: Path, facts: ProjectFacts) -> None:
        self.root = root
        self.facts = facts
        self.files: dict[Path, TsFile] = {}
        self.encrypted_types: set[str] = set()
        # (file, router name) -> mounts under which the router is served.
        self.mounts: dict[tuple[Path, str], list[Mount]] = {}
        # (file, variable) -> table name, for `export const patientTable = pgTable("patients")`.
        self.table_vars: dict[tuple[Path, str], str] = {}
        self.tables_in: dict[Path, set[str]] = {}  # the tables of `table_vars`, by file
        self._resolved: dict[tuple[Path, str], Path | None] = {}
        self.texts: dict[Path, str] = {}
        self.keys: dict[Path, bytes] = {}  # each text's `tsscan.content_key`
        # Modules read only because a handler reaches them (not scanned for app-wide facts).
        self.loaded: dict[Path, TsFile] = {}
        self._definitions: dict[tuple[int, str], tuple[TsFile, tsscan.Definition] | None] = {}
        # Keyed by the module object's id: every module is one object for the whole read.
        self._spans: dict[tuple[int, int, int, bool], _Reached] = {}
        self._shapes: dict[tuple[int, int, int], Shape] = {}
        self._known: set[str] = set()  # the paths of `texts`, for resolving imports
        self.path_aliases = _path_aliases(root)
        self.serves_routers = False  # whether an app mounts routers (see `_mounted`)

    def _prepare(self, path: Path, module: tsscan.Module) -> TsFile:
        ts = TsFile(rel=rel_path(self.root, path), path=path, module=module)
        tokens = module.tokens
        for i in module.positions("import"):
            self._import(ts, i)
        for i in module.positions("export"):
            if i + 1 < len(tokens) and tokens[i + 1].value in ("{", "*"):
                close = module.pairs.get(i + 1, i + 1)
                if tokens[i + 1].value == "{" and \
                        (close + 1 >= len(tokens) or tokens[close + 1].value != "from"):
                    _local_exports(ts, i + 1, close)
                else:
                    self._import(ts, i, reexport=True)
        for i in module.positions("express", "Router"):
            if i + 1 < len(tokens) and tokens[i + 1].value == "(":
                name = assigned_name(tokens, i - (2 if tokens[i - 1].value == "." else 0))
                if name:
                    (ts.apps if tokens[i].value == "express" else ts.routers).add(name)
        return ts

    def _import(self, ts: TsFile, index: int, reexport: bool = False) -> None:
        tokens = ts.tokens
        end = next((j for j in range(index, min(index + 200, len(tokens)))
                    if tokens[j].value in ("from", ";")), None)
        if end is None or tokens[end].value != "from" or end + 1 >= len(tokens) or \
                tokens[end + 1].kind != "string":
            return
        target = self._resolve(ts.directory, tokens[end + 1].value)
        if target is None:
            return
        names = [t.value for t in tokens[index + 1:end] if t.kind == "ident"
                 and t.value not in ("type", "as", "import")]
        for j in range(index + 1, end):
            if tokens[j].value == "as" and j + 1 < end:
                names.append(tokens[j + 1].value)
                if tokens[j - 1].kind == "ident":
                    ts.aliases[tokens[j + 1].value] = tokens[j - 1].value
                elif tokens[j - 1].value == "*" and not reexport:
                    ts.namespaces.add(tokens[j + 1].value)
        if reexport and end == index + 2 and tokens[index + 1].value == "*":
            ts.star_exports.append(target)
        for name in names:
            (ts.reexports if reexport else ts.imports)[name] = target

    def _resolve(self, directory: Path, spec: str) -> Path | None:
        if not spec.startswith("."):
            alias = next(((prefix, target) for prefix, target in self.path_aliases
                          if spec.startswith(prefix)), None)
            if alias is None:
                return None
            directory, spec = alias[1], "./" + spec[len(alias[0]):]
        key = (directory, spec)
        if key not in self._resolved:
            # Normalised, not resolved: the reader's files are keyed by their path under root.
            # Only the files read can be followed, so they are the ones looked for (no stat).
            base = os.path.normpath(f"{directory}/{spec}")
            dot = base.rfind(".")
            stem = base[:dot] if dot > base.rfind("/") and base[dot:] in TS_SUFFIXES else base
            candidates = [*(stem + s for s in TS_SUFFIXES),
                          *(f"{stem}/index{s}" for s in TS_SUFFIXES)]
            found = next((c for c in candidates if c in self._known), None)
            self._resolved[key] = Path(found) if found is not None else None
        return self._resolved[key]

    # ------------------------------------------------ following what a handler calls

    def file(self, path: Path) -> TsFile | None:
        """The module at `path`, read on first use when the marker scan skipped it."""
        ts = self.files.get(path) or self.loaded.get(path)
        if ts is None and path in self.texts:
            ts = self.loaded[path] = self._prepare(
                path, tsscan.parse(self.texts[path], self.keys.get(path)))
        return ts

    def definition(self, ts: TsFile, name: str) -> tuple[TsFile, tsscan.Definition] | None:
        """Where `name` (`f`, or `ns.f` over a namespace import) is declared in the project."""
        key = (id(ts), name)
        if key not in self._definitions:
            self._definitions[key] = None  # a cycle of re-exports ends here
            self._definitions[key] = self._find_definition(ts, name)
        return self._definitions[key]

    def _find_definition(self, ts: TsFile, name: str) -> tuple[TsFile, tsscan.Definition] | None:
        head, _sep, member = name.partition(".")
        if member:
            target = ts.imports.get(head) if head in ts.namespaces else None
            other = self.file(target) if target is not None and "." not in member else None
            return self.definition(other, member) if other is not None else None
        local = ts.module.definitions.get(name) or \
            ts.module.definitions.get(ts.exported_as.get(name, name))
        if local is not None:
            return ts, local
        target = ts.imports.get(name) or ts.reexports.get(name)
        for path in [target] if target is not None else ts.star_exports:
            other = self.file(path)
            found = self.definition(other, ts.aliases.get(name, name)) if other else None
            if found is not None:
                return found
        return None

    def reach(self, entries: list[Span], dispatch: Dispatch | None = None) -> list[_Reached]:
        """The code a handler runs: its own span, then every project function it calls.

        With `dispatch` (Next.js), every identifier is followed (handlers are passed around
        as values), except in branches a dispatcher takes for other URLs.
        """
        seen: set[tuple[int, int]] = set()
        out: list[_Reached] = []
        queue = list(entries)
        while queue and len(out) < MAX_REACHED:
            span = queue.pop(0)
            if (id(span.ts), span.start) in seen:
                continue
            static = self._static(span, dispatch) if dispatch is not None else None
            if static is not None:  # shared by every route: taken whole
                for item in static:
                    if (id(item.span.ts), item.span.start) not in seen:
                        seen.add((id(item.span.ts), item.span.start))
                        out.append(item)
                continue
            seen.add((id(span.ts), span.start))
            item = self._reached(span, dispatch)
            out.append(item)
            queue.extend(item.targets)
        return out

    def _static(self, span: Span, dispatch: Dispatch) -> list[_Reached] | None:
        """Everything `span` reaches when no keyed branch is on the way (else None)."""
        key = (id(span.ts), span.start, span.end)
        if key in dispatch.static:
            return dispatch.static[key]
        dispatch.static[key] = None  # a cycle back here counts as keyed: the route walk decides
        if dispatch.keyed_in(span):
            return None
        item = self._reached(span, dispatch)
        out, seen = [item], {(id(span.ts), span.start)}
        for target in item.targets:
            inner = self._static(target, dispatch)
            if inner is None:
                return None
            for reached in inner:
                if (id(reached.span.ts), reached.span.start) not in seen:
                    seen.add((id(reached.span.ts), reached.span.start))
                    out.append(reached)
        dispatch.static[key] = out[:MAX_REACHED]
        return dispatch.static[key]

    def _reached(self, span: Span, dispatch: Dispatch | None) -> _Reached:
        """One span's calls and the functions it leads to (cached unless a dispatch cuts it)."""
        skip = dispatch.excluded(span) if dispatch is not None else []
        key = (id(span.ts), span.start, span.end, dispatch is not None)
        if not skip and key in self._spans:
            return self._spans[key]
        found_calls, callees = span.ts.module.calls_between(span.start, span.end)
        calls = list(found_calls)
        if skip:
            cut = _Cut(skip)
            calls = [c for c in calls if c.start not in cut]
        item = _Reached(span, calls)
        names = _references(span, skip) if dispatch is not None else callees
        item.targets = self._targets(span.ts, names)
        item.called = [c.callee for c in calls if self.definition(span.ts, c.callee)]
        if not skip:
            self._spans[key] = item
        return item

    def _targets(self, ts: TsFile, names: Sequence[str]) -> list[Span]:
        """The declarations of the project that `names` (used in `ts`) refer to."""
        targets: list[Span] = []
        local = ts.module.definitions
        for name in names:
            head, dot, _member = name.partition(".")
            if (head not in ts.namespaces) if dot else \
                    (head not in local and head not in ts.imports and head not in ts.reexports):
                continue  # `res.json`, `db.select`: nothing of the project's (a quick test)
            found = self.definition(ts, name)
            if found is not None:
                targets.append(Span(found[0], found[1].value, found[1].end))
        return targets

    def handler_shape(self, entries: list[Span], dispatch: Dispatch | None = None) -> Shape:
        """What a route's handler calls and returns, following it into the project's code."""
        if dispatch is None and len(entries) == 1:
            return self._followed(entries[0])
        reached = self.reach(entries, dispatch)
        shape = Shape(reached=reached)
        for item in reached:
            shape.calls.update(c.callee for c in item.calls)
            shape.called.extend(item.called)
        for item in reached:  # the first code that reads the table decides the projection
            projection, fields, excluded = item.projection()
            if projection != "unknown":
                shape.projection, shape.fields, shape.excluded = projection, fields, excluded
                break
        return shape

    def _followed(self, span: Span) -> Shape:
        """`handler_shape` of one span, following calls only.

        Its own calls, then the shapes of the functions it calls in order (each computed once
        per read and shared by every route that calls it).
        """
        key = (id(span.ts), span.start, span.end)
        known = self._shapes.get(key)
        if known is not None:
            return known
        module = span.ts.module
        calls, callees = module.calls_between(span.start, span.end)
        shape = self._shapes[key] = Shape(calls=set(callees))
        shape.projection, shape.fields, shape.excluded = _span_projection(
            module, span.start, span.end, calls)
        for target in self._targets(span.ts, callees):
            inner = self._followed(target)  # a recursive call meets this shape: no loop
            shape.calls |= inner.calls
            if shape.projection == "unknown":
                shape.projection, shape.fields, shape.excluded = \
                    inner.projection, inner.fields, inner.excluded
        return shape


def export_items(tokens: Sequence[Token], brace: int, close: int) -> Iterator[tuple[str, str, int]]:
    """(local name, exported name, line) of each item of the export list `{ a, type b as c }`."""
    for part in tsscan.split_top(tokens[brace + 1:close]):
        names = [t.value for t in part if t.kind == "ident" and t.value != "type"]
        if names:
            yield names[0], names[-1], part[0].line


def _local_exports(ts: TsFile, brace: int, close: int) -> None:
    """Record `export { a as b }` (braces at `brace`, `close`): `b` is the module's `a`."""
    for local, exported, _line in export_items(ts.tokens, brace, close):
        if local != exported:
            ts.exported_as[exported] = local


def generic_span(tokens: Sequence[Token], paren: int) -> int:
    """How many tokens the type arguments before the `(` at `paren` take (`f<T>(`: 3)."""
    if paren and tokens[paren - 1].value == ">":
        depth, j = 0, paren - 1
        while j > 0:
            depth += tokens[j].value == ">"
            depth -= tokens[j].value == "<"
            if depth == 0:
                return paren - j
            j -= 1
    return 0


def assigned_name(tokens: Sequence[Token], index: int) -> str | None:
    """`const NAME = <expr starting at index>`: NAME, or None."""
    j = index - 1
    if j >= 1 and tokens[j].value == "=" and tokens[j - 1].kind == "ident":
        return tokens[j - 1].value
    if j >= 3 and tokens[j].value == "=" and tokens[j - 2].value == ":":  # const r: Router = ...
        k = j - 1
        while k > 0 and tokens[k].value != ":":
            k -= 1
        if k >= 1 and tokens[k - 1].kind == "ident":
            return tokens[k - 1].value
    return None


def handler_name(arg: Sequence[Token]) -> str | None:
    """The name of a middleware argument: `auth`, `requireRole("x")`, `mw.auth`; inline: None."""
    if not arg or tsscan.is_function(arg):
        return None
    names = []
    for token in arg:
        if token.kind == "ident":
            names.append(token.value)
        elif token.value not in (".", "?."):
            break
    return ".".join(names) or None


def dotted_prefix(tokens: Sequence[Token]) -> str:
    """The dotted name an expression starts with (`fp` of `fp(async (app) => ...)`)."""
    names: list[str] = []
    for k, token in enumerate(tokens):
        if k % 2 == 0 and token.kind == "ident":
            names.append(token.value)
        elif k % 2 == 1 and token.value == ".":
            continue
        else:
            break
    return ".".join(names)


def near_redirect(tokens: Sequence[Token], index: int) -> bool:
    """Whether a redirect to an https address follows closely after `index`."""
    window = tokens[index:index + 40]
    return any(t.value == "redirect" for t in window) and \
        any(t.kind == "string" and "https" in t.value for t in window)


def constant_seconds(tokens: Sequence[Token], name: str) -> int | None:
    """The duration, in seconds, that the constant `name` is set to (None when unknown)."""
    for i, token in enumerate(tokens[:-2]):
        if token.value == name and tokens[i + 1].value == "=" and \
                tokens[i + 2].kind in ("string", "number"):
            seconds = duration_seconds(tokens[i + 2].value if tokens[i + 2].kind == "string"
                                       else int(float(tokens[i + 2].value)))
            if seconds is not None and "minute" in name.lower():
                seconds *= 60
            return seconds
    return None


def _mapper_exclusions(module: tsscan.Module, inner: list[tsscan.Call]) -> list[str]:
    """Fields removed by the summary mapper a list handler applies (`rows.map(toSummary)`)."""
    mappers = [c.args[0][0].value for c in inner
               if c.callee.endswith(".map") and c.args and len(c.args[0]) == 1]
    excluded: list[str] = []
    constants: dict[str, list[str]] | None = None
    for mapper in mappers:
        span = _function_body(module, mapper)
        if not any(t.value == "delete" for t in span):
            continue
        for i, token in enumerate(span):
            if token.value == "delete" and i + 3 < len(span) and span[i + 2].value == ".":
                excluded.append(span[i + 3].value)
            elif token.kind == "ident":
                constants = _constant_arrays(module) if constants is None else constants
                excluded.extend(constants.get(token.value, []))
    return excluded


def _function_body(module: tsscan.Module, name: str) -> Sequence[Token]:
    tokens = module.tokens
    for i in module.find(name):
        if 1 <= i < len(tokens) - 1 and tokens[i - 1].value == "function":
            start = next((j for j in range(i, len(tokens)) if tokens[j].value == "{"), None)
            if start is not None:
                return tokens[start:tsscan.matching(tokens, start) + 1]
    return []


def _constant_arrays(module: tsscan.Module) -> dict[str, list[str]]:
    """The strings of every `const NAME = [...]` in a module (types and `as const` allowed)."""
    tokens = module.tokens
    arrays: dict[str, list[str]] = {}
    for i in (c + 1 for c in module.find("const")):
        if i >= len(tokens) - 1 or tokens[i].kind != "ident":
            continue
        equals = next((j for j in range(i, min(i + 20, len(tokens)))
                       if tokens[j].value == "="), None)
        start = equals + 1 if equals is not None else None
        if start is not None and start < len(tokens) and tokens[start].value == "[":
            arrays[tokens[i].value] = [t.value for t in tokens[start:tsscan.matching(tokens, start)]
                                       if t.kind == "string"]
    return arrays


def _last_ident(tokens: Sequence[Token]) -> str | None:
    idents = [t.value for t in tokens if t.kind == "ident"]
    return idents[-1] if idents and all(t.kind == "ident" or t.value == "." for t in tokens) \
        else None


def _ts_projection(inner: list[tsscan.Call]) -> tuple[str, list[str]]:
    for call in inner:
        method = call.callee.split(".")[-1]
        if method == "select" and call.callee != "select":
            if not call.args:
                return "all", []
            # What is returned is the referenced column (`notes: patients.medicalNotes`).
            return "explicit", [_last_ident(value) or key for key, value
                                in tsscan.object_entries(call.args[0]).items()]
        if method in ("findMany", "findFirst"):
            options = tsscan.object_entries(call.args[0]) if call.args else {}
            if "columns" in options:
                return "explicit", [k for k, v in tsscan.object_entries(options["columns"])
                                    .items() if v and v[0].value != "false"]
            return "all", []
    return "unknown", []


@dataclass
class Shape:
    """What a route's handler does, read by following it (see `handler_shape`)."""

    calls: set[str] = field(default_factory=set)
    called: list[str] = field(default_factory=list)  # calls of project functions, in order
    projection: str = "unknown"
    fields: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    reached: list[_Reached] = field(default_factory=list)

    def apply(self, route: Route) -> None:
        """Copy what the handler calls and how it reads its table onto `route`."""
        route.calls = set(self.calls)
        route.projection, route.fields = self.projection, list(self.fields)
        route.excluded = list(self.excluded)


def in_ranges(index: int, ranges: Sequence[tuple[int, int]]) -> bool:
    """Whether `index` falls in one of the (first, last) token ranges."""
    return any(start <= index <= end for start, end in ranges)


class _Cut:
    """Token ranges to leave out, merged so that a lookup is one bisection."""

    def __init__(self, ranges: Sequence[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def __contains__(self, index: int) -> bool:
        at = bisect.bisect_right(self.starts, index) - 1
        return at >= 0 and index <= self.ends[at]


def _references(span: Span, skip: Sequence[tuple[int, int]]) -> list[str]:
    """Names a span refers to (`f`, and `ns.f` for member access), outside `skip`."""
    module = span.ts.module
    key = ("references", span.start, span.end)
    found = cast(list[tuple[int, str]] | None, module.derived.get(key))
    if found is None:
        found = []
        tokens = module.tokens
        for j in range(span.start, min(span.end + 1, len(tokens))):
            token = tokens[j]
            if token.kind != "ident" or (j and tokens[j - 1].value in (".", "?.")):
                continue
            found.append((j, token.value))
            if j + 2 < len(tokens) and tokens[j + 1].value == "." and \
                    tokens[j + 2].kind == "ident":
                found.append((j, f"{token.value}.{tokens[j + 2].value}"))
        module.derived[key] = found
    if skip:
        cut = _Cut(skip)
        return list(dict.fromkeys(name for j, name in found if j not in cut))
    return list(dict.fromkeys(name for _j, name in found))


def declared_value(ts: TsFile, name: str, before: int) -> tuple[int, int] | None:
    """The value's tokens of `const NAME = ...` (the nearest before `before`, else the first)."""
    tokens = ts.tokens
    found: list[int] = []
    for j in ts.module.positions(name):
        if j >= 1 and tokens[j - 1].value in ("const", "let", "var"):
            equals = next((k for k in range(j + 1, min(j + 20, len(tokens)))
                           if tokens[k].value in ("=", ";")), None)
            if equals is not None and tokens[equals].value == "=" and equals + 1 < len(tokens):
                found.append(equals + 1)
    if not found:
        return None
    start = max((s for s in found if s < before), default=found[0])
    return start, tsscan.expression_end(ts.module, start)


def _path_aliases(root: Path) -> list[tuple[str, Path]]:
    """Import path aliases (`@/x` -> `<root>/x`) from tsconfig.json `paths`, `@/` by default."""
    aliases: list[tuple[str, Path]] = []
    config = root / "tsconfig.json"
    try:
        options = json.loads(config.read_text(encoding="utf-8")).get("compilerOptions") or {}
    except (OSError, ValueError, AttributeError):
        options = {}
    base = root / str(options.get("baseUrl") or ".")
    for pattern, targets in (options.get("paths") or {}).items():
        if isinstance(pattern, str) and pattern.endswith("/*") and isinstance(targets, list) \
                and targets and isinstance(targets[0], str) and targets[0].endswith("*"):
            aliases.append((pattern[:-1], Path(os.path.normpath(base / targets[0][:-1]))))
    return aliases or [("@/", root), ("~/", root)]


class Dispatch:
    """Which branches of a dispatching handler serve which URL.

    A shared handler (`export const GET = api` in every route file) picks the code for a URL by
    comparing the path, its segments or the method with literals: `if (parts[2] === "privacy")`,
    `{ "patients": patientHandler }`, `if (method === "GET") return list`. A branch keyed by
    literals naming pieces of the project's routes runs only for the routes they name.
    """

    def __init__(self, pieces: frozenset[str]) -> None:
        self.pieces = pieces
        self.method = ""
        self.path = ""
        self.own: frozenset[str] = frozenset()
        self._regions: dict[Path, list[tuple[int, int, frozenset[str], bool]]] = {}
        self._starts: dict[Path, list[int]] = {}
        # The code reached from a span when no branch on the way is keyed: the same for every
        # route (None: some branch is, or the span is being looked at).
        self.static: dict[tuple[int, int, int], list[_Reached] | None] = {}

    def serving(self, method: str, path: str) -> Dispatch:
        """This dispatch narrowed to one route."""
        self.method, self.path = method, path
        self.own = route_pieces(method, path)
        return self

    def excluded(self, span: Span) -> list[tuple[int, int]]:
        """Token ranges of `span` that serve other routes than the current one."""
        return [(start, end) for start, end, keys, either in self.keyed_in(span)
                if not self._matches(keys, either)]

    def keyed_in(self, span: Span) -> list[tuple[int, int, frozenset[str], bool]]:
        """The keyed branches that start inside `span`."""
        regions = self._keyed(span.ts)
        starts = self._starts[span.ts.path]
        return regions[bisect.bisect_left(starts, span.start):
                       bisect.bisect_right(starts, span.end)]

    def _matches(self, keys: frozenset[str], either: bool) -> bool:
        named = [k in self.own or (k.startswith("/") and
                                   self.path.startswith(k.rstrip("/") + "/")) for k in keys]
        if either:
            return any(named)
        # With several keys (`first === "export" && second === "patients"`), one must name a
        # segment of this route; the others may be the value of one of its parameters
        # (`[entity]`).
        variable = ":" in self.path
        return any(named) and all(hit or (variable and not k.startswith("/") and
                                          k not in NEXT_METHODS)
                                  for k, hit in zip(keys, named, strict=True))

    def _keyed(self, ts: TsFile) -> list[tuple[int, int, frozenset[str], bool]]:
        regions = self._regions.get(ts.path)
        if regions is None:
            regions = self._regions[ts.path] = sorted(
                r for r in [*self._conditions(ts), *self._entries(ts)] if _leads(ts, r[0], r[1]))
            self._starts[ts.path] = [r[0] for r in regions]
        return regions

    def _conditions(self, ts: TsFile) -> Iterator[tuple[int, int, frozenset[str], bool]]:
        tokens, pairs = ts.tokens, ts.module.pairs
        for i in ts.module.positions("if", "case"):
            if tokens[i].value == "case":
                key = tokens[i + 1] if i + 1 < len(tokens) else None
                if key is not None and key.kind == "string" and key.value in self.pieces:
                    end = next((j for j in range(i + 2, len(tokens)) if tokens[j].value in
                                ("case", "default", "}") and tokens[j].kind in ("ident", "punct")
                                and j > i + 2 and tokens[j - 1].value in (";", "}", ":")),
                               len(tokens) - 1)
                    yield i, end, frozenset({key.value}), False
                continue
            if i + 1 >= len(tokens) or tokens[i + 1].value != "(":
                continue
            close = pairs.get(i + 1, len(tokens) - 1)
            condition = tokens[i + 2:close]
            operators = {t.value for t in condition if t.kind == "punct"}
            keys = frozenset(t.value for t in condition
                             if t.kind == "string" and t.value in self.pieces)
            if not keys or not operators & {"===", "=="} or operators & {"!==", "!="}:
                continue
            then = close + 1
            end = pairs.get(then, then) if then < len(tokens) and tokens[then].value == "{" \
                else tsscan.expression_end(ts.module, then)
            yield then, end, keys, "||" in operators

    def _entries(self, ts: TsFile) -> Iterator[tuple[int, int, frozenset[str], bool]]:
        tokens = ts.tokens
        candidates = sorted({*ts.module.strings, *ts.module.positions(*self.pieces)})
        for j in candidates:
            if 0 < j < len(tokens) - 2 and tokens[j].value in self.pieces and \
                    tokens[j + 1].value == ":" and tokens[j - 1].value in ("{", ","):
                yield j, tsscan.expression_end(ts.module, j + 2), frozenset({tokens[j].value}), \
                    False


def _leads(ts: TsFile, start: int, end: int) -> bool:
    """Whether tokens `start..end` call or name anything.

    A branch that does not (`return { headers: {} }`) changes nothing a route reaches.
    """
    if ts.module.calls_between(start, end)[0]:
        return True
    names = ts.module.definitions.keys() | ts.imports.keys()
    return any(t.kind == "ident" and t.value in names for t in ts.tokens[start:end + 1])


def route_pieces(method: str, path: str) -> frozenset[str]:
    """The words a dispatcher can key a route on: its method, path and fixed segments."""
    segments = [s for s in path.split("/") if s and not s.startswith(":")]
    return frozenset({method, path, *segments})
