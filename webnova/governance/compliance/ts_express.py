"""Express (+ Drizzle) projects: apps, routers, mounts, routes, schemas and security settings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.facts import (
    ENCRYPTED_NAME,
    HTTP_METHODS,
    HTTPS_MIDDLEWARE,
    LOGGING_MIDDLEWARE,
    Column,
    Located,
    Route,
    duration_seconds,
    join_path,
)
from webnova.governance.compliance.tsfollow import (
    Mount,
    Span,
    TsFile,
    TsProject,
    assigned_name,
    constant_seconds,
    declared_value,
    generic_span,
    handler_name,
    near_redirect,
)
from webnova.governance.compliance.tsscan import Token

# A module is tokenised up front only when it names one of these (see `read`).
TS_MARKERS: Final = ("express", "Router(", "pgTable", "sqliteTable", "mysqlTable", "customType",
                     "expiresIn", "setExpirationTime", "ssl", "ransport-Security", "ncrypt",
                     "astify(", "trict-transport-security")
# Security settings: option keys (may be quoted), the HSTS header, a TLS connection string.
_SETTING_KEYS: Final = frozenset({"expiresIn", "ssl"})
_HSTS: Final = "strict-transport-security"
_SSLMODE: Final = re.compile(r"sslmode=(require|verify-ca|verify-full)")


class TypeScriptReader(TsProject):
    """Express apps, routers and routes, Drizzle schemas and security settings."""

    def read(self, texts: dict[Path, str], keys: dict[Path, bytes]) -> None:
        """Read the TypeScript modules (`texts` by path) that can hold what the checks need."""
        self.texts, self.keys = texts, keys
        self._known = {str(path) for path in texts}
        for path, text in texts.items():
            # Only server-side modules can hold what the checks read; skipping the rest (pages,
            # components, generated documents such as openapi.ts) keeps a whole-project scan
            # fast. A file is skipped only when it names none of the APIs the checks look for.
            if any(marker in text for marker in TS_MARKERS):
                self.files[path] = self._prepare(path, tsscan.parse(text, keys.get(path)))
        for ts in self.files.values():
            self._custom_types(ts)
        for ts in self.files.values():
            self._schema(ts)
            self._app_level(ts)
            self._security_settings(ts)
        self.serves_routers = bool(self.mounts)
        for ts in self.files.values():
            self._routes(ts)
            self._encrypted_writes(ts)

    def _custom_types(self, ts: TsFile) -> None:
        for call in ts.module.calls_named("customType"):
            name = assigned_name(ts.tokens, call.start - 1 - generic_span(ts.tokens,
                                                                             call.start))
            body = ts.tokens[call.start:call.end]
            encrypts = any(t.kind == "ident" and ENCRYPTED_NAME.search(t.value) for t in body)
            if name and (encrypts or ENCRYPTED_NAME.search(name)):
                self.encrypted_types.add(name)

    def _schema(self, ts: TsFile) -> None:
        for call in ts.module.calls_named("pgTable", "sqliteTable", "mysqlTable"):
            if len(call.args) < 2:
                continue
            table = tsscan.first_string(call.args[0]) or "?"
            var = assigned_name(ts.tokens, call.start - 1)
            if var:
                self.table_vars[(ts.path, var)] = table
                self.tables_in.setdefault(ts.path, set()).add(table)
            for key, value in tsscan.object_entries(call.args[1]).items():
                if not value or value[0].kind != "ident":
                    continue
                type_name = value[0].value
                column = tsscan.first_string(value[:4]) or key
                self.facts.columns.append(Column(
                    table=table, name=column, type_name=type_name, file=ts.rel,
                    line=value[0].line, encrypted=type_name in self.encrypted_types
                    or bool(ENCRYPTED_NAME.search(type_name)), key=key))

    def _app_level(self, ts: TsFile) -> None:
        for call in ts.module.calls_named("use"):
            owner = call.callee.rpartition(".")[0]
            if owner not in ts.apps | ts.routers:
                continue
            args = call.args
            prefix = tsscan.first_string(args[0]) if args and args[0][0].kind == "string" \
                else ""
            handlers = args[1:] if prefix else args
            names = [handler_name(a) for a in handlers]
            last = handlers[-1] if handlers else []
            routers = self._router_refs(ts, last, call.start)
            if routers:
                for router in routers:
                    self.mounts.setdefault(router, []).append(
                        Mount(prefix=prefix or "", guards=[n for n in names[:-1] if n]))
                continue
            if owner in ts.routers:
                ts.router_guards.setdefault(owner, []).extend(
                    (call.start, n) for n in names if n)
            else:
                for name in names:
                    if name:
                        self.facts.middleware.append(Located(name, ts.rel, call.line))
                        if HTTPS_MIDDLEWARE.search(name) or name == "helmet":
                            self.facts.https.append(Located(name, ts.rel, call.line))
                        if LOGGING_MIDDLEWARE.search(name):
                            self.facts.request_logging.append(Located(name, ts.rel, call.line))

    def _router_refs(self, ts: TsFile, arg: Sequence[Token], before: int,
                     depth: int = 0) -> list[tuple[Path, str]]:
        """Routers an argument of `use` mounts (a router, an imported one, or a factory call).

        For a factory call such as `patientRouter(db)`, every router its module creates; for a
        local name (`const api = patientRouter(db)`), what its value mounts.
        """
        if not arg or arg[0].kind != "ident":
            return []
        factory = len(arg) > 1 and arg[1].value == "(" and tsscan.matching(arg, 1) == len(arg) - 1
        if len(arg) != 1 and not factory:
            return []
        name = arg[0].value
        if name in ts.routers and not factory:
            return [(ts.path, name)]
        target = ts.imports.get(name)
        if target is None or target not in self.files:
            local = declared_value(ts, name, before) if len(arg) == 1 and depth < 4 else None
            return [] if local is None else \
                self._router_refs(ts, ts.tokens[local[0]:local[1] + 1], before, depth + 1)
        routers = self.files[target].routers
        if name in routers and not factory:
            return [(target, name)]
        return [(target, router) for router in sorted(routers)]

    def _security_settings(self, ts: TsFile) -> None:
        tokens = ts.tokens
        module = ts.module
        # Only these names and string literals can matter below; keys may be quoted. The strings
        # are filtered here by cheap tests first (a module has hundreds).
        values = module.values
        strings = [i for i in module.strings if (v := values[i]) in _SETTING_KEYS or
                   "sslmode=" in v or (len(v) == len(_HSTS) and v.lower() == _HSTS)]
        wanted = sorted({*module.positions("secure", "protocol", "expiresIn", "ssl"), *strings})
        for i in wanted:
            token = tokens[i]
            if token.kind == "string" and token.value.lower() == _HSTS:
                self.facts.https.append(Located("Strict-Transport-Security", ts.rel, token.line))
            if token.kind == "ident" and token.value in ("secure", "protocol") and i >= 2 and \
                    tokens[i - 1].value == "." and tokens[i - 2].value == "req" and \
                    near_redirect(tokens, i):
                self.facts.https.append(Located("redirect to https", ts.rel, token.line))
            if token.value == "expiresIn" and i + 2 < len(tokens) and tokens[i + 1].value == ":":
                self._expiry(ts, tokens[i + 2])
            if token.value == "ssl" and i + 2 < len(tokens) and tokens[i + 1].value == ":":
                on = tokens[i + 2].value not in ("false", "undefined", "null")
                self.facts.db_tls.append((on, Located("ssl", ts.rel, token.line)))
            if token.kind == "string" and _SSLMODE.search(token.value):
                self.facts.db_tls.append((True, Located("sslmode", ts.rel, token.line)))
        for name in [n for n in module.by_name if n.endswith("setExpirationTime")]:
            for call in module.by_name[name]:
                if call.args:
                    self._expiry(ts, call.args[0][0])

    def _expiry(self, ts: TsFile, token: Token) -> None:
        raw: str | int = int(token.value) if token.kind == "number" and \
            token.value.isdigit() else token.value
        seconds = duration_seconds(raw) if token.kind in ("string", "number") else \
            constant_seconds(ts.tokens, token.value)
        if seconds is not None:
            self.facts.token_expiry_seconds.append(
                (seconds, Located(str(token.value), ts.rel, token.line)))

    def _routes(self, ts: TsFile) -> None:
        for call in ts.module.calls_named(*sorted(HTTP_METHODS)):
            owner, _sep, method = call.callee.rpartition(".")
            if owner not in ts.apps | ts.routers or not call.args or \
                    call.args[0][0].kind != "string":
                continue
            path = call.args[0][0].value
            handlers = call.args[1:]
            guards = [n for n in (handler_name(a) for a in handlers[:-1]) if n]
            guards = [g for start, g in ts.router_guards.get(owner, []) if start < call.start] \
                + guards
            shape = self.handler_shape([Span(ts, call.start + 1, call.end)])
            routes = self._mounted(ts, owner, path)
            for full_path, mount_guards in routes:
                route = Route(method=method.upper(), path=full_path, file=ts.rel,
                              line=call.line, guards=mount_guards + guards)
                shape.apply(route)
                self.facts.routes.append(route)

    def _encrypted_writes(self, ts: TsFile) -> None:
        """Columns a module encrypts before writing (`out.phone = encryptValue(value)`)."""
        tables = {self.table_vars[(target, name)] for name, target in ts.imports.items()
                  if (target, name) in self.table_vars}
        tables |= self.tables_in.get(ts.path, set())
        if not tables:
            return
        props: set[str] = set()
        tokens = ts.tokens
        encrypting = ts.module.positions_matching(ENCRYPTED_NAME)
        for i in (p - 1 for p in encrypting if 3 <= p < len(tokens) - 1):
            is_assign = tokens[i].value == "=" and tokens[i - 2].value == "."
            is_entry = tokens[i].value == ":" and tokens[i - 1].kind == "ident"
            if (is_assign or is_entry) and tokens[i + 1].kind == "ident" and \
                    ENCRYPTED_NAME.search(tokens[i + 1].value) and tokens[i + 2].value == "(":
                props.add(tokens[i - 1].value)
        for column in self.facts.columns:
            if column.table in tables and (column.key in props or column.name in props) and \
                    not column.encrypted:
                column.encrypted = True
                column.type_name += " (encrypted on write)"

    def _mounted(self, ts: TsFile, owner: str, path: str) -> list[tuple[str, list[str]]]:
        if owner in ts.apps:
            return [(path, [])]
        out: list[tuple[str, list[str]]] = []
        for mount in self.mounts.get((ts.path, owner), []):
            out.append((join_path(mount.prefix, path), list(mount.guards)))
        if out or self.serves_routers:
            return out  # an app that mounts routers serves those only: the others are dead code
        return [(path, [])]  # routers alone (no app among the files): read as they are
