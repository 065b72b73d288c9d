"""Facts about a generated project tree, read structurally from schema, routes and config.

The compliance checks read these facts (parsed from schema, route, middleware and configuration
files), never raw text.

Two layouts are understood:

* TypeScript with Drizzle schemas (`pgTable("name", {...})`, custom column types from
  `customType`), JWT expiry from `jwt.sign(..., {expiresIn})` / `setExpirationTime(...)` and
  database TLS from `ssl` options, on one of three servers:
  - Express: `express()`, `Router()`, `app.use(...)`, `router.get(...)`;
  - Fastify: `Fastify()`, plugins `app.register(plugin, { prefix })`, hooks `addHook(...)`
    (app-wide ones are middleware, the others guard the routes of their plugin), routes
    `app.get(...)` / `app.route({...})` (see `_FastifyReader`);
  - Next.js App Router: routes are the `app/**/route.ts` files, their URL the folders and their
    methods the exported `GET`/`POST`/... handlers (see `_NextReader`).
  What a route runs is followed into the project's functions it calls (services, helpers), so
  a thin handler over a shared module is read like one that does the work itself.
* Python: FastAPI (`FastAPI()`, `APIRouter(prefix, dependencies)`, route decorators,
  `Depends(...)`, `include_router`, `add_middleware`, `@app.middleware("http")`) with SQLAlchemy
  models (`__tablename__`, `mapped_column(Type)` / `Column(Type)`, `TypeDecorator` subclasses).

Configuration: package.json / pyproject.toml / requirements.txt dependencies, fly.toml,
render.yaml and vercel.json regions, `.gitignore`, and every text file for committed secrets.
"""

from __future__ import annotations

import ast
import bisect
import gc
import hashlib
import json
import os
import re
import stat
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final, cast

import yaml

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.tsscan import Token

TS_MARKERS: Final = ("express", "Router(", "pgTable", "sqliteTable", "mysqlTable", "customType",
                     "expiresIn", "setExpirationTime", "ssl", "ransport-Security", "ncrypt",
                     "astify(", "trict-transport-security")
SKIP_DIRS: Final = frozenset({"node_modules", ".git", "dist", "build", ".venv", "venv",
                              "__pycache__", ".next", "coverage", ".turbo"})
TS_SUFFIXES: Final = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx")
MAX_FILE_BYTES: Final = 2_000_000
HTTP_METHODS: Final = frozenset({"get", "post", "put", "patch", "delete"})
FASTIFY_METHODS: Final = HTTP_METHODS | {"head", "options"}
# Fastify hooks that run before the handler (and so can refuse the request): guards.
GUARD_HOOKS: Final = frozenset({"onRequest", "preParsing", "preValidation", "preHandler"})
# Hooks that run for every request (request logging belongs here, not in onError or onClose).
REQUEST_HOOKS: Final = GUARD_HOOKS | {"preSerialization", "onSend", "onResponse"}
# A call that writes a log line (`accessLog.write(...)`, `request.log.info(...)`).
LOG_CALL: Final = re.compile(r"(?:^|\.)(?:\w*log\w*|console)\."
                             r"(?:info|warn|warning|debug|error|log|write|trace)$", re.IGNORECASE)
NOT_LOGGING: Final = re.compile(r"log_?(?:in|out|on|off)|logo", re.IGNORECASE)
# A Next.js App Router route handler file; the folders under app/ are the URL.
NEXT_ROUTE: Final = re.compile(r"^(?:src/)?app/(?:(.*)/)?route\.(?:ts|js|mjs|tsx|jsx)$")
NEXT_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
# How many functions a route's handler is followed into (spans of reachable code).
MAX_REACHED: Final = 64
ENCRYPTED_NAME: Final = re.compile(r"encrypt", re.IGNORECASE)
LOGGING_MIDDLEWARE: Final = re.compile(r"log|morgan|pino|winston", re.IGNORECASE)
HTTPS_MIDDLEWARE: Final = re.compile(r"https?redirect|forcessl|enforcehttps|requirehttps|"
                                     r"sslredirect|hsts", re.IGNORECASE)
SECRET_PATTERNS: Final = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "Stripe secret key": re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{30,}\b"),
    "Slack token": re.compile(r"\bxox[abpors]-[0-9A-Za-z-]{10,}\b"),
}
# A literal every match of each pattern contains: a plain substring test skips the regex on almost
# every file (a leading \b defeats the regex engine's own literal search; measured 25x faster).
SECRET_HINTS: Final = {
    "private key": ("PRIVATE KEY",),
    "AWS access key": ("AKIA",),
    "Stripe secret key": ("_live_",),
    "GitHub token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "Slack token": ("xox",),
}
SECRET_NAME: Final = re.compile(r"(secret|passw(or)?d|api_?key|private_?key|access_?token|"
                                r"auth_?token|client_?secret)", re.IGNORECASE)
# The same names matched in lower-cased text: case-insensitive matching is ~9x slower.
_SECRET_NAME_LOWER: Final = re.compile(SECRET_NAME.pattern)
_ENV_LINE: Final = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
PLACEHOLDER: Final = re.compile(r"^(|change[-_ ]?me.*|x+|\*+|<.*>|\$\{.*\}|your[-_].*|example.*|"
                                r"dummy.*|test.*|placeholder.*|replace[-_ ]?me.*)$",
                                re.IGNORECASE)


@dataclass
class Column:
    """A table column as declared in the schema."""

    table: str
    name: str
    type_name: str
    file: str
    line: int
    encrypted: bool = False
    key: str = ""  # the property name in code (Drizzle), when it differs from the column name


@dataclass
class Route:
    """An HTTP endpoint with everything that runs before its handler."""

    method: str
    path: str
    file: str
    line: int
    guards: list[str] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)
    # "all" (whole rows), "explicit" (chosen fields) or "unknown" (no query seen).
    projection: str = "unknown"
    fields: list[str] = field(default_factory=list)
    # Fields a summary mapper removes from whole rows (`delete row[name]` over a constant list).
    excluded: list[str] = field(default_factory=list)


@dataclass
class Located:
    """A fact with the file and line it was read from."""

    value: str
    file: str
    line: int


@dataclass
class ProjectFacts:
    """Everything the code checks look at."""

    root: Path
    stack: str = "unknown"
    columns: list[Column] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    middleware: list[Located] = field(default_factory=list)
    https: list[Located] = field(default_factory=list)
    request_logging: list[Located] = field(default_factory=list)
    token_expiry_seconds: list[tuple[int, Located]] = field(default_factory=list)
    db_tls: list[tuple[bool, Located]] = field(default_factory=list)
    dependencies: set[str] = field(default_factory=set)
    secrets: list[Located] = field(default_factory=list)
    deploy_regions: list[Located] = field(default_factory=list)
    files_scanned: int = 0

    def tables(self) -> set[str]:
        """Names of every table in the schema."""
        return {c.table for c in self.columns}


def read_project(root: Path) -> ProjectFacts:
    """Read the facts of the project tree at `root`."""
    with _collector_paused():
        return _read_project(root)


class _CollectorPause:
    """Pauses the cyclic garbage collector while trees are read (thread-safe, re-entrant).

    Reading allocates tens of thousands of small acyclic tuples (tokens); each allocation burst
    otherwise triggers full collections that walk every live object of the process (measured:
    a third of a cold evaluation right after generating a project). Nothing read here forms
    cycles. Concurrent readers share one pause; the last one out restores the collector as the
    first one in found it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._was_enabled:
                    gc.enable()


_collector_paused = _CollectorPause()


def _read_project(root: Path) -> ProjectFacts:
    facts = ProjectFacts(root=root)
    files = list(_files(root))
    facts.files_scanned = len(files)
    _read_config(root, facts)
    texts = {f: t for f in files if (t := _text(f)) is not None}  # each file read once
    ts_texts = {f: t for f, t in texts.items()
                if f.suffix in TS_SUFFIXES and not f.name.endswith(".d.ts")}
    py_files = [f for f in texts if f.suffix == ".py"]
    if ts_texts:
        _TypeScriptReader(root, facts).read(ts_texts)
    if py_files:
        _PythonReader(root, facts).read({f: texts[f] for f in py_files})
    _scan_secrets(root, files, texts, facts)
    if any(r.file.endswith(".py") for r in facts.routes):
        facts.stack = "fastapi"
    elif facts.stack == "unknown" and facts.routes:
        facts.stack = "express"
    return facts


_TEST_DIRS: Final = frozenset({"test", "tests"})


def clear_caches() -> None:
    """Forget every cached tokenisation and secret scan (benchmarks measure a cold start)."""
    tsscan.clear_cache()
    with _secrets_lock:
        _secrets_cache.clear()


def _files(root: Path) -> Iterator[Path]:
    """Every file of the product, in path order.

    Dependencies, build output, VCS data and the top-level test directories are not walked into
    (test code is not the product).
    """
    found: list[Path] = []
    for directory, dirs, names in os.walk(root):
        here = Path(directory)
        top = here == root
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not (top and d in _TEST_DIRS)]
        for name in names:
            if top and name in _TEST_DIRS:
                continue
            path = here / name
            try:
                info = path.stat()
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES:
                found.append(path)
    yield from sorted(found)


def _rel(root: Path, path: Path) -> str:
    return str(PurePosixPath(path.relative_to(root)))


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def duration_seconds(value: str | int | float) -> int | None:
    """Seconds of a duration such as 900, "15m", "1h", "2 days" (None when unreadable)."""
    if isinstance(value, int | float):
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", value.lower())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    scale = {"": 1, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60,
             "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hrs": 3600,
             "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
    return int(number * scale[unit]) if unit in scale else None


# ---------------------------------------------------------------- configuration files


def _read_config(root: Path, facts: ProjectFacts) -> None:
    package = root / "package.json"
    if package.exists():
        data = json.loads(package.read_text(encoding="utf-8"))
        for key in ("dependencies", "devDependencies"):
            facts.dependencies.update((data.get(key) or {}).keys())
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        facts.dependencies.update(_requirement_name(d) for d in project.get("dependencies", []))
    requirements = root / "requirements.txt"
    if requirements.exists():
        facts.dependencies.update(
            _requirement_name(line) for line in requirements.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-")))
    _deploy_regions(root, facts)


def _requirement_name(spec: str) -> str:
    return re.split(r"[\s\[<>=!~;@]", spec.strip(), maxsplit=1)[0].lower()


def _deploy_regions(root: Path, facts: ProjectFacts) -> None:
    fly = root / "fly.toml"
    if fly.exists():
        region = tomllib.loads(fly.read_text(encoding="utf-8")).get("primary_region")
        if isinstance(region, str):
            facts.deploy_regions.append(Located(region, "fly.toml", _line_of(fly, region)))
    render = root / "render.yaml"
    if render.exists():
        data = yaml.safe_load(render.read_text(encoding="utf-8")) or {}
        for group in ("services", "databases"):
            for item in data.get(group) or []:
                if isinstance(item, dict) and isinstance(item.get("region"), str):
                    facts.deploy_regions.append(Located(item["region"], "render.yaml",
                                                        _line_of(render, item["region"])))
    vercel = root / "vercel.json"
    if vercel.exists():
        for region in json.loads(vercel.read_text(encoding="utf-8")).get("regions") or []:
            facts.deploy_regions.append(Located(str(region), "vercel.json",
                                                _line_of(vercel, str(region))))


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return 1


# ---------------------------------------------------------------- secrets


def _scan_secrets(root: Path, files: list[Path], texts: dict[Path, str],
                  facts: ProjectFacts) -> None:
    ignored = _gitignored_names(root)
    for path in files:
        rel = _rel(root, path)
        if path.name == ".env" or (path.name.startswith(".env.") and
                                   not path.name.endswith((".example", ".sample", ".template"))):
            if path.name not in ignored:
                facts.secrets.append(Located(f"{path.name} file is committed", rel, 1))
            continue
        text = texts.get(path)
        if text is not None:
            facts.secrets.extend(Located(value, rel, line)
                                 for value, line in _file_secrets(path.name, text))


_SECRETS_CACHE_LIMIT: Final = 2048
_secrets_cache: OrderedDict[tuple[str, bytes], tuple[tuple[str, int], ...]] = OrderedDict()
_secrets_lock = threading.Lock()


def _file_secrets(name: str, text: str) -> tuple[tuple[str, int], ...]:
    """(kind, line) of every secret in one file, cached by the file's name and content hash.

    Every file is scanned (a secret can hide anywhere); the cache spares unchanged files, such
    as a large generated openapi.json, the scan on the next evaluation of the same tree.
    """
    key = (name, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest())
    with _secrets_lock:
        cached = _secrets_cache.get(key)
        if cached is not None:
            _secrets_cache.move_to_end(key)
            return cached
    found: list[tuple[str, int]] = []
    for kind, pattern in SECRET_PATTERNS.items():
        if not any(hint in text for hint in SECRET_HINTS[kind]):
            continue
        found.extend((kind, text.count("\n", 0, match.start()) + 1)
                     for match in pattern.finditer(text))
    if PurePosixPath(name).suffix in (".ts", ".js", ".py", ".json", ".yaml", ".yml", ".toml") \
            and not name.endswith((".example", ".sample")):
        found.extend(_hardcoded_secrets(text))
    result = tuple(found)
    with _secrets_lock:
        _secrets_cache[key] = result
        if len(_secrets_cache) > _SECRETS_CACHE_LIMIT:
            _secrets_cache.popitem(last=False)
    return result


_IDENT_TAIL: Final = re.compile(r"[A-Za-z0-9_]*")
_ASSIGNED_AFTER: Final = re.compile(r"""["']?[ \t]*[:=][ \t]*["']([^"'\s]{12,})["']""")


def _secret_names(text: str) -> Iterator[re.Match[str]]:
    lowered = text.lower()
    if len(lowered) == len(text):  # offsets line up (true unless exotic case mappings occur)
        return _SECRET_NAME_LOWER.finditer(lowered)
    return SECRET_NAME.finditer(text)


def _hardcoded_secrets(text: str) -> Iterator[tuple[str, int]]:
    for found in _secret_names(text):
        tail = _IDENT_TAIL.match(text, found.end())
        end = tail.end() if tail else found.end()
        match = _ASSIGNED_AFTER.match(text, end)
        if match is None:
            continue
        start = found.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        name, value = text[start:end], match.group(1)
        if not PLACEHOLDER.match(value) and \
                not value.startswith(("process.env", "os.environ", "http://", "https://")):
            yield f"hard-coded value for {name}", text.count("\n", 0, match.start()) + 1


def _gitignored_names(root: Path) -> set[str]:
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        return set()
    names: set[str] = set()
    for line in gitignore.read_text(encoding="utf-8").splitlines():
        entry = line.strip().lstrip("/")
        if entry in (".env", ".env*", ".env.*", "*.env"):
            names.update({".env", *(f".env.{s}" for s in ("local", "production", "development"))})
        elif entry and not entry.startswith("#"):
            names.add(entry)
    return names


# ---------------------------------------------------------------- TypeScript (Express + Drizzle)


@dataclass
class _TsFile:
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
    directory: Path = field(init=False)

    def __post_init__(self) -> None:
        self.directory = self.path.parent

    @property
    def tokens(self) -> tuple[Token, ...]:
        return self.module.tokens

    @property
    def calls(self) -> tuple[tsscan.Call, ...]:
        return self.module.calls

    def calls_within(self, start: int, end: int) -> tuple[tsscan.Call, ...]:
        """Calls that begin strictly between the token indices `start` and `end`."""
        starts = self.module.call_starts
        return self.calls[bisect.bisect_right(starts, start):bisect.bisect_left(starts, end)]


@dataclass
class _Mount:
    prefix: str
    guards: list[str]


@dataclass(frozen=True)
class _Span:
    """Tokens `start..end` of one module: a route's handler or a function it reaches."""

    ts: _TsFile
    start: int
    end: int


@dataclass
class _Reached:
    """A span a handler reaches: its calls and the project functions it leads to."""

    span: _Span
    calls: list[tsscan.Call]
    targets: list[_Span] = field(default_factory=list)
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
class _Hook:
    """A Fastify hook (`app.addHook(phase, handler)`) or a route's own hook option."""

    phase: str
    name: str | None
    calls: set[str]


@dataclass
class _Level:
    """A Fastify encapsulation context: its URL prefix and the hooks its routes run."""

    prefix: str
    hooks: list[_Hook]
    root: bool = False


class _TypeScriptReader:
    def __init__(self, root: Path, facts: ProjectFacts) -> None:
        self.root = root
        self.facts = facts
        self.files: dict[Path, _TsFile] = {}
        self.encrypted_types: set[str] = set()
        # (file, router name) -> mounts under which the router is served.
        self.mounts: dict[tuple[Path, str], list[_Mount]] = {}
        # (file, variable) -> table name, for `export const patientTable = pgTable("patients")`.
        self.table_vars: dict[tuple[Path, str], str] = {}
        self.tables_in: dict[Path, set[str]] = {}  # the tables of `table_vars`, by file
        self._resolved: dict[tuple[Path, str], Path | None] = {}
        self.texts: dict[Path, str] = {}
        # Modules read only because a handler reaches them (not scanned for app-wide facts).
        self.loaded: dict[Path, _TsFile] = {}
        self._definitions: dict[tuple[int, str], tuple[_TsFile, tsscan.Definition] | None] = {}
        # Keyed by the module object's id: every module is one object for the whole read.
        self._spans: dict[tuple[int, int, int, bool], _Reached] = {}
        self._shapes: dict[tuple[int, int, int], _Shape] = {}
        self._known: set[str] = set()  # the paths of `texts`, for resolving imports
        self.path_aliases = _path_aliases(root)

    def read(self, texts: dict[Path, str]) -> None:
        self.texts = texts
        self._known = {str(path) for path in texts}
        for path, text in texts.items():
            # Only server-side modules can hold what the checks read; skipping the rest (pages,
            # components, generated documents such as openapi.ts) keeps a whole-project scan
            # fast. A file is skipped only when it names none of the APIs the checks look for.
            if any(marker in text for marker in TS_MARKERS):
                self.files[path] = self._prepare(path, tsscan.parse(text))
        for ts in self.files.values():
            self._custom_types(ts)
        for ts in self.files.values():
            self._schema(ts)
            self._app_level(ts)
            self._security_settings(ts)
        for ts in self.files.values():
            self._routes(ts)
            self._encrypted_writes(ts)
        _FastifyReader(self).read()
        _NextReader(self).read()

    def _prepare(self, path: Path, module: tsscan.Module) -> _TsFile:
        ts = _TsFile(rel=_rel(self.root, path), path=path, module=module)
        tokens = module.tokens
        for i in module.positions("import"):
            self._import(ts, i)
        for i in module.positions("export"):
            if i + 1 < len(tokens) and tokens[i + 1].value in ("{", "*"):
                self._import(ts, i, reexport=True)
        for i in module.positions("express", "Router"):
            if i + 1 < len(tokens) and tokens[i + 1].value == "(":
                name = _assigned_name(tokens, i - (2 if tokens[i - 1].value == "." else 0))
                if name:
                    (ts.apps if tokens[i].value == "express" else ts.routers).add(name)
        return ts

    def _import(self, ts: _TsFile, index: int, reexport: bool = False) -> None:
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

    def _custom_types(self, ts: _TsFile) -> None:
        for call in ts.module.calls_named("customType"):
            name = _assigned_name(ts.tokens, call.start - 1 - _generic_span(ts.tokens,
                                                                             call.start))
            body = ts.tokens[call.start:call.end]
            encrypts = any(t.kind == "ident" and ENCRYPTED_NAME.search(t.value) for t in body)
            if name and (encrypts or ENCRYPTED_NAME.search(name)):
                self.encrypted_types.add(name)

    def _schema(self, ts: _TsFile) -> None:
        for call in ts.module.calls_named("pgTable", "sqliteTable", "mysqlTable"):
            if len(call.args) < 2:
                continue
            table = tsscan.first_string(call.args[0]) or "?"
            var = _assigned_name(ts.tokens, call.start - 1)
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

    def _app_level(self, ts: _TsFile) -> None:
        for call in ts.module.calls_named("use"):
            owner = call.callee.rpartition(".")[0]
            if owner not in ts.apps | ts.routers:
                continue
            args = call.args
            prefix = tsscan.first_string(args[0]) if args and args[0][0].kind == "string" \
                else ""
            handlers = args[1:] if prefix else args
            names = [_handler_name(a) for a in handlers]
            last = handlers[-1] if handlers else []
            routers = self._router_refs(ts, last)
            if routers:
                for router in routers:
                    self.mounts.setdefault(router, []).append(
                        _Mount(prefix=prefix or "", guards=[n for n in names[:-1] if n]))
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

    def _router_refs(self, ts: _TsFile, arg: Sequence[Token]) -> list[tuple[Path, str]]:
        """Routers an argument of `use` mounts (a router, an imported one, or a factory call).

        For a factory call such as `patientRouter(db)`, every router its module creates.
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
            return []
        routers = self.files[target].routers
        if name in routers and not factory:
            return [(target, name)]
        return [(target, router) for router in sorted(routers)]

    def _security_settings(self, ts: _TsFile) -> None:
        tokens = ts.tokens
        module = ts.module
        # Only these names and string literals can matter below; keys may be quoted.
        wanted = sorted({*module.positions("secure", "protocol", "expiresIn", "ssl"),
                         *module.strings})
        for i in wanted:
            token = tokens[i]
            if token.kind == "string" and token.value.lower() == "strict-transport-security":
                self.facts.https.append(Located("Strict-Transport-Security", ts.rel, token.line))
            if token.kind == "ident" and token.value in ("secure", "protocol") and i >= 2 and \
                    tokens[i - 1].value == "." and tokens[i - 2].value == "req" and \
                    _near_redirect(tokens, i):
                self.facts.https.append(Located("redirect to https", ts.rel, token.line))
            if token.value == "expiresIn" and i + 2 < len(tokens) and tokens[i + 1].value == ":":
                self._expiry(ts, tokens[i + 2])
            if token.value == "ssl" and i + 2 < len(tokens) and tokens[i + 1].value == ":":
                on = tokens[i + 2].value not in ("false", "undefined", "null")
                self.facts.db_tls.append((on, Located("ssl", ts.rel, token.line)))
            if token.kind == "string" and re.search(r"sslmode=(require|verify-ca|verify-full)",
                                                    token.value):
                self.facts.db_tls.append((True, Located("sslmode", ts.rel, token.line)))
        for name in [n for n in module.by_name if n.endswith("setExpirationTime")]:
            for call in module.by_name[name]:
                if call.args:
                    self._expiry(ts, call.args[0][0])

    def _expiry(self, ts: _TsFile, token: Token) -> None:
        raw: str | int = int(token.value) if token.kind == "number" and \
            token.value.isdigit() else token.value
        seconds = duration_seconds(raw) if token.kind in ("string", "number") else \
            _constant_seconds(ts.tokens, token.value)
        if seconds is not None:
            self.facts.token_expiry_seconds.append(
                (seconds, Located(str(token.value), ts.rel, token.line)))

    def _routes(self, ts: _TsFile) -> None:
        for call in ts.module.calls_named(*sorted(HTTP_METHODS)):
            owner, _sep, method = call.callee.rpartition(".")
            if owner not in ts.apps | ts.routers or not call.args or \
                    call.args[0][0].kind != "string":
                continue
            path = call.args[0][0].value
            handlers = call.args[1:]
            guards = [n for n in (_handler_name(a) for a in handlers[:-1]) if n]
            guards = [g for start, g in ts.router_guards.get(owner, []) if start < call.start] \
                + guards
            shape = self.handler_shape([_Span(ts, call.start + 1, call.end)])
            routes = self._mounted(ts, owner, path)
            for full_path, mount_guards in routes:
                route = Route(method=method.upper(), path=full_path, file=ts.rel,
                              line=call.line, guards=mount_guards + guards)
                shape.apply(route)
                self.facts.routes.append(route)

    def _encrypted_writes(self, ts: _TsFile) -> None:
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

    # ------------------------------------------------ following what a handler calls

    def file(self, path: Path) -> _TsFile | None:
        """The module at `path`, read on first use when the marker scan skipped it."""
        ts = self.files.get(path) or self.loaded.get(path)
        if ts is None and path in self.texts:
            ts = self.loaded[path] = self._prepare(path, tsscan.parse(self.texts[path]))
        return ts

    def definition(self, ts: _TsFile, name: str) -> tuple[_TsFile, tsscan.Definition] | None:
        """Where `name` (`f`, or `ns.f` over a namespace import) is declared in the project."""
        key = (id(ts), name)
        if key not in self._definitions:
            self._definitions[key] = None  # a cycle of re-exports ends here
            self._definitions[key] = self._find_definition(ts, name)
        return self._definitions[key]

    def _find_definition(self, ts: _TsFile, name: str) -> tuple[_TsFile, tsscan.Definition] | None:
        head, _sep, member = name.partition(".")
        if member:
            target = ts.imports.get(head) if head in ts.namespaces else None
            other = self.file(target) if target is not None and "." not in member else None
            return self.definition(other, member) if other is not None else None
        local = ts.module.definitions.get(name)
        if local is not None:
            return ts, local
        target = ts.imports.get(name) or ts.reexports.get(name)
        for path in [target] if target is not None else ts.star_exports:
            other = self.file(path)
            found = self.definition(other, ts.aliases.get(name, name)) if other else None
            if found is not None:
                return found
        return None

    def reach(self, entries: list[_Span], dispatch: _Dispatch | None = None) -> list[_Reached]:
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

    def _static(self, span: _Span, dispatch: _Dispatch) -> list[_Reached] | None:
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

    def _reached(self, span: _Span, dispatch: _Dispatch | None) -> _Reached:
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

    def _targets(self, ts: _TsFile, names: Sequence[str]) -> list[_Span]:
        """The declarations of the project that `names` (used in `ts`) refer to."""
        targets: list[_Span] = []
        local = ts.module.definitions
        for name in names:
            head, dot, _member = name.partition(".")
            if (head not in ts.namespaces) if dot else \
                    (head not in local and head not in ts.imports and head not in ts.reexports):
                continue  # `res.json`, `db.select`: nothing of the project's (a quick test)
            found = self.definition(ts, name)
            if found is not None:
                targets.append(_Span(found[0], found[1].value, found[1].end))
        return targets

    def handler_shape(self, entries: list[_Span], dispatch: _Dispatch | None = None) -> _Shape:
        """What a route's handler calls and returns, following it into the project's code."""
        if dispatch is None and len(entries) == 1:
            return self._followed(entries[0])
        reached = self.reach(entries, dispatch)
        shape = _Shape(reached=reached)
        for item in reached:
            shape.calls.update(c.callee for c in item.calls)
            shape.called.extend(item.called)
        for item in reached:  # the first code that reads the table decides the projection
            projection, fields, excluded = item.projection()
            if projection != "unknown":
                shape.projection, shape.fields, shape.excluded = projection, fields, excluded
                break
        return shape

    def _followed(self, span: _Span) -> _Shape:
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
        shape = self._shapes[key] = _Shape(calls=set(callees))
        shape.projection, shape.fields, shape.excluded = _span_projection(
            module, span.start, span.end, calls)
        for target in self._targets(span.ts, callees):
            inner = self._followed(target)  # a recursive call meets this shape: no loop
            shape.calls |= inner.calls
            if shape.projection == "unknown":
                shape.projection, shape.fields, shape.excluded = \
                    inner.projection, inner.fields, inner.excluded
        return shape

    def _mounted(self, ts: _TsFile, owner: str, path: str) -> list[tuple[str, list[str]]]:
        if owner in ts.apps:
            return [(path, [])]
        out: list[tuple[str, list[str]]] = []
        for mount in self.mounts.get((ts.path, owner), []):
            out.append((_join(mount.prefix, path), list(mount.guards)))
        return out or [(path, [])]


def _join(prefix: str, path: str) -> str:
    joined = "/" + "/".join(p for p in (prefix.strip("/"), path.strip("/")) if p)
    return joined


def _generic_span(tokens: Sequence[Token], paren: int) -> int:
    if paren and tokens[paren - 1].value == ">":
        depth, j = 0, paren - 1
        while j > 0:
            depth += tokens[j].value == ">"
            depth -= tokens[j].value == "<"
            if depth == 0:
                return paren - j
            j -= 1
    return 0


def _assigned_name(tokens: Sequence[Token], index: int) -> str | None:
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


def _handler_name(arg: Sequence[Token]) -> str | None:
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


def _dotted_prefix(tokens: Sequence[Token]) -> str:
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


def _near_redirect(tokens: Sequence[Token], index: int) -> bool:
    window = tokens[index:index + 40]
    return any(t.value == "redirect" for t in window) and \
        any(t.kind == "string" and "https" in t.value for t in window)


def _constant_seconds(tokens: Sequence[Token], name: str) -> int | None:
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
class _Shape:
    """What a route's handler does, read by following it (see `handler_shape`)."""

    calls: set[str] = field(default_factory=set)
    called: list[str] = field(default_factory=list)  # calls of project functions, in order
    projection: str = "unknown"
    fields: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    reached: list[_Reached] = field(default_factory=list)

    def apply(self, route: Route) -> None:
        route.calls = set(self.calls)
        route.projection, route.fields = self.projection, list(self.fields)
        route.excluded = list(self.excluded)


def _inside(index: int, ranges: Sequence[tuple[int, int]]) -> bool:
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


def _references(span: _Span, skip: Sequence[tuple[int, int]]) -> list[str]:
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


# ---------------------------------------------------------------- Fastify


class _FastifyReader:
    """Routes and hooks of Fastify apps.

    The app is `Fastify(...)`; a plugin registered with `register(plugin, { prefix })` serves
    its routes under the prefix and runs the hooks (`addHook`) of every context it is in; a
    function given the instance (`registerSecurity(app)`) and a `fastify-plugin`-wrapped plugin
    add to the context they are given. Hooks of the app itself are app-wide middleware.
    """

    def __init__(self, reader: _TypeScriptReader) -> None:
        self.reader = reader
        self.facts = reader.facts

    def read(self) -> None:
        for ts in list(self.reader.files.values()):
            for call in ts.module.calls_named("Fastify", "fastify"):
                name = _assigned_name(ts.tokens, call.start - 1)
                if call.callee not in ("Fastify", "fastify") or not name:
                    continue
                self.facts.stack = "fastify"
                self._logger(ts, call)
                scope = next((fn for fn in reversed(ts.module.functions)
                              if fn.body < call.start <= fn.end), None)
                start, end = (scope.body, scope.end) if scope else (0, len(ts.tokens) - 1)
                self._level(_Level(prefix="", hooks=[], root=True), [(ts, start, end, name)])

    def _logger(self, ts: _TsFile, call: tsscan.Call) -> None:
        """Fastify's own logger logs every request unless turned off."""
        options = tsscan.object_entries(call.args[0]) if call.args else {}
        logger = options.get("logger")
        quiet = options.get("disableRequestLogging")
        if logger and logger[0].value not in ("false", "undefined", "null") and \
                not (quiet and quiet[0].value == "true"):
            self.facts.request_logging.append(Located("fastify logger", ts.rel, call.line))

    def _level(self, level: _Level, bodies: list[tuple[_TsFile, int, int, str]]) -> None:
        children: list[tuple[str, list[tuple[_TsFile, int, int, str]]]] = []
        routes: list[tuple[_TsFile, tsscan.Call, str]] = []
        seen: set[tuple[Path, int]] = set()
        while bodies:
            ts, start, end, name = bodies.pop(0)
            if (ts.path, start) in seen or not name:
                continue
            seen.add((ts.path, start))
            shadows = [(fn.start, fn.end) for fn in ts.module.functions
                       if start < fn.start and fn.end <= end and name in fn.params]
            for call in ts.calls_within(start - 1, end + 1):
                if _inside(call.start, shadows):
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
            self._level(_Level(prefix=prefix, hooks=list(level.hooks)), child)

    def _given_instance(self, ts: _TsFile, call: tsscan.Call,
                        name: str) -> list[tuple[_TsFile, int, int, str]]:
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

    def _handler(self, ts: _TsFile, first: int, last: int) -> tuple[str | None, set[str]]:
        """The name of a hook or plugin argument and what it calls (one level deep)."""
        tokens = ts.tokens[first:last + 1]
        name = _handler_name(tokens)
        fn = tsscan.function_at(ts.module, first, last + 1)
        if fn is not None:
            return None, {c.callee for c in ts.calls_within(fn.body - 1, fn.end + 1)}
        found = self.reader.definition(ts, name) if name else None
        if found is None:
            return name, set()
        other, definition = found
        return name, {c.callee for c in other.calls_within(definition.value - 1,
                                                           definition.end + 1)}

    def _hook(self, level: _Level, ts: _TsFile, call: tsscan.Call) -> None:
        ranges = call.arg_ranges()
        phase = tsscan.first_string(call.args[0]) if ranges else None
        if phase is None or len(ranges) < 2:
            return
        name, calls = self._handler(ts, *ranges[1])
        level.hooks.append(_Hook(phase, name, calls))
        if level.root and phase in REQUEST_HOOKS:
            self._app_wide(name or f"{phase} hook", calls, ts.rel, call.line)

    def _app_wide(self, name: str, calls: set[str], rel: str, line: int) -> None:
        self.facts.middleware.append(Located(name, rel, line))
        if HTTPS_MIDDLEWARE.search(name) or "helmet" in name.lower():
            self.facts.https.append(Located(name, rel, line))
        logs = LOGGING_MIDDLEWARE.search(name) and not NOT_LOGGING.search(name)
        if logs or any(LOG_CALL.search(c) for c in calls):
            self.facts.request_logging.append(Located(name, rel, line))

    def _register(self, level: _Level, ts: _TsFile, call: tsscan.Call,
                  same: list[tuple[_TsFile, int, int, str]],
                  children: list[tuple[str, list[tuple[_TsFile, int, int, str]]]]) -> None:
        ranges = call.arg_ranges()
        if not ranges:
            return
        options = tsscan.object_entries(call.args[1]) if len(ranges) > 1 else {}
        prefix = tsscan.first_string(options.get("prefix", [])) or ""
        plugin = self._plugin(ts, *ranges[0])
        if plugin is None:  # a package's plugin (helmet, a logger): app-wide when on the app
            if level.root:
                name = _handler_name(call.args[0])
                if name:
                    self._app_wide(name, set(), ts.rel, call.line)
            return
        body, wrapped = plugin
        if wrapped:  # fastify-plugin: no encapsulation, the hooks are the parent's
            same.append(body)
        else:
            children.append((_join(level.prefix, prefix) if prefix else level.prefix, [body]))

    def _plugin(self, ts: _TsFile, first: int,
                last: int) -> tuple[tuple[_TsFile, int, int, str], bool] | None:
        """The plugin function an argument of `register` is: inline, a name, a factory call."""
        tokens = ts.tokens
        fn = tsscan.function_at(ts.module, first, last + 1)
        if fn is not None:
            return (ts, fn.body, fn.end, fn.params[0] if fn.params else ""), False
        callee = _dotted_prefix(tokens[first:last + 1])
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

    def _route(self, level: _Level, ts: _TsFile, call: tsscan.Call, method: str) -> None:
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
        shape = self.reader.handler_shape([_Span(ts, call.start + 1, call.end)])
        for name in methods:
            route = Route(method=name.upper(), path=_join(level.prefix, path), file=ts.rel,
                          line=call.line, guards=list(guards))
            shape.apply(route)
            route.calls |= {c for h in hooks for c in h.calls}
            self.facts.routes.append(route)

    def _route_hooks(self, options: dict[str, Sequence[Token]]) -> list[_Hook]:
        hooks: list[_Hook] = []
        for phase in GUARD_HOOKS & options.keys():
            value = list(options[phase])
            items = tsscan.split_top(value[1:-1]) if value and value[0].value == "[" \
                else [value]
            for item in items:
                if tsscan.is_function(item):
                    called = {tsscan.dotted_before(item, k) for k, t in enumerate(item)
                              if t.value == "(" and k and item[k - 1].kind == "ident"}
                    hooks.append(_Hook(phase, None, called - {""}))
                else:
                    hooks.append(_Hook(phase, _handler_name(item), set()))
        return hooks


# ---------------------------------------------------------------- Next.js (App Router)


class _Dispatch:
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

    def serving(self, method: str, path: str) -> _Dispatch:
        """This dispatch narrowed to one route."""
        self.method, self.path = method, path
        self.own = _route_pieces(method, path)
        return self

    def excluded(self, span: _Span) -> list[tuple[int, int]]:
        """Token ranges of `span` that serve other routes than the current one."""
        return [(start, end) for start, end, keys, either in self.keyed_in(span)
                if not self._matches(keys, either)]

    def keyed_in(self, span: _Span) -> list[tuple[int, int, frozenset[str], bool]]:
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

    def _keyed(self, ts: _TsFile) -> list[tuple[int, int, frozenset[str], bool]]:
        regions = self._regions.get(ts.path)
        if regions is None:
            regions = self._regions[ts.path] = sorted(
                r for r in [*self._conditions(ts), *self._entries(ts)] if _leads(ts, r[0], r[1]))
            self._starts[ts.path] = [r[0] for r in regions]
        return regions

    def _conditions(self, ts: _TsFile) -> Iterator[tuple[int, int, frozenset[str], bool]]:
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

    def _entries(self, ts: _TsFile) -> Iterator[tuple[int, int, frozenset[str], bool]]:
        tokens = ts.tokens
        candidates = sorted({*ts.module.strings, *ts.module.positions(*self.pieces)})
        for j in candidates:
            if 0 < j < len(tokens) - 2 and tokens[j].value in self.pieces and \
                    tokens[j + 1].value == ":" and tokens[j - 1].value in ("{", ","):
                yield j, tsscan.expression_end(ts.module, j + 2), frozenset({tokens[j].value}), \
                    False


def _leads(ts: _TsFile, start: int, end: int) -> bool:
    """Whether tokens `start..end` call or name anything.

    A branch that does not (`return { headers: {} }`) changes nothing a route reaches.
    """
    if ts.module.calls_between(start, end)[0]:
        return True
    names = ts.module.definitions.keys() | ts.imports.keys()
    return any(t.kind == "ident" and t.value in names for t in ts.tokens[start:end + 1])


def _route_pieces(method: str, path: str) -> frozenset[str]:
    segments = [s for s in path.split("/") if s and not s.startswith(":")]
    return frozenset({method, path, *segments})


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


# ---------------------------------------------------------------- Python (FastAPI + SQLAlchemy)


class _PythonReader:
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
        for path, text in texts.items():
            try:
                self.modules[_rel(self.root, path)] = (path, ast.parse(text))
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
                        method=decorator.func.attr.upper(), path=_join(prefix, str(path)),
                        file=rel, line=decorator.lineno, guards=mount_guards + guards,
                        calls=called, projection=projection, fields=fields))

    def _mounts(self, stem: str, owner: str) -> list[tuple[str, list[str]]]:
        prefix, guards = self.router_info.get((stem, owner), ("", []))
        includes = self.includes.get((stem, owner)) or [("", [])]
        return [(_join(p, prefix), g + guards) for p, g in includes]

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
