"""Acceptance matrix: every generatable template, with its default preset, is generated, installed,
type-checked, built, passes its own tests, starts, answers /health and serves a CRUD round trip
over HTTP (on the real local PostgreSQL where the stack stores data), and stops.

Besides each template's default preset, the matrix covers the FastAPI and Fastify backends (the
api-only preset on FastAPI, in a virtualenv per project, and on Fastify) and the clinic under every
compliance pack on Express, Fastify (with the Vue frontend), Next.js and FastAPI (their own test
suites then exercise HTTPS, access logs, the PHI audit trail and GDPR export/erasure), the api-only
preset with a GraphQL API, whose round trip goes over /graphql, and multi-tenant projects on every
backend that builds them: api-only on Express and Fastify, saas-starter with React + Express and
Vue + Fastify, and Next.js (their own tests then pit two organisations against each other).
Every REST backend is also fuzzed with schemathesis against its served OpenAPI document: no 5xx,
and every documented response matches its schema (GraphQL projects serve no OpenAPI document; the
table says so).

Templates the generator cannot render yet are listed as such, not silently skipped. One npm cache
(and pip cache) is shared by all projects (`<WEBNOVA_HOME>/npm-cache`) so the matrix fits in CI
time. A table of seconds per phase is printed at the end (`pytest -m slow -s` shows it).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.acceptance.conftest import ARTIFACTS
from tests.unit.governance_trees import compliant_data
from webnova.core import db
from webnova.generator.blueprint import Blueprint
from webnova.generator.catalog import load_catalog
from webnova.generator.context import build_context
from webnova.generator.generate import generate_project
from webnova.generator.render import make_environment
from webnova.generator.toolchain import PHASES, run_phase, start_server, stop_server
from webnova.settings import load_settings

pytestmark = pytest.mark.slow

CATALOG = load_catalog()
GENERATABLE = [t.id for t in CATALOG.templates if t.generatable]
NOT_YET = [t.id for t in CATALOG.templates if not t.generatable]
TIMINGS: dict[str, dict[str, str]] = {}
SCHEMATHESIS_EXAMPLES = 20
# A fixed seed keeps CI reproducible (a failure names its seed and replays). Random seeds found
# the datetime-year and members-schema bugs; change the seed now and then to explore further.
SCHEMATHESIS_SEED = 20261126


def _preset(template_id: str) -> Blueprint:
    entry = CATALOG.get(template_id)
    assert entry is not None
    return entry.blueprint()


def _on_fastapi(data: dict[str, Any]) -> Blueprint:
    data["stack"].update(frontend="none", backend="fastapi", language="python")
    data.update(template="api-only", pages=[])
    return Blueprint.model_validate(data)


def _on_fastify(data: dict[str, Any]) -> Blueprint:
    data["stack"]["backend"] = "fastify"
    return Blueprint.model_validate(data)


def _on_vue_fastify(data: dict[str, Any]) -> dict[str, Any]:
    data["stack"].update(frontend="vue", backend="fastify")
    return data


def _graphql(data: dict[str, Any]) -> Blueprint:
    data["stack"]["api"] = "graphql"
    return Blueprint.model_validate(data)


def _multi_tenant(data: dict[str, Any]) -> Blueprint:
    data["tenancy"] = {"mode": "multi"}
    return Blueprint.model_validate(data)


def _clinic(backend: str) -> Blueprint:
    data = compliant_data()
    if backend == "fastify":
        data["stack"].update(frontend="vue", backend="fastify")
        data["template"] = "vue-fastify"
        return Blueprint.model_validate(data)
    if backend == "nextjs":
        data["stack"].update(frontend="nextjs", backend="nextjs")
        data["template"] = "nextjs-fullstack"
        return Blueprint.model_validate(data)
    return _on_fastapi(data) if backend == "fastapi" else Blueprint.model_validate(data)


CASES: dict[str, Callable[[], Blueprint]] = {
    **{t: partial(_preset, t) for t in GENERATABLE},
    "api-only (fastapi)": lambda: _on_fastapi(_preset("api-only").model_dump(mode="json")),
    "api-only (fastify)": lambda: _on_fastify(_preset("api-only").model_dump(mode="json")),
    "clinic, every pack (express)": lambda: _clinic("express"),
    "clinic, every pack (fastapi)": lambda: _clinic("fastapi"),
    "clinic, every pack (vue + fastify)": lambda: _clinic("fastify"),
    "clinic, every pack (nextjs)": lambda: _clinic("nextjs"),
    "api-only (express, graphql)": lambda: _graphql(_preset("api-only").model_dump(mode="json")),
    "api-only (express, multi-tenant)": lambda: _multi_tenant(
        _preset("api-only").model_dump(mode="json")),
    "saas-starter (react + express, multi-tenant)": lambda: _multi_tenant(
        _preset("saas-starter").model_dump(mode="json")),
    "api-only (fastify, multi-tenant)": lambda: _multi_tenant(
        _on_fastify(_preset("api-only").model_dump(mode="json")).model_dump(mode="json")),
    "saas-starter (vue + fastify, multi-tenant)": lambda: _multi_tenant(
        _on_vue_fastify(_preset("saas-starter").model_dump(mode="json"))),
    "nextjs (multi-tenant)": lambda: _multi_tenant(
        _preset("nextjs-fullstack").model_dump(mode="json")),
}


@pytest.fixture(scope="module")
def npm_cache() -> Path:
    cache = load_settings().home / "npm-cache"
    cache.mkdir(parents=True, exist_ok=True)
    return cache


@pytest.fixture(scope="module")
def pg_owner_url() -> str | None:
    settings = load_settings()
    if settings.test_database_url is None:
        if settings.ci:
            pytest.fail("WEBNOVA_TEST_DATABASE_URL is required in CI")
        return None
    return settings.test_database_url.get_secret_value()


@pytest.fixture(scope="module", autouse=True)
def _print_table() -> Iterator[None]:
    yield
    phases = ["generate", *PHASES, "start", "crud", "schemathesis", "total"]
    lines = ["", "generated-project matrix (seconds per phase)",
             "| template | " + " | ".join(phases) + " | result |",
             "|---" * (len(phases) + 2) + "|"]
    for template, row in TIMINGS.items():
        cells = [row.get(p, "-") for p in phases]
        lines.append(f"| {template} | " + " | ".join(cells) + f" | {row.get('result', '-')} |")
    for template in NOT_YET:
        lines.append(f"| {template} | " + " | ".join("-" for _ in phases) +
                     " | not generatable yet |")
    print("\n".join(lines))
    # Kept beside the screenshots: CI's log does not show prints (no -s), the notes need it.
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "matrix.md").write_text("\n".join(lines).lstrip() + "\n", encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _http(method: str, url: str, body: object = None, token: str = "") -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            text = reply.read().decode()
            return reply.status, json.loads(text) if text.startswith(("{", "[")) else text
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_healthy(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if _http("GET", f"{base}/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{base}/health did not answer within {seconds} s")


def _sample(field: dict[str, Any], n: int) -> Any:
    limit = field["max_length"] or 40
    text = {"string": f"قيمة {n}", "text": f"نص عربي {n}", "email": f"user{n}@example.com",
            "url": f"https://example.com/{n}"}
    if field["type"] in text:
        value = text[field["type"]]
        return value if len(value) <= limit else str(n)[-limit:]
    return {"integer": n, "decimal": n + 0.25, "boolean": True, "date": "2024-03-01",
            "datetime": "2024-03-01T09:00:00.000Z", "uuid": str(uuid.uuid4()),
            "json": {"n": n}, "enum": (field["enum_values"] or ["x"])[0]}[field["type"]]


Send = Callable[[dict[str, Any], dict[str, Any]], int]


def _create(entity: dict[str, Any], by_snake: dict[str, Any], counter: list[int],
            send: Send) -> dict[str, Any]:
    """A record of `entity` (and the records it requires first); `send` stores one, gives its id."""
    counter[0] += 1
    body = {f["prop"]: _sample(f, counter[0]) for f in entity["fields"]}
    for fk in entity["foreign_keys"]:
        if fk["required"]:
            parent = _create(by_snake[fk["target"]], by_snake, counter, send)
            body[fk["prop"]] = parent["id"]
    return {"id": send(entity, body), "body": body}


def _rest_send(base: str, token: str) -> Send:
    def send(entity: dict[str, Any], body: dict[str, Any]) -> int:
        status, created = _http("POST", f"{base}/api/{entity['route']}", body, token)
        assert status == 201, (entity["route"], status, created)
        return int(created["id"])
    return send


def _sign_in(base: str, context: dict[str, Any], bp: Blueprint) -> str:
    if not context["auth"]:
        return ""
    account: dict[str, str] = {"email": "matrix@example.com", "password": "matrix password"}
    if bp.tenancy.mode == "multi":  # the first user of a new organisation founds it
        account["tenant"] = "matrix"
    status, reply = _http("POST", f"{base}/api/auth/register", account)
    assert status == 201, reply
    return str(reply["token"])


def _crud_round_trip(base: str, bp: Blueprint) -> str:
    """A CRUD round trip on the first entity; returns the bearer token used (or "")."""
    context = build_context(bp)
    assert _http("GET", f"{base}/")[0] == 200
    if not context["entities"]:
        return ""
    token = _sign_in(base, context, bp)
    if bp.stack.api == "graphql":
        _graphql_round_trip(base, token, context)
        return token
    by_snake = {e["snake"]: e for e in context["entities"]}
    entity = context["entities"][0]
    url = f"{base}/api/{entity['route']}"
    made = _create(entity, by_snake, [0], _rest_send(base, token))
    status, read = _http("GET", f"{url}/{made['id']}", token=token)
    assert status == 200 and all(read[k] == v for k, v in made["body"].items()
                                 if not isinstance(v, float)), read
    status, listed = _http("GET", f"{url}?page=1&pageSize=5", token=token)
    assert status == 200 and listed["total"] >= 1
    assert _http("PATCH", f"{url}/{made['id']}", {}, token)[0] == 200
    assert _http("DELETE", f"{url}/{made['id']}", token=token)[0] == 204
    assert _http("GET", f"{url}/{made['id']}", token=token)[0] == 404
    return token


def _gql(base: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The answer to one GraphQL operation over POST /graphql: its errors and data."""
    status, reply = _http("POST", f"{base}/graphql", {"query": query, "variables": variables},
                          token)
    assert status == 200 and isinstance(reply, dict), (status, reply)
    return reply


def _gql_data(base: str, token: str, query: str, variables: dict[str, Any]) -> Any:
    reply = _gql(base, token, query, variables)
    assert not reply.get("errors"), reply
    return reply["data"]


def _gql_names() -> Any:
    """The project's own GraphQL naming macros, so operations here match the served schema."""
    return make_environment().get_template("ts-express/_partials/graphql-names.j2").module


def _graphql_send(base: str, token: str, entities: list[dict[str, Any]]) -> Send:
    def send(entity: dict[str, Any], body: dict[str, Any]) -> int:
        kind, root = _gql_names().derived(entity, "Input", entities), f"create{entity['pascal']}"
        query = f"mutation ($input: {kind}!) {{ {root}(input: $input) {{ id }} }}"
        return int(_gql_data(base, token, query, {"input": body})[root]["id"])
    return send


def _graphql_round_trip(base: str, token: str, context: dict[str, Any]) -> None:
    """Create, read, update, list and delete the first entity over /graphql."""
    entities = context["entities"]
    entity, names = entities[0], _gql_names()
    one, pascal, many = entity["camel"], entity["pascal"], str(names.list_field(entity, entities))
    made = _create(entity, {e["snake"]: e for e in entities}, [0],
                   _graphql_send(base, token, entities))
    ident = {"id": made["id"]}
    get = f"query ($id: Int!) {{ {one}(id: $id) {{ id {' '.join(made['body'])} }} }}"
    read = _gql_data(base, token, get, ident)[one]
    assert all(read[k] == v for k, v in made["body"].items() if not isinstance(v, float)), read
    update = (f"mutation ($id: Int!, $input: {names.derived(entity, 'Patch', entities)}!) "
              f"{{ update{pascal}(id: $id, input: $input) {{ id }} }}")
    updated = _gql_data(base, token, update, {**ident, "input": {}})
    assert updated[f"update{pascal}"]["id"] == made["id"], updated
    page = f"{{ {many}(page: 1, pageSize: 5) {{ total items {{ id }} }} }}"
    assert _gql_data(base, token, page, {})[many]["total"] >= 1
    # Queries are also served over GET (mutations are not).
    status, fetched = _http("GET", f"{base}/graphql?query={urllib.parse.quote(page)}", token=token)
    assert status == 200 and fetched["data"][many]["total"] >= 1, fetched
    delete = f"mutation ($id: Int!) {{ delete{pascal}(id: $id) }}"
    assert _gql_data(base, token, delete, ident)[f"delete{pascal}"] is True
    gone = _gql(base, token, get, ident)
    assert gone["data"][one] is None, gone
    assert gone["errors"][0]["extensions"]["code"] == "not_found", gone
    assert _http("GET", f"{base}/openapi.json", token=token)[0] == 404


def _schemathesis(base: str, token: str, cwd: Path) -> tuple[bool, str]:
    """Fuzz every operation of the served OpenAPI document: no 5xx, responses match it."""
    program = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if program is None:
        if load_settings().ci:
            pytest.fail("schemathesis is a dev dependency of the matrix; pip install it")
        return True, "schemathesis not installed"
    command = [program, "run", f"{base}/openapi.json", "--no-color",
               "--checks", "not_a_server_error,response_schema_conformance",
               "--phases", "examples,coverage,fuzzing", "-n", str(SCHEMATHESIS_EXAMPLES),
               "--seed", str(SCHEMATHESIS_SEED)]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    # Payment intents answer 503 until a Stripe key is configured, by design; the generated
    # projects' own tests cover their validation.
    command += ["--exclude-path", "/api/payments/intents"]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900,
                          check=False)
    return done.returncode == 0, (done.stdout + done.stderr)[-8000:]


def _scratch_database(owner_url: str) -> tuple[str, str]:
    name = f"webnova_gen_{uuid.uuid4().hex[:10]}"
    engine = create_engine(db.normalize_url(owner_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    url = make_url(owner_url).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False), name


@pytest.mark.parametrize("template_id", list(CASES))
def test_template_builds_tests_and_serves(
    template_id: str, tmp_path: Path, npm_cache: Path, pg_owner_url: str | None
) -> None:
    row = TIMINGS.setdefault(template_id, {"result": "fail"})
    bp = CASES[template_id]()
    begun = time.perf_counter()
    outcome = generate_project(bp, tmp_path / "project", run_id="matrix")
    row["generate"] = f"{time.perf_counter() - begun:.1f}"
    assert outcome.ok, outcome
    project = tmp_path / "project"
    for phase in PHASES:
        result = run_phase(bp, project, phase, npm_cache)
        row[phase] = f"{result.seconds:.1f}"
        assert result.ok, f"{template_id}: npm {phase} failed\n{result.output}"
    env: dict[str, str] = {}
    database = None
    if bp.stack.database == "postgresql" and pg_owner_url:
        env["DATABASE_URL"], database = _scratch_database(pg_owner_url)
    port = _free_port()
    began = time.perf_counter()
    server = start_server(bp, project, npm_cache, port, env)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", 60)
        row["start"] = f"{time.perf_counter() - began:.1f}"
        began = time.perf_counter()
        token = _crud_round_trip(f"http://127.0.0.1:{port}", bp)
        row["crud"] = f"{time.perf_counter() - began:.1f}"
        if bp.stack.backend != "none" and bp.stack.api == "rest":
            began = time.perf_counter()
            fuzzed, report = _schemathesis(f"http://127.0.0.1:{port}", token, tmp_path)
            row["schemathesis"] = f"{time.perf_counter() - began:.1f}"
            assert fuzzed, f"{template_id}: schemathesis found failures\n{report}"
        elif bp.stack.api == "graphql":
            row["schemathesis"] = "skipped: GraphQL, no OpenAPI"
    finally:
        stop_server(server)
        if database and pg_owner_url:
            db.drop_database(pg_owner_url, database)
    row["total"] = f"{time.perf_counter() - begun:.1f}"
    row["result"] = "pass" + (" (postgresql)" if database else "")
