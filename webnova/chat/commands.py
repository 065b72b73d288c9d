"""Chat commands: `/templates`, `/status`, `/history`, `/rollback`, `/audit`, `/help`.

Each command has Arabic aliases (`/القوالب`, `/الحالة`, ...), so a person typing in Arabic never has
to switch keyboards. Commands that need the factory graph say so honestly until it is connected;
none of them starts, resumes or decides a run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from webnova.chat.approvals import approval_text
from webnova.chat.artifacts import history_text
from webnova.chat.engine import RunContext, RunEngine
from webnova.chat.uploads import plain
from webnova.core.audit import AuditEntry
from webnova.generator.catalog import load_catalog
from webnova.i18n import _, format_datetime, format_number, ngettext

AUDIT_SHOWN: Final = 20


class Command(StrEnum):
    """The commands the chat understands."""

    TEMPLATES = "templates"
    STATUS = "status"
    HISTORY = "history"
    ROLLBACK = "rollback"
    AUDIT = "audit"
    HELP = "help"


_ALIASES: Final[dict[str, Command]] = {
    **{c.value: c for c in Command},
    "القوالب": Command.TEMPLATES,
    "قوالب": Command.TEMPLATES,
    "الحالة": Command.STATUS,
    "حالة": Command.STATUS,
    "السجل": Command.HISTORY,
    "سجل": Command.HISTORY,
    "تراجع": Command.ROLLBACK,
    "التراجع": Command.ROLLBACK,
    "التدقيق": Command.AUDIT,
    "تدقيق": Command.AUDIT,
    "مساعدة": Command.HELP,
    "المساعدة": Command.HELP,
    "?": Command.HELP,
    "؟": Command.HELP,
}
ARABIC_NAMES: Final[dict[Command, str]] = {
    Command.TEMPLATES: "القوالب",
    Command.STATUS: "الحالة",
    Command.HISTORY: "السجل",
    Command.ROLLBACK: "تراجع",
    Command.AUDIT: "التدقيق",
    Command.HELP: "مساعدة",
}


@dataclass(frozen=True)
class ParsedCommand:
    """A recognised command and the words after it."""

    command: Command
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnknownCommand:
    """Text that starts like a command but names none."""

    name: str


def parse_command(text: str) -> ParsedCommand | UnknownCommand | None:
    """The command in a message, or None when the message is not a command.

    A command is "/" followed by a name (English or Arabic, any case). A slash followed by a word
    that names no command is reported as unknown rather than sent to the planner by accident.
    """
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) == 1:
        return None
    words = stripped[1:].split()
    if not words:
        return None
    name = words[0].casefold()
    command = _ALIASES.get(name)
    if command is None:
        return UnknownCommand(name=words[0])
    return ParsedCommand(command=command, args=tuple(words[1:]))


AuditReader = Callable[[int], Awaitable[Sequence[AuditEntry]]]


@dataclass(frozen=True)
class CommandContext:
    """What a command may use: the run engine (None until wired), the caller and their rights."""

    run: RunContext
    engine: RunEngine | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    read_audit: AuditReader | None = None


def help_text() -> str:
    """The list of commands with their Arabic names, in the current language."""
    rows = [
        (Command.TEMPLATES, _("the templates a platform can start from")),
        (Command.STATUS, _("where the current run stands")),
        (Command.HISTORY, _("the project's change history")),
        (Command.ROLLBACK, _("go back to an earlier version (asks for approval)")),
        (Command.AUDIT, _("the latest entries of your organisation's audit log")),
        (Command.HELP, _("this list")),
    ]
    lines = ["**" + _("Commands") + "**", ""]
    lines.extend(f"- `/{c.value}` · `/{ARABIC_NAMES[c]}`: {text}" for c, text in rows)
    lines.extend(["", _("Anything else you write is a description of the platform you want, or "
                        "an answer to the question being asked.")])
    return "\n".join(lines)


def templates_text(language: str) -> str:
    """The catalog's templates, named and described in `language`."""
    lines = ["**" + _("Templates") + "**", ""]
    for entry in load_catalog().templates:
        note = "" if entry.generatable else " " + _("(planned: not generated yet)")
        lines.append(f"- **{plain(entry.name.get(language))}** (`{entry.id}`){note}: "
                     f"{plain(entry.description.get(language))}")
    lines.extend(["", _("Name a template in your description, for example: "
                        "\"a {example} for my company\".").format(
                            example=plain(load_catalog().templates[0].name.get(language)))])
    return "\n".join(lines)


def _not_connected() -> str:
    return _("The factory is not connected to this chat yet, so there is no run to show. "
             "This command will work as soon as it is.")


async def status_text(ctx: CommandContext) -> str:
    """Where the thread's run stands."""
    if ctx.engine is None:
        return _not_connected()
    status = await ctx.engine.status(ctx.run)
    if status.state == "none":
        return _("No run in this conversation yet. Describe a platform to start one.")
    states = {
        "running": _("running"), "waiting": _("waiting for your approval"),
        "finished": _("finished"), "failed": _("failed"),
    }
    lines = [ngettext("Project {project}: {state}, {count} step done.",
                      "Project {project}: {state}, {count} steps done.", status.steps_done).format(
        project=plain(status.project) or "-", state=states.get(status.state, status.state),
        count=format_number(status.steps_done))]
    if status.pending is not None:
        lines.extend(["", approval_text(status.pending)])
    return "\n".join(lines)


async def audit_text(ctx: CommandContext) -> str:
    """The latest audit entries of the caller's tenant, when they may read them."""
    if "audit.read" not in ctx.permissions:
        return _("You do not have permission to read the audit log.")
    if ctx.read_audit is None:
        return _("The audit log is not available in this chat.")
    entries = await ctx.read_audit(AUDIT_SHOWN)
    if not entries:
        return _("The audit log is empty.")
    lines = ["**" + _("Latest audit entries") + "**", ""]
    lines.extend(
        f"- {format_datetime(e.recorded_at)} · {plain(e.actor)} · `{e.action}` · {plain(e.target)}"
        for e in entries)
    return "\n".join(lines)


async def run_command(parsed: ParsedCommand | UnknownCommand, ctx: CommandContext) -> str:
    """The chat's answer to a command (Markdown in the current language)."""
    if isinstance(parsed, UnknownCommand):
        return _("Unknown command {name}. Type /help for the list.").format(
            name=plain("/" + parsed.name))
    if parsed.command is Command.HELP:
        return help_text()
    if parsed.command is Command.TEMPLATES:
        return templates_text(ctx.run.language)
    if parsed.command is Command.STATUS:
        return await status_text(ctx)
    if parsed.command is Command.AUDIT:
        return await audit_text(ctx)
    if parsed.command is Command.HISTORY:
        return await history_command_text(ctx)
    # /rollback asks a question with buttons, so the conversation answers it, not this table.
    return _("Type /rollback on its own to roll back this conversation's platform.")


async def history_command_text(ctx: CommandContext) -> str:
    """The git history of the thread's project."""
    if ctx.engine is None:
        return _not_connected()
    commits = await ctx.engine.history(ctx.run)
    if not commits:
        return _("No project in this conversation yet, so there is no history to show.")
    return "**" + _("Project history") + "**\n\n" + history_text(commits)

