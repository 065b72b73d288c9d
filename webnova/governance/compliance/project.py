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
    `app.get(...)` / `app.route({...})` (see `FastifyReader`);
  - Next.js App Router: routes are the `app/**/route.ts` files, their URL the folders and their
    methods the exported `GET`/`POST`/... handlers (see `NextReader`);
  and a GraphQL schema an Express app mounts (`app.all('/graphql', guard, handler)`) serves each
  root field as a route under the mount (see `GraphQLReader`). An app that mounts routers serves
  only those: a router it never mounts is dead code, not routes.
  What a route runs is followed into the project's functions it calls (services, helpers), so
  a thin handler over a shared module is read like one that does the work itself.
* Python: FastAPI (`FastAPI()`, `APIRouter(prefix, dependencies)`, route decorators,
  `Depends(...)`, `include_router`, `add_middleware`, `@app.middleware("http")`) with SQLAlchemy
  models (`__tablename__`, `mapped_column(Type)` / `Column(Type)`, `TypeDecorator` subclasses).

Configuration: package.json / pyproject.toml / requirements.txt dependencies, fly.toml,
render.yaml and vercel.json regions, `.gitignore`, and every text file for committed secrets.

This module holds the entry points (`read_project`, `clear_caches`); the readers live beside it:
`facts` (the model the checks read), `config` and `secretscan` (configuration files, secrets),
`tsfollow` (TypeScript modules, imports and the following of handlers), `ts_express` (Express and
Drizzle), `ts_graphql` (GraphQL served by Express: root fields as routes), `ts_fastify`,
`ts_next` and `py_fastapi`.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from webnova.governance.compliance import tsscan
from webnova.governance.compliance.config import read_config
from webnova.governance.compliance.facts import (
    TS_SUFFIXES,
    Column,
    Located,
    ProjectFacts,
    Route,
    duration_seconds,
    rel_path,
)
from webnova.governance.compliance.py_fastapi import PythonReader
from webnova.governance.compliance.secretscan import clear_secrets_cache, scan_secrets
from webnova.governance.compliance.ts_express import TypeScriptReader
from webnova.governance.compliance.ts_fastify import FastifyReader
from webnova.governance.compliance.ts_graphql import GraphQLReader
from webnova.governance.compliance.ts_next import NextReader, next_route_path

__all__ = ["Column", "Located", "ProjectFacts", "Route", "clear_caches", "duration_seconds",
           "next_route_path", "read_project"]


SKIP_DIRS: Final = frozenset({"node_modules", ".git", "dist", "build", ".venv", "venv",
                              "__pycache__", ".next", "coverage", ".turbo"})
MAX_FILE_BYTES: Final = 2_000_000


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
                    _to_oldest_generation()
                    gc.enable()


def _to_oldest_generation() -> None:
    """Move every tracked object into the oldest generation, without walking them.

    What a read leaves behind is the parse cache (long-lived by design); left in the youngest
    generation, the first allocation after the pause would walk all of it (measured: a tenth
    of a cold evaluation), and again when it ages. `freeze` + `unfreeze` moves it in O(1).
    Skipped when the process froze objects itself (a pre-fork server): those stay frozen.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


_collector_paused = _CollectorPause()


def _read_project(root: Path) -> ProjectFacts:
    files = list(_files(root))
    texts = {f: t for f in files if (t := _text(f)) is not None}  # each file read once
    keys = {path: tsscan.content_key(text) for path, text in texts.items()}  # hashed once
    key = _tree_key(root, files, keys)
    with _trees_lock:
        known = _trees.get(key)
        if known is not None:
            _trees.move_to_end(key)
            return known.copy()
    facts = _read_tree(root, files, texts, keys)
    with _trees_lock:
        _trees[key] = facts.copy()
        while len(_trees) > _TREES_KEPT:
            _trees.popitem(last=False)
    return facts


# The facts of the trees read last, by everything they depend on: the root, and each file's
# path and content (size and mtime for files that are not text). A deploy review or a report of
# the tree the code review just read is then answered without following a handler again; any
# edit, added or removed file makes a new key. Copies go in and out: callers may change theirs.
_TREES_KEPT: Final = 8
_trees: OrderedDict[tuple[str, bytes], ProjectFacts] = OrderedDict()
_trees_lock = threading.Lock()


def _tree_key(root: Path, files: list[Path], keys: dict[Path, bytes]) -> tuple[str, bytes]:
    digest = hashlib.blake2b(digest_size=20)
    for path in files:
        digest.update(rel_path(root, path).encode("utf-8", "surrogatepass") + b"\0")
        content = keys.get(path)
        if content is not None:
            digest.update(content)
        else:
            with contextlib.suppress(OSError):
                info = path.stat()
                digest.update(f"{info.st_size}:{info.st_mtime_ns}".encode())
        digest.update(b"\0\0")
    return str(root), digest.digest()


def _read_tree(root: Path, files: list[Path], texts: dict[Path, str],
               keys: dict[Path, bytes]) -> ProjectFacts:
    facts = ProjectFacts(root=root)
    facts.files_scanned = len(files)
    read_config(root, facts)
    ts_texts = {f: t for f, t in texts.items()
                if f.suffix in TS_SUFFIXES and not f.name.endswith(".d.ts")}
    py_files = [f for f in texts if f.suffix == ".py"]
    if ts_texts:
        reader = TypeScriptReader(root, facts)
        reader.read(ts_texts, keys)
        GraphQLReader(reader).read()
        FastifyReader(reader).read()
        NextReader(reader).read()
    if py_files:
        PythonReader(root, facts).read({f: texts[f] for f in py_files})
    scan_secrets(root, files, texts, facts, keys)
    if any(r.file.endswith(".py") for r in facts.routes):
        facts.stack = "fastapi"
    elif facts.stack == "unknown" and facts.routes:
        facts.stack = "express"
    return facts


_TEST_DIRS: Final = frozenset({"test", "tests"})


def clear_caches() -> None:
    """Forget every cached tree, tokenisation and secret scan (benchmarks measure a cold start)."""
    tsscan.clear_cache()
    clear_secrets_cache()
    with _trees_lock:
        _trees.clear()


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


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None
