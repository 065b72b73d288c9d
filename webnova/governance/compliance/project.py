"""Facts about a generated project tree, read structurally from schema, routes and config.

The compliance checks read these facts (parsed from schema, route, middleware and configuration
files), never raw text.

Two layouts are understood:

* TypeScript: Express (`express()`, `Router()`, `app.use(...)`, `router.get(...)`) with Drizzle
  schemas (`pgTable("name", {...})`, custom column types from `customType`), JWT expiry from
  `jwt.sign(..., {expiresIn})` / `setExpirationTime(...)`, database TLS from `ssl` options.
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
from typing import Final

import yaml

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.tsscan import Token

TS_MARKERS: Final = ("express", "Router(", "pgTable", "sqliteTable", "mysqlTable", "customType",
                     "expiresIn", "setExpirationTime", "ssl", "ransport-Security", "ncrypt")
SKIP_DIRS: Final = frozenset({"node_modules", ".git", "dist", "build", ".venv", "venv",
                              "__pycache__", ".next", "coverage", ".turbo"})
TS_SUFFIXES: Final = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx")
MAX_FILE_BYTES: Final = 2_000_000
HTTP_METHODS: Final = frozenset({"get", "post", "put", "patch", "delete"})
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
    elif facts.routes:
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

    def read(self, texts: dict[Path, str]) -> None:
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

    def _prepare(self, path: Path, module: tsscan.Module) -> _TsFile:
        ts = _TsFile(rel=_rel(self.root, path), path=path, module=module)
        tokens = module.tokens
        for i in module.positions("import"):
            self._import(ts, i)
        for i in module.positions("express", "Router"):
            if i + 1 < len(tokens) and tokens[i + 1].value == "(":
                name = _assigned_name(tokens, i - (2 if tokens[i - 1].value == "." else 0))
                if name:
                    (ts.apps if tokens[i].value == "express" else ts.routers).add(name)
        return ts

    def _import(self, ts: _TsFile, index: int) -> None:
        tokens = ts.tokens
        end = next((j for j in range(index, min(index + 200, len(tokens)))
                    if tokens[j].value == "from"), None)
        if end is None or end + 1 >= len(tokens) or tokens[end + 1].kind != "string":
            return
        target = self._resolve(ts.directory, tokens[end + 1].value)
        if target is None:
            return
        names = [t.value for t in tokens[index + 1:end] if t.kind == "ident"
                 and t.value not in ("type", "as", "import")]
        for j in range(index + 1, end):
            if tokens[j].value == "as" and j + 1 < end:
                names.append(tokens[j + 1].value)
        for name in names:
            ts.imports[name] = target

    def _resolve(self, directory: Path, spec: str) -> Path | None:
        if not spec.startswith("."):
            return None
        key = (directory, spec)
        if key not in self._resolved:
            # Normalised, not resolved: the reader's files are keyed by their path under root.
            base = Path(os.path.normpath(directory / spec))
            stem = base.with_suffix("") if base.suffix in TS_SUFFIXES else base
            candidates = [*(stem.with_suffix(s) for s in TS_SUFFIXES),
                          *(stem / f"index{s}" for s in TS_SUFFIXES)]
            self._resolved[key] = next((c for c in candidates if c.is_file()), None)
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
            inner = list(ts.calls_within(call.start, call.end))
            routes = self._mounted(ts, owner, path)
            for full_path, mount_guards in routes:
                route = Route(method=method.upper(), path=full_path, file=ts.rel,
                              line=call.line, guards=mount_guards + guards,
                              calls={c.callee for c in inner})
                route.projection, route.fields = _ts_projection(inner)
                if route.projection == "all":
                    route.excluded = _mapper_exclusions(ts.module, inner)
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
