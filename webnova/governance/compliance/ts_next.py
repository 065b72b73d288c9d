"""Next.js App Router projects: route files, their exported handlers, middleware."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final, NamedTuple

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.facts import (
    HTTPS_MIDDLEWARE,
    LOGGING_MIDDLEWARE,
    NEXT_METHODS,
    NOT_LOGGING,
    Located,
    Route,
    rel_path,
)
from webnova.governance.compliance.ts_express import TypeScriptReader
from webnova.governance.compliance.tsfollow import (
    Dispatch,
    Shape,
    Span,
    TsFile,
    export_items,
    route_pieces,
)
from webnova.governance.compliance.tsscan import Token

# A Next.js App Router route handler file; the folders under app/ are the URL.
NEXT_ROUTE: Final = re.compile(r"^(?:src/)?app/(?:(.*)/)?route\.(?:ts|js|mjs|tsx|jsx)$")


def next_route_path(rel: str) -> str | None:
    """The URL of a Next.js route handler file (`app/api/patients/[id]/route.ts`)."""
    match = NEXT_ROUTE.match(rel)
    if match is None:
        return None
    segments: list[str] = []
    for folder in (match.group(1) or "").split("/"):
        if not folder or (folder.startswith("(") and folder.endswith(")")) or \
                folder.startswith("@"):
            continue  # route groups and parallel-route slots are not part of the URL
        catch_all = re.fullmatch(r"\[\[?\.\.\.(\w+)\]\]?", folder)
        dynamic = re.fullmatch(r"\[(\w+)\]", folder)
        segments.append(f":{catch_all.group(1)}*" if catch_all else
                        f":{dynamic.group(1)}" if dynamic else folder)
    return "/" + "/".join(segments)


class NextReader:
    """Routes of a Next.js App Router project, from the file system.

    `app/**/route.ts` is served at its folder's URL with the HTTP methods it exports. What a
    route runs is what its exported handler reaches (the shared `server/src` modules it calls,
    narrowed to the branches that serve its URL, see `Dispatch`), plus `middleware.ts`.
    App-wide facts (request logging, HTTPS) are the functions every such handler calls.
    """

    def __init__(self, reader: TypeScriptReader) -> None:
        self.reader = reader
        self.facts = reader.facts
        self.checked: set[tuple[int, int, int]] = set()

    def read(self) -> None:
        """Add the route handlers of a Next.js App Router project."""
        if "next" not in self.facts.dependencies:
            return
        handlers = [(path, url) for path in self.reader.texts
                    if (url := next_route_path(rel_path(self.reader.root, path))) is not None]
        exported: list[tuple[TsFile, str, _Handler]] = []
        for path, url in sorted(handlers):
            ts = self.reader.file(path)
            if ts is not None:
                exported.extend((ts, url, handler) for handler in self._exported_methods(ts))
        if not exported:
            return
        self.facts.stack = "nextjs"
        pieces = frozenset().union(*(route_pieces(h.method, u) for _ts, u, h in exported))
        dispatch = Dispatch(pieces)
        middleware = self._entry("middleware", "middleware")
        matchers = _matchers(middleware[0].ts) if middleware else None
        for ts, url, handler in exported:
            entry = Span(handler.ts, handler.definition.value, handler.definition.end)
            runs = middleware if _runs_for(matchers, url) else []
            shape = self.reader.handler_shape([entry, *runs],
                                              dispatch.serving(handler.method, url))
            route = Route(method=handler.method, path=url, file=ts.rel, line=handler.line,
                          guards=list(dict.fromkeys(shape.called)))
            shape.apply(route)
            self.facts.routes.append(route)
            self._app_wide(shape)
        startup = self._entry("instrumentation", "register")
        if startup:
            self._app_wide(self.reader.handler_shape(startup, Dispatch(frozenset())))

    def _entry(self, stem: str, name: str) -> list[Span]:
        """The exported function `name` of the root `<stem>.ts` (or `src/<stem>.ts`)."""
        for folder in ("", "src/"):
            for suffix in (".ts", ".js"):
                ts = self.reader.file(self.reader.root / f"{folder}{stem}{suffix}")
                found = ts.module.definitions.get(name) if ts is not None else None
                if ts is not None and found is not None:
                    return [Span(ts, found.value, found.end)]
        return []

    def _exported_methods(self, ts: TsFile) -> Iterator[_Handler]:
        """The HTTP method handlers a route file exports, wherever they are declared.

        `export async function GET(...)` / `export const POST = ...`, a local function exported
        under a method's name (`export { handler as GET }`) and a re-export from another module
        (`export { GET, POST } from "@/server/handlers"`).
        """
        tokens = ts.tokens
        for method in NEXT_METHODS:
            definition = ts.module.definitions.get(method)
            if definition is not None and any(tokens[j].value == "export" for j in
                                              range(max(0, definition.start - 2),
                                                    definition.start)):
                yield _Handler(method, ts, definition, tokens[definition.start].line)
        for name, line in _export_lists(ts.module):
            found = self.reader.definition(ts, name) if name in NEXT_METHODS else None
            if found is not None:
                yield _Handler(name, found[0], found[1], line)

    def _app_wide(self, shape: Shape) -> None:
        known = {m.value for m in self.facts.middleware}
        for item in shape.reached:
            key = (id(item.span.ts), item.span.start, len(item.calls))
            if key in self.checked:  # the same code reached from another route
                continue
            self.checked.add(key)
            for call in item.calls:
                name = call.callee.rpartition(".")[2]
                logs = LOGGING_MIDDLEWARE.search(name) and not NOT_LOGGING.search(name)
                if not (logs or HTTPS_MIDDLEWARE.search(name)) or name in known or \
                        self.reader.definition(item.span.ts, call.callee) is None:
                    continue
                known.add(name)
                where = Located(name, item.span.ts.rel, call.line)
                self.facts.middleware.append(where)
                (self.facts.request_logging if logs else self.facts.https).append(where)




class _Handler(NamedTuple):
    """A route file's handler for one method; `ts` is the module that declares it."""

    method: str
    ts: TsFile
    definition: tsscan.Definition
    line: int  # of the export in the route file


def _export_lists(module: tsscan.Module) -> Iterator[tuple[str, int]]:
    """(exported name, line) of every `export { a, b as c }` and `export { ... } from`."""
    tokens = module.tokens
    for i in module.positions("export"):
        if i + 1 >= len(tokens) or tokens[i + 1].value != "{":
            continue
        close = module.pairs.get(i + 1, len(tokens) - 1)
        for _local, exported, line in export_items(tokens, i + 1, close):
            yield exported, line


# Next.js reads `config.matcher` of middleware.ts: path patterns (path-to-regexp) or objects.
_PARAM: Final = re.compile(r"/:(\w+)([*+?]?)|(\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))")


def _matchers(ts: TsFile) -> list[re.Pattern[str]] | None:
    """The paths middleware.ts runs for: None when it has no matcher (it runs everywhere).

    An empty list means the matcher cannot be read here (a computed value, an object with
    `has`/`missing` conditions, a pattern that does not compile): the middleware then counts
    for no route, so no check passes on a guard that might not run.
    """
    config = ts.module.definitions.get("config")
    if config is None:
        return None
    value = ts.tokens[config.value:config.end + 1]
    entries = tsscan.object_entries(value) if value and value[0].value == "{" else {}
    matcher = entries.get("matcher")
    if matcher is None:
        return None if entries else []
    if matcher and matcher[0].value == "[":
        items = tsscan.split_top(matcher[1:tsscan.matching(matcher, 0)])
    else:
        items = [list(matcher)]
    patterns: list[re.Pattern[str]] = []
    for item in items:
        source = _matcher_source(item)
        compiled = _compile_matcher(source) if source is not None else None
        if compiled is None:
            return []
        patterns.append(compiled)
    return patterns


def _matcher_source(item: Sequence[Token]) -> str | None:
    """A matcher's path pattern: a string, or `{ source }` without conditions."""
    if len(item) == 1 and item[0].kind == "string":
        return item[0].value
    if item and item[0].value == "{":
        entries = tsscan.object_entries(item)
        source = entries.get("source")
        if source is not None and len(source) == 1 and source[0].kind == "string" and \
                not entries.keys() & {"has", "missing"}:
            return source[0].value
    return None


def _compile_matcher(source: str) -> re.Pattern[str] | None:
    """A path-to-regexp pattern as Next.js applies it (`/api/:path*`, `/((?!_next).*)`)."""
    if not source.startswith("/"):
        return None
    out, at = [], 0
    for match in _PARAM.finditer(source):
        out.append(re.escape(source[at:match.start()]))
        _name, modifier, group = match.groups()
        if group is not None:
            out.append(group)
        elif modifier == "*":
            out.append("(?:/[^/]+)*")
        elif modifier == "+":
            out.append("(?:/[^/]+)+")
        elif modifier == "?":
            out.append("(?:/[^/]+)?")
        else:
            out.append("/[^/]+")
        at = match.end()
    out.append(re.escape(source[at:]))
    try:
        return re.compile("".join(out) + "/?")
    except re.error:
        return None


def _runs_for(matchers: list[re.Pattern[str]] | None, url: str) -> bool:
    """Whether middleware with these matchers runs for a route (`/api/patients/:id`).

    The route's parameters stand for one path segment each (a catch-all for one or more).
    """
    if matchers is None:
        return True
    path = re.sub(r":\w+\*?", "x", url)
    return any(m.fullmatch(path) for m in matchers)
