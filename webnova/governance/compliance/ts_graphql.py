"""GraphQL schemas served by an Express app, read as routes."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.facts import (
    Route,
    join_path,
)
from webnova.governance.compliance.ts_express import TypeScriptReader
from webnova.governance.compliance.tsfollow import (
    Shape,
    Span,
    TsFile,
    declared_value,
    handler_name,
)
from webnova.governance.compliance.tsscan import Token

# GraphQL over Express: the calls that may mount a handler, the servers such a handler starts,
# the objects holding root fields, and the mutation verbs read as HTTP methods.
GRAPHQL_MOUNTS: Final = ("all", "use", "get", "post")
GRAPHQL_SERVERS: Final = frozenset({"createHandler", "graphqlHTTP", "createYoga",
                                    "expressMiddleware", "graphqlExpress"})
GRAPHQL_ROOT: Final = re.compile(r"(query|mutation)(?:fields|type|root)?s?", re.IGNORECASE)
GRAPHQL_VERBS: Final = {"create": "POST", "add": "POST", "update": "PATCH", "set": "PATCH",
                        "delete": "DELETE", "remove": "DELETE"}
GRAPHQL_VERB: Final = re.compile(r"(create|add|update|set|delete|remove)([A-Z]\w*)$")
GRAPHQL_QUERY_PREFIX: Final = re.compile(r"(?:get|list|all|find|fetch|search)([A-Z]\w*)$")
GRAPHQL_WRAPPERS: Final = frozenset({"new", "required", "GraphQLNonNull", "nonNull",
                                     "GraphQLList"})


class GraphQLReader:
    """The root fields of a GraphQL schema served at an Express path, read as routes.

    A handler mounted with `app.all('/graphql', guard, handler)` (or use/get/post) serves GraphQL
    when the code it reaches starts a GraphQL server (`createHandler`, `graphqlHTTP`, ...); the
    schema modules are those of that code which build a `GraphQLSchema`. Each root field is a
    route under the mount, whether assigned (`query.patients = field(type, args, resolver)`,
    `query.x = { type, resolve }`) or listed in `new GraphQLObjectType({ name: 'Query',
    fields: { x: { type, resolve } } })` (`fields` may be a thunk). Queries are GET: a list query
    `/graphql/<field>`, the others `/graphql/<field>/:id` (a `get`/`list`/`all`/`find` prefix
    dropped); `createX`/`updateX`/`deleteX` mutations are POST/PATCH/DELETE on `/graphql/<x>`.
    A route runs the mount's guards and what its resolver reaches; a list query returns the
    fields of its element type (the type is the projection, whatever rows the resolver reads).
    """

    def __init__(self, reader: TypeScriptReader) -> None:
        self.reader = reader
        self.facts = reader.facts

    def read(self) -> None:
        """Add each root field of a mounted GraphQL schema as a route."""
        if not any("GraphQLSchema" in text for text in self.reader.texts.values()):
            return  # no schema anywhere: no mount to look for (each would be followed)
        for ts in list(self.reader.files.values()):
            for call in ts.module.calls_named(*GRAPHQL_MOUNTS):
                owner = call.callee.rpartition(".")[0]
                args = call.args
                if owner not in ts.apps | ts.routers or len(args) < 2 or \
                        args[0][0].kind != "string":
                    continue
                schemas = self._schemas(ts, *call.arg_ranges()[-1])
                if not schemas:
                    continue
                guards = [n for n in (handler_name(a) for a in args[1:-1]) if n]
                guards = [g for start, g in ts.router_guards.get(owner, [])
                          if start < call.start] + guards
                for path, mount_guards in self.reader._mounted(ts, owner, args[0][0].value):
                    for schema in schemas:
                        self._root_fields(schema, path, mount_guards + guards)

    def _schemas(self, ts: TsFile, first: int, last: int) -> list[TsFile]:
        """The modules building the schema the handler in tokens `first..last` serves.

        What the handler calls is followed, and so is every declaration it names (a schema
        passed as a value: `createHandler({ schema })`).
        """
        spans = [Span(ts, first, last)]
        for name in dict.fromkeys(t.value for t in ts.tokens[first:last + 1] if t.kind == "ident"):
            found = self.reader.definition(ts, name)
            if found is not None:
                spans.append(Span(found[0], found[1].value, found[1].end))
        reached = self.reader.reach(spans)
        if not any(c.callee.rpartition(".")[2] in GRAPHQL_SERVERS
                   for item in reached for c in item.calls):
            return []
        modules = {id(item.span.ts): item.span.ts for item in reached}
        return [m for m in modules.values() if m.module.calls_named("GraphQLSchema")]

    def _root_fields(self, ts: TsFile, mount: str, guards: list[str]) -> None:
        tokens = ts.tokens
        for i in ts.module.find("="):
            if i < 3 or tokens[i].kind != "punct" or tokens[i - 1].kind != "ident" or \
                    tokens[i - 2].value != "." or tokens[i - 3].kind != "ident" or \
                    (i >= 4 and tokens[i - 4].value in (".", "?.")):
                continue
            root = GRAPHQL_ROOT.fullmatch(tokens[i - 3].value)
            if root is not None and i + 1 < len(tokens):
                self._root_field(ts, root.group(1).lower() == "mutation", tokens[i - 1].value,
                                 i + 1, mount, guards)
        for call in ts.module.calls_named("GraphQLObjectType"):
            ranges = call.arg_ranges()
            if not ranges or tokens[ranges[0][0]].value != "{":
                continue
            entries = dict(_entries(ts.module, ranges[0][0]))
            name = tokens[entries["name"]] if "name" in entries else None
            fields = _object_at(ts.module, entries["fields"]) if "fields" in entries else None
            if name is None or name.kind != "string" or name.value not in ("Query", "Mutation") \
                    or fields is None:
                continue
            for key, value in _entries(ts.module, fields):
                self._root_field(ts, name.value == "Mutation", key, value, mount, guards)

    def _root_field(self, ts: TsFile, mutation: bool, name: str, start: int, mount: str,
                    guards: list[str]) -> None:
        type_tokens, resolver = self._parts(ts, start, tsscan.expression_end(ts.module, start))
        listed = self._list_fields(ts, type_tokens, start)
        method, segment = graphql_route(mutation, name, listed is not None)
        shape = self.reader.handler_shape([Span(ts, *resolver)]) if resolver else Shape()
        route = Route(method=method, path=join_path(mount, segment), file=ts.rel,
                      line=ts.tokens[start].line, guards=list(guards))
        shape.apply(route)
        if listed is not None:  # what a list returns is its element type's fields
            route.projection, route.fields = ("explicit", listed) if listed else ("all", [])
            route.excluded = []
        self.facts.routes.append(route)

    def _parts(self, ts: TsFile, start: int,
               end: int) -> tuple[Sequence[Token], tuple[int, int] | None]:
        """The type and the resolver body (token range) of a root field's value."""
        module, tokens = ts.module, ts.tokens
        if tokens[start].value == "{":  # { type, args, resolve }
            close = module.pairs.get(start, end)
            entries = tsscan.object_entries(tokens[start:close + 1])
            for j in module.positions("resolve"):
                if start < j < close and tokens[j + 1].value in (":", "("):
                    return entries.get("type", []), _function_range(module, j, close)
            return entries.get("type", []), None
        calls = module.calls_between(start, end)[0]
        if not calls or calls[0].start > start + 2:
            return [], None
        call = calls[0]  # a helper building the field: field(type, args, resolver)
        resolver = next((fn for a, b in call.arg_ranges()
                         if (fn := tsscan.function_at(module, a, b + 1)) is not None), None)
        return (call.args[0] if call.args else [],
                (resolver.body, resolver.end) if resolver is not None else None)

    def _list_fields(self, ts: TsFile, type_tokens: Sequence[Token],
                     before: int) -> list[str] | None:
        """None when the type is not a list; else its element type's fields ([]: unknown).

        A list is `GraphQLList(T)`, or an object type (a page) with a field of that kind.
        """
        element = _list_element(type_tokens)
        if element is not None:
            return list(self._object_fields(ts, element, before) or {})
        names = [t.value for t in type_tokens if t.kind == "ident" and
                 t.value not in GRAPHQL_WRAPPERS]
        fields = self._object_fields(ts, names[0], before) if len(names) == 1 else None
        for value in (fields or {}).values():
            element = _list_element(value)
            if element is not None:
                return list(self._object_fields(ts, element, before) or {})
        return None

    def _object_fields(self, ts: TsFile, name: str, before: int,
                       depth: int = 0) -> dict[str, Sequence[Token]] | None:
        """The fields of the object type `name` (declared before `before`, or top level)."""
        found = declared_value(ts, name, before)
        if found is None or depth > 8:
            return None
        start, end = found
        tokens = ts.tokens
        if start == end and tokens[start].kind == "ident":  # `const summary = record`
            return self._object_fields(ts, tokens[start].value, before, depth + 1)
        call = next((c for c in ts.module.calls_between(start, end)[0]
                     if c.callee.rpartition(".")[2] == "GraphQLObjectType"), None)
        ranges = call.arg_ranges() if call is not None else []
        if not ranges or tokens[ranges[0][0]].value != "{":
            return None
        value = dict(_entries(ts.module, ranges[0][0])).get("fields")
        brace = _object_at(ts.module, value) if value is not None else None
        if brace is None:
            return None
        return tsscan.object_entries(tokens[brace:ts.module.pairs.get(brace, brace) + 1])


def _entries(module: tsscan.Module, brace: int) -> Iterator[tuple[str, int]]:
    """(key, first token of the value) of each `key: value` of the object literal at `brace`."""
    tokens, pairs = module.tokens, module.pairs
    close = pairs.get(brace, len(tokens) - 1)
    j = brace + 1
    while j < close:
        if tokens[j].kind in ("ident", "string") and tokens[j + 1].value == ":":
            yield tokens[j].value, j + 2
            j = tsscan.expression_end(module, j + 2) + 1
        elif tokens[j].value in ("(", "[", "{"):
            j = pairs.get(j, close) + 1
        else:
            j += 1


def _object_at(module: tsscan.Module, start: int) -> int | None:
    """The `{` of an object literal at `start`, or returned by a thunk `() => ({ ... })`."""
    tokens = module.tokens
    if tokens[start].value == "{":
        return start
    fn = tsscan.function_at(module, start, len(tokens))
    body = fn.body if fn is not None else None
    if body is not None and tokens[body].value == "(" and body + 1 < len(tokens):
        body += 1
    return body if body is not None and tokens[body].value == "{" else None


def _list_element(tokens: Sequence[Token]) -> str | None:
    """`T` of a type expression wrapping `new GraphQLList(T)`, if it does."""
    values = [t.value for t in tokens]
    if "GraphQLList" not in values:
        return None
    inner = [t.value for t in tokens[values.index("GraphQLList") + 1:]
             if t.kind == "ident" and t.value not in GRAPHQL_WRAPPERS]
    return inner[0] if inner else ""


def _function_range(module: tsscan.Module, key: int, limit: int) -> tuple[int, int] | None:
    """The body of `resolve: (...) => ...` or of the method `resolve(...) { ... }` at `key`."""
    tokens = module.tokens
    if tokens[key + 1].value == ":":
        fn = tsscan.function_at(module, key + 2, limit + 1)
        return (fn.body, fn.end) if fn is not None else None
    close = module.pairs.get(key + 1, limit)
    body = next((k for k in range(close + 1, min(close + 40, limit)) if tokens[k].value == "{"),
                None)
    return (body, module.pairs.get(body, limit)) if body is not None else None


def graphql_route(mutation: bool, name: str, listed: bool) -> tuple[str, str]:
    """The method and path segment a root field is read as (see `GraphQLReader`)."""
    if not mutation:
        prefixed = GRAPHQL_QUERY_PREFIX.match(name)
        if prefixed is not None:
            name = prefixed.group(1)[0].lower() + prefixed.group(1)[1:]
        return "GET", name if listed else f"{name}/:id"
    verb = GRAPHQL_VERB.match(name)
    if verb is None:
        return "POST", name
    method = GRAPHQL_VERBS[verb.group(1)]
    target = verb.group(2)[0].lower() + verb.group(2)[1:]
    return method, target if method == "POST" else f"{target}/:id"
