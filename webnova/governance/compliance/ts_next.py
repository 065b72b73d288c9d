"""Next.js App Router projects: route files, their exported handlers, middleware."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.facts import (
    HTTPS_MIDDLEWARE,
    LOGGING_MIDDLEWARE,
    NEXT_METHODS,
    NOT_LOGGING,
    Located,
    Route,
    _rel,
)
from webnova.governance.compliance.ts_express import _TypeScriptReader
from webnova.governance.compliance.tsfollow import (
    _Dispatch,
    _route_pieces,
    _Shape,
    _Span,
    _TsFile,
)

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


class _NextReader:
    """Routes of a Next.js App Router project, from the file system.

    `app/**/route.ts` is served at its folder's URL with the HTTP methods it exports. What a
    route runs is what its exported handler reaches (the shared `server/src` modules it calls,
    narrowed to the branches that serve its URL, see `_Dispatch`), plus `middleware.ts`.
    App-wide facts (request logging, HTTPS) are the functions every such handler calls.
    """

    def __init__(self, reader: _TypeScriptReader) -> None:
        self.reader = reader
        self.facts = reader.facts
        self.checked: set[tuple[int, int, int]] = set()

    def read(self) -> None:
        if "next" not in self.facts.dependencies:
            return
        handlers = [(path, url) for path in self.reader.texts
                    if (url := next_route_path(_rel(self.reader.root, path))) is not None]
        exported: list[tuple[_TsFile, str, str, tsscan.Definition]] = []
        for path, url in sorted(handlers):
            ts = self.reader.file(path)
            if ts is not None:
                exported.extend((ts, url, method, definition)
                                for method, definition in _exported_methods(ts))
        if not exported:
            return
        self.facts.stack = "nextjs"
        pieces = frozenset().union(*(_route_pieces(m, u) for _ts, u, m, _d in exported))
        dispatch = _Dispatch(pieces)
        always = self._entry("middleware", "middleware")
        for ts, url, method, definition in exported:
            entry = _Span(ts, definition.value, definition.end)
            shape = self.reader.handler_shape([entry, *always], dispatch.serving(method, url))
            route = Route(method=method, path=url, file=ts.rel, line=ts.tokens[definition.start]
                          .line, guards=list(dict.fromkeys(shape.called)))
            shape.apply(route)
            self.facts.routes.append(route)
            self._app_wide(shape)
        startup = self._entry("instrumentation", "register")
        if startup:
            self._app_wide(self.reader.handler_shape(startup, _Dispatch(frozenset())))

    def _entry(self, stem: str, name: str) -> list[_Span]:
        """The exported function `name` of the root `<stem>.ts` (or `src/<stem>.ts`)."""
        for folder in ("", "src/"):
            for suffix in (".ts", ".js"):
                ts = self.reader.file(self.reader.root / f"{folder}{stem}{suffix}")
                found = ts.module.definitions.get(name) if ts is not None else None
                if ts is not None and found is not None:
                    return [_Span(ts, found.value, found.end)]
        return []

    def _app_wide(self, shape: _Shape) -> None:
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


def _exported_methods(ts: _TsFile) -> Iterator[tuple[str, tsscan.Definition]]:
    """`export const GET = ...` / `export async function POST(...)` of a route file."""
    tokens = ts.tokens
    for method in NEXT_METHODS:
        definition = ts.module.definitions.get(method)
        if definition is not None and any(tokens[j].value == "export" for j in
                                          range(max(0, definition.start - 2), definition.start)):
            yield method, definition
