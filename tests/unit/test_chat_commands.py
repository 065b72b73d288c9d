"""Chat commands in both languages; the ones needing the graph answer honestly."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.unit.chat_fake_engine import FakeEngine
from webnova.chat.commands import (
    Command,
    CommandContext,
    ParsedCommand,
    UnknownCommand,
    parse_command,
    run_command,
)
from webnova.chat.engine import Decision, DecisionValue, RunContext, SpecInput
from webnova.core.audit import AuditEntry
from webnova.generator.catalog import load_catalog

CTX = RunContext(thread_id="t1", tenant_id="acme", actor="sara@acme.test", language="en")


def _answer(text: str, ctx: CommandContext | None = None) -> str:
    parsed = parse_command(text)
    assert parsed is not None
    return asyncio.run(run_command(parsed, ctx or CommandContext(run=CTX)))


@pytest.mark.parametrize(("text", "command"), [
    ("/help", Command.HELP), ("/HELP", Command.HELP), ("  /مساعدة ", Command.HELP),
    ("/templates", Command.TEMPLATES), ("/القوالب", Command.TEMPLATES),
    ("/status", Command.STATUS), ("/الحالة", Command.STATUS), ("/history", Command.HISTORY),
    ("/السجل", Command.HISTORY), ("/rollback 3", Command.ROLLBACK), ("/تراجع", Command.ROLLBACK),
    ("/audit", Command.AUDIT), ("/التدقيق", Command.AUDIT),
])
def test_commands_parse_in_english_and_arabic(text: str, command: Command) -> None:
    parsed = parse_command(text)

    assert isinstance(parsed, ParsedCommand)
    assert parsed.command is command


def test_rollback_keeps_its_arguments() -> None:
    assert parse_command("/rollback v3") == ParsedCommand(Command.ROLLBACK, ("v3",))


@pytest.mark.parametrize("text", ["a shop for /templates", "/", "/  ", "build me a shop"])
def test_ordinary_messages_are_not_commands(text: str) -> None:
    assert parse_command(text) is None


def test_unknown_command_is_reported_with_a_hint() -> None:
    assert parse_command("/deploy now") == UnknownCommand("deploy")
    assert "Type /help" in _answer("/deploy now")


def test_help_lists_every_command_with_its_arabic_name() -> None:
    text = _answer("/help")

    for command in Command:
        assert f"`/{command.value}`" in text
    assert "`/القوالب`" in text


def test_templates_lists_the_catalog_in_the_readers_language() -> None:
    catalog = load_catalog().templates
    english = _answer("/templates")
    arabic = _answer("/القوالب", CommandContext(run=CTX.model_copy(update={"language": "ar"})))

    assert all(f"`{entry.id}`" in english for entry in catalog)
    assert catalog[0].name.en in english
    assert catalog[0].name.ar in arabic
    assert catalog[0].name.en not in arabic.split("\n")[2]


def test_graph_commands_answer_honestly_without_the_graph() -> None:
    for text in ("/status", "/history"):
        assert "not connected" in _answer(text)


def test_history_lists_the_projects_commits() -> None:
    engine = FakeEngine()
    ctx = CommandContext(run=CTX, engine=engine)

    async def scenario() -> tuple[str, str]:
        parsed = parse_command("/history")
        assert parsed is not None
        before = await run_command(parsed, ctx)
        async for _event in engine.start(CTX, SpecInput(text="a clinic")):
            pass
        for _round in range(2):
            pending = await engine.pending(CTX)
            assert pending is not None
            async for _event in engine.resume(CTX, DecisionValue(
                    interrupt_id=pending.id, decision=Decision.APPROVE, actor="a@b.c")):
                pass
        return before, await run_command(parsed, ctx)

    before, after = asyncio.run(scenario())
    assert "no history" in before
    assert "`0123456789`" in after and "[generate]" in after


def test_status_reports_the_pending_approval() -> None:
    engine = FakeEngine()

    async def scenario() -> str:
        async for _event in engine.start(CTX, SpecInput(text="a clinic")):
            pass
        parsed = parse_command("/status")
        assert parsed is not None
        return await run_command(parsed, CommandContext(run=CTX, engine=engine))

    text = asyncio.run(scenario())

    assert "waiting for your approval" in text
    assert "Approve the blueprint?" in text


def test_status_without_a_run_invites_a_description() -> None:
    text = _answer("/status", CommandContext(run=CTX, engine=FakeEngine()))

    assert "No run in this conversation yet" in text


def _entry(seq: int) -> AuditEntry:
    return AuditEntry(tenant_id="acme", seq=seq, actor="sara@acme.test", action="user.add",
                      target="user:<script>", detail={},
                      recorded_at=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
                      prev_hash="0", hash="1")


def test_audit_needs_the_permission_and_escapes_targets() -> None:
    async def read(count: int) -> list[AuditEntry]:
        return [_entry(1), _entry(2)][:count]

    allowed = CommandContext(run=CTX, permissions=frozenset({"audit.read"}), read_audit=read)

    refused = _answer("/audit", CommandContext(run=CTX, read_audit=allowed.read_audit))
    shown = _answer("/audit", allowed)

    assert "do not have permission" in refused
    assert shown.count("`user.add`") == 2
    assert "<script>" not in shown
