"""Python projects: FastAPI apps and routers, SQLAlchemy models, settings."""

from __future__ import annotations

import ast
import re
from pathlib import Path, PurePosixPath

from webnova.governance.compliance.facts import (
    ENCRYPTED_NAME,
    HTTP_METHODS,
    HTTPS_MIDDLEWARE,
    LOGGING_MIDDLEWARE,
    Column,
    Located,
    ProjectFacts,
    Route,
    join_path,
    rel_path,
)


class PythonReader:
    """FastAPI apps, routers, routes and dependencies, and SQLAlchemy models."""

    def __init__(self, root: Path, facts: ProjectFacts) -> None:
        self.root = root
        self.facts = facts
        self.modules: dict[str, tuple[Path, ast.Module]] = {}
        self.encrypted_types: set[str] = set()
        self.schemas: dict[str, list[str]] = {}
        # (module stem, router name) -> (prefix, guards) from APIRouter(...) and include_router.
        self.router_info: dict[tuple[str, str], tuple[str, list[str]]] = {}
        self.includes: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}

    def read(self, texts: dict[Path, str]) -> None:
        """Read every Python module (`texts` by path) into the facts."""
        for path, text in texts.items():
            try:
                self.modules[rel_path(self.root, path)] = (path, ast.parse(text))
            except SyntaxError:
                continue
        for rel, (_path, tree) in self.modules.items():
            self._types_and_schemas(tree)
            self._routers(rel, tree)
        for rel, (_path, tree) in self.modules.items():
            self._models(rel, tree)
            self._app(rel, tree)
            self._settings(rel, tree)
        for rel, (_path, tree) in self.modules.items():
            self._routes(rel, tree)

    def _types_and_schemas(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {_name(b) for b in node.bases}
            if "TypeDecorator" in bases and (ENCRYPTED_NAME.search(node.name) or any(
                    ENCRYPTED_NAME.search(_name(c.func)) for c in ast.walk(node)
                    if isinstance(c, ast.Call))):
                self.encrypted_types.add(node.name)
            if bases & {"BaseModel", "SQLModel"}:
                self.schemas[node.name] = [s.target.id for s in node.body
                                           if isinstance(s, ast.AnnAssign)
                                           and isinstance(s.target, ast.Name)]

    def _models(self, rel: str, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            table = _class_tablename(node)
            if table is None:
                continue
            for stmt in node.body:
                column = self._column(stmt)
                if column is not None:
                    name, type_name = column
                    self.facts.columns.append(Column(
                        table=table, name=name, type_name=type_name, file=rel, line=stmt.lineno,
                        encrypted=type_name in self.encrypted_types
                        or bool(ENCRYPTED_NAME.search(type_name))))

    def _column(self, stmt: ast.stmt) -> tuple[str, str] | None:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            target, value = stmt.target.id, stmt.value
            if value is None and _name(stmt.annotation) == "Mapped":  # `x: Mapped[int]`
                return target, ast.unparse(stmt.annotation)
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        else:
            return None
        if not isinstance(value, ast.Call) or _name(value.func) not in ("mapped_column",
                                                                         "Column"):
            return None
        name, type_name = target, ""
        for arg in value.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                name = arg.value
            elif not type_name and not (isinstance(arg, ast.Call) and
                                        _name(arg.func) == "ForeignKey"):
                type_name = _name(arg.func if isinstance(arg, ast.Call) else arg)
        if not type_name and isinstance(stmt, ast.AnnAssign):
            type_name = ast.unparse(stmt.annotation)
        return name, type_name

    def _routers(self, rel: str, tree: ast.Module) -> None:
        stem = PurePosixPath(rel).stem
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                    _name(node.value.func) == "APIRouter" and \
                    isinstance(node.targets[0], ast.Name):
                call = node.value
                self.router_info[(stem, node.targets[0].id)] = (
                    _kw_str(call, "prefix"), _dependency_names(_kw(call, "dependencies")))

    def _app(self, rel: str, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr
                if method == "include_router" and node.args:
                    ref = _name(node.args[0]).split(".")
                    key = (ref[-2], ref[-1]) if len(ref) >= 2 else (PurePosixPath(rel).stem,
                                                                     ref[0])
                    self.includes.setdefault(key, []).append(
                        (_kw_str(node, "prefix"), _dependency_names(_kw(node, "dependencies"))))
                elif method == "add_middleware" and node.args:
                    name = _name(node.args[0])
                    self.facts.middleware.append(Located(name, rel, node.lineno))
                    if HTTPS_MIDDLEWARE.search(name):
                        self.facts.https.append(Located(name, rel, node.lineno))
                    if LOGGING_MIDDLEWARE.search(name):
                        self.facts.request_logging.append(Located(name, rel, node.lineno))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    _name(d.func if isinstance(d, ast.Call) else d).endswith("middleware")
                    for d in node.decorator_list):
                self._http_middleware(rel, node)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.lower() == "strict-transport-security":
                    self.facts.https.append(Located("Strict-Transport-Security", rel,
                                                    node.lineno))
                if re.search(r"sslmode=(require|verify-ca|verify-full)", node.value):
                    self.facts.db_tls.append((True, Located("sslmode", rel, node.lineno)))
            if isinstance(node, ast.Dict):
                for dict_key, item in zip(node.keys, node.values, strict=True):
                    if isinstance(dict_key, ast.Constant) and dict_key.value in ("sslmode", "ssl"):
                        on = not (isinstance(item, ast.Constant) and
                                  item.value in (False, None, "disable"))
                        self.facts.db_tls.append(
                            (on, Located(str(dict_key.value), rel, dict_key.lineno)))

    def _http_middleware(self, rel: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        called = {_name(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
        self.facts.middleware.append(Located(node.name, rel, node.lineno))
        # Logging is what the function does, not what it is called.
        if any(re.match(r"(\w*log\w*)\.(info|warning|debug|error|log|exception)$", c)
               for c in called):
            self.facts.request_logging.append(Located(node.name, rel, node.lineno))
        if HTTPS_MIDDLEWARE.search(node.name):
            self.facts.https.append(Located(node.name, rel, node.lineno))

    def _settings(self, rel: str, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                name, value = node.targets[0].id, node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                    node.value is not None:
                name, value = node.target.id, node.value
            else:
                continue
            lowered = name.lower()
            if not re.search(r"(expire|timeout|ttl|lifetime)", lowered) or \
                    not re.search(r"(token|session|jwt|access|idle)", lowered):
                continue
            seconds = _python_seconds(value, lowered)
            if seconds is not None:
                self.facts.token_expiry_seconds.append(
                    (seconds, Located(name, rel, node.lineno)))

    def _routes(self, rel: str, tree: ast.Module) -> None:
        stem = PurePosixPath(rel).stem
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call) or \
                        not isinstance(decorator.func, ast.Attribute) or \
                        decorator.func.attr not in HTTP_METHODS or not decorator.args:
                    continue
                owner = _name(decorator.func.value)
                path = decorator.args[0].value if isinstance(decorator.args[0], ast.Constant) \
                    else ""
                guards = _dependency_names(_kw(decorator, "dependencies")) + \
                    _param_dependencies(node)
                called = {_name(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
                projection, fields = self._projection(node, decorator)
                for prefix, mount_guards in self._mounts(stem, owner):
                    self.facts.routes.append(Route(
                        method=decorator.func.attr.upper(), path=join_path(prefix, str(path)),
                        file=rel, line=decorator.lineno, guards=mount_guards + guards,
                        calls=called, projection=projection, fields=fields))

    def _mounts(self, stem: str, owner: str) -> list[tuple[str, list[str]]]:
        prefix, guards = self.router_info.get((stem, owner), ("", []))
        includes = self.includes.get((stem, owner)) or [("", [])]
        return [(join_path(p, prefix), g + guards) for p, g in includes]

    def _projection(self, node: ast.FunctionDef | ast.AsyncFunctionDef,
                    decorator: ast.Call) -> tuple[str, list[str]]:
        response_model = _kw(decorator, "response_model") or node.returns
        if response_model is not None:
            name = _inner_type(response_model)
            if name in self.schemas:
                return "explicit", self.schemas[name]
        for call in (c for c in ast.walk(node) if isinstance(c, ast.Call)):
            if _name(call.func) == "select" and call.args:
                if len(call.args) == 1 and isinstance(call.args[0], ast.Name):
                    return "all", []
                return "explicit", [a.attr for a in call.args if isinstance(a, ast.Attribute)]
            if _name(call.func).endswith(".query"):
                return "all", []
        return "unknown", []


def _name(node: ast.AST | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return ""


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _kw_str(call: ast.Call, name: str) -> str:
    value = _kw(call, name)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) \
        else ""


def _dependency_names(node: ast.expr | None) -> list[str]:
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    return [_name(e.args[0]) for e in node.elts if isinstance(e, ast.Call)
            and _name(e.func) == "Depends" and e.args]


def _param_dependencies(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    names: list[str] = []
    for sub in ast.walk(node.args):
        if isinstance(sub, ast.Call) and _name(sub.func) in ("Depends", "Security") and sub.args:
            names.append(_name(sub.args[0]))
    return names


def _inner_type(node: ast.expr) -> str:
    while isinstance(node, ast.Subscript):
        node = node.slice
    return _name(node)


def _class_tablename(node: ast.ClassDef) -> str | None:
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and
                                                t.id == "__tablename__" for t in stmt.targets):
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                return stmt.value.value
    return None


def _python_seconds(value: ast.expr, name: str) -> int | None:
    if isinstance(value, ast.Call) and _name(value.func).endswith("timedelta"):
        scale = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
        total = 0
        for keyword in value.keywords:
            if keyword.arg in scale and isinstance(keyword.value, ast.Constant) and \
                    isinstance(keyword.value.value, int | float):
                total += int(keyword.value.value * scale[keyword.arg])
        return total or None
    if isinstance(value, ast.Constant) and isinstance(value.value, int | float):
        unit = 60 if "minute" in name else 3600 if "hour" in name else \
            86400 if "day" in name else 1
        return int(value.value * unit)
    return None
