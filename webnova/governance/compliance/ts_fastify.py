"""Fastify projects: the app, plugins with their prefixes, hooks and routes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.facts import (
    HTTP_METHODS,
    HTTPS_MIDDLEWARE,
    LOGGING_MIDDLEWARE,
    NOT_LOGGING,
    Located,
    Route,
    join_path,
)
from webnova.governance.compliance.ts_express import TypeScriptReader
from webnova.governance.compliance.tsfollow import (
    Hook,
    Level,
    Span,
    TsFile,
    assigned_name,
    dotted_prefix,
    handler_name,
    in_ranges,
)
from webnova.governance.compliance.tsscan import Token

FASTIFY_METHODS: Final = HTTP_METHODS | {"head", "options"}
# Fastify hooks that run before the handler (and so can refuse the request): guards.
GUARD_HOOKS: Final = frozenset({"onRequest", "preParsing", "preValidation", "preHandler"})
# Hooks that run for every request (request logging belongs here, not in onError or onClose).
REQUEST_HOOKS: Final = GUARD_HOOKS | {"preSerialization", "onSend", "onResponse"}
# A call that writes a log line (`accessLog.write(...)`, `request.log.info(...)`).
LOG_CALL: Final = re.compile(r"(?:^|\.)(?:\w*log\w*|console)\."
                             r"(?:info|warn|warning|debug|error|log|write|trace)$", re.IGNORECASE)


class FastifyReader:
    """Routes and hooks of Fastify apps.

    The app is `Fastify(...)`; a plugin registered with `register(plugin, { prefix })` serves
    its routes under the prefix and runs the hooks (`addHook`) of every context it is in; a
    function given the instance (`registerSecurity(app)`) and a `fastify-plugin`-wrapped plugin
    add to the context they are given. Hooks of the app itself are app-wide middleware.
    """

    def __init__(self, reader: TypeScriptReader) -> None:
        self.reader = reader
        self.facts = reader.facts

    def read(self) -> None:
        """Add the routes and hooks of every Fastify app among the read modules."""
        for ts in list(self.reader.files.values()):
            for call in ts.module.calls_named("Fastify", "fastify"):
                name = assigned_name(ts.tokens, call.start - 1)
                if call.callee not in ("Fastify", "fastify") or not name:
                    continue
                self.facts.stack = "fastify"
                self._logger(ts, call)
                scope = next((fn for fn in reversed(ts.module.functions)
                              if fn.body < call.start <= fn.end), None)
                start, end = (scope.body, scope.end) if scope else (0, len(ts.tokens) - 1)
                self._level(Level(prefix="", hooks=[], root=True), [(ts, start, end, name)])

    def _logger(self, ts: TsFile, call: tsscan.Call) -> None:
        """Fastify's own logger logs every request unless turned off."""
        options = tsscan.object_entries(call.args[0]) if call.args else {}
        logger = options.get("logger")
        quiet = options.get("disableRequestLogging")
        if logger and logger[0].value not in ("false", "undefined", "null") and \
                not (quiet and quiet[0].value == "true"):
            self.facts.request_logging.append(Located("fastify logger", ts.rel, call.line))

    def _level(self, level: Level, bodies: list[tuple[TsFile, int, int, str]]) -> None:
        children: list[tuple[str, list[tuple[TsFile, int, int, str]]]] = []
        routes: list[tuple[TsFile, tsscan.Call, str]] = []
        seen: set[tuple[Path, int]] = set()
        while bodies:
            ts, start, end, name = bodies.pop(0)
            if (ts.path, start) in seen or not name:
                continue
            seen.add((ts.path, start))
            shadows = [(fn.start, fn.end) for fn in ts.module.functions
                       if start < fn.start and fn.end <= end and name in fn.params]
            for call in ts.calls_within(start - 1, end + 1):
                if in_ranges(call.start, shadows):
                    continue
                owner, _sep, method = call.callee.rpartition(".")
                if owner != name:
                    bodies.extend(self._given_instance(ts, call, name))
                elif method == "addHook":
                    self._hook(level, ts, call)
                elif method == "register":
                    self._register(level, ts, call, bodies, children)
                elif method in FASTIFY_METHODS or method == "route":
                    routes.append((ts, call, method))
        for ts, call, method in routes:
            self._route(level, ts, call, method)
        for prefix, child in children:
            self._level(Level(prefix=prefix, hooks=list(level.hooks)), child)

    def _given_instance(self, ts: TsFile, call: tsscan.Call,
                        name: str) -> list[tuple[TsFile, int, int, str]]:
        """`registerSecurity(app)`: the function's body works on the same instance."""
        if not any(ts.tokens[a].value == name and a == b for a, b in call.arg_ranges()):
            return []
        found = self.reader.definition(ts, call.callee)
        if found is None or found[1].function is None:
            return []
        fn = found[1].function
        position = next(i for i, (a, b) in enumerate(call.arg_ranges())
                        if a == b and ts.tokens[a].value == name)
        param = fn.params[position] if position < len(fn.params) else ""
        return [(found[0], fn.body, fn.end, param)]

    def _handler(self, ts: TsFile, first: int, last: int) -> tuple[str | None, set[str]]:
        """The name of a hook or plugin argument and what it calls (one level deep)."""
        tokens = ts.tokens[first:last + 1]
        name = handler_name(tokens)
        fn = tsscan.function_at(ts.module, first, last + 1)
        if fn is not None:
            return None, {c.callee for c in ts.calls_within(fn.body - 1, fn.end + 1)}
        found = self.reader.definition(ts, name) if name else None
        if found is None:
            return name, set()
        other, definition = found
        return name, {c.callee for c in other.calls_within(definition.value - 1,
                                                           definition.end + 1)}

    def _hook(self, level: Level, ts: TsFile, call: tsscan.Call) -> None:
        ranges = call.arg_ranges()
        phase = tsscan.first_string(call.args[0]) if ranges else None
        if phase is None or len(ranges) < 2:
            return
        name, calls = self._handler(ts, *ranges[1])
        level.hooks.append(Hook(phase, name, calls))
        if level.root and phase in REQUEST_HOOKS:
            self._app_wide(name or f"{phase} hook", calls, ts.rel, call.line)

    def _app_wide(self, name: str, calls: set[str], rel: str, line: int) -> None:
        self.facts.middleware.append(Located(name, rel, line))
        if HTTPS_MIDDLEWARE.search(name) or "helmet" in name.lower():
            self.facts.https.append(Located(name, rel, line))
        logs = LOGGING_MIDDLEWARE.search(name) and not NOT_LOGGING.search(name)
        if logs or any(LOG_CALL.search(c) for c in calls):
            self.facts.request_logging.append(Located(name, rel, line))

    def _register(self, level: Level, ts: TsFile, call: tsscan.Call,
                  same: list[tuple[TsFile, int, int, str]],
                  children: list[tuple[str, list[tuple[TsFile, int, int, str]]]]) -> None:
        ranges = call.arg_ranges()
        if not ranges:
            return
        options = tsscan.object_entries(call.args[1]) if len(ranges) > 1 else {}
        prefix = tsscan.first_string(options.get("prefix", [])) or ""
        plugin = self._plugin(ts, *ranges[0])
        if plugin is None:  # a package's plugin (helmet, a logger): app-wide when on the app
            if level.root:
                name = handler_name(call.args[0])
                if name:
                    self._app_wide(name, set(), ts.rel, call.line)
            return
        body, wrapped = plugin
        if wrapped:  # fastify-plugin: no encapsulation, the hooks are the parent's
            same.append(body)
        else:
            children.append((join_path(level.prefix, prefix) if prefix else level.prefix, [body]))

    def _plugin(self, ts: TsFile, first: int,
                last: int) -> tuple[tuple[TsFile, int, int, str], bool] | None:
        """The plugin function an argument of `register` is: inline, a name, a factory call."""
        tokens = ts.tokens
        fn = tsscan.function_at(ts.module, first, last + 1)
        if fn is not None:
            return (ts, fn.body, fn.end, fn.params[0] if fn.params else ""), False
        callee = dotted_prefix(tokens[first:last + 1])
        if not callee:
            return None
        opening = first + len(callee.split(".")) * 2 - 1
        is_call = opening <= last and tokens[opening].value == "("
        if callee in ("fp", "fastifyPlugin") and is_call:
            inner = self._plugin(ts, opening + 1, ts.module.pairs.get(opening, last) - 1)
            return (inner[0], True) if inner is not None else None
        found = self.reader.definition(ts, callee)
        if found is None:
            return None
        other, definition = found
        if definition.function is None:  # `export default fp(async (app) => ...)`
            return self._plugin(other, definition.value, definition.end)
        plugin: tsscan.Function | None = definition.function
        if is_call:  # a factory: the plugin is the function it returns
            factory = definition.function
            plugin = next((f for i in other.module.find("return")
                           if factory.body < i < factory.end
                           and (f := tsscan.function_at(other.module, i + 1, factory.end))), None)
        if plugin is None:
            return None
        return (other, plugin.body, plugin.end, plugin.params[0] if plugin.params else ""), False

    def _route(self, level: Level, ts: TsFile, call: tsscan.Call, method: str) -> None:
        args = call.args
        if not args:
            return
        if method == "route":
            options = tsscan.object_entries(args[0])
            methods = [t.value.lower() for t in options.get("method", []) if t.kind == "string"]
            path = tsscan.first_string(options.get("url") or options.get("path") or [])
        else:
            options = tsscan.object_entries(args[1]) if len(args) > 2 and \
                args[1][0].value == "{" else {}
            methods = [method]
            path = args[0][0].value if args[0][0].kind == "string" else None
        if path is None:
            return
        hooks = [*level.hooks, *self._route_hooks(options)]
        guards = [n for h in hooks if h.phase in GUARD_HOOKS
                  for n in ([h.name] if h.name else sorted(h.calls))]
        shape = self.reader.handler_shape([Span(ts, call.start + 1, call.end)])
        for name in methods:
            route = Route(method=name.upper(), path=join_path(level.prefix, path), file=ts.rel,
                          line=call.line, guards=list(guards))
            shape.apply(route)
            route.calls |= {c for h in hooks for c in h.calls}
            self.facts.routes.append(route)

    def _route_hooks(self, options: dict[str, Sequence[Token]]) -> list[Hook]:
        hooks: list[Hook] = []
        for phase in GUARD_HOOKS & options.keys():
            value = list(options[phase])
            items = tsscan.split_top(value[1:-1]) if value and value[0].value == "[" \
                else [value]
            for item in items:
                if tsscan.is_function(item):
                    called = {tsscan.dotted_before(item, k) for k, t in enumerate(item)
                              if t.value == "(" and k and item[k - 1].kind == "ident"}
                    hooks.append(Hook(phase, None, called - {""}))
                else:
                    hooks.append(Hook(phase, handler_name(item), set()))
        return hooks
