"""The Chainlit side of the chat: sign-in, history, and rendering what a `Conversation` replies.

Everything that decides lives in `conversation`, `approvals`, `commands`, `uploads` and `auth`;
this module only moves data between them and Chainlit, so `app.py` stays a list of decorators.

Database work (password hashing, audit writes) runs on one dedicated thread that owns the
`Platform`: the event loop never blocks on scrypt, and SQLite connections stay on one thread.

The factory graph plugs in through `set_engine` (or a `chat_engine(settings)` function in
`webnova.factory`); until then the chat answers honestly that no run can start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeVar

import chainlit as cl
from chainlit.context import local_steps
from chainlit.utils import utc_now

from webnova.chat.approvals import DecisionGate
from webnova.chat.auth import (
    ChatIdentity,
    accounts_exist,
    bootstrap_owner,
    current_member,
    operator_identity,
    sign_in,
)
from webnova.chat.commands import CommandContext
from webnova.chat.conversation import Conversation, Reply
from webnova.chat.datalayer import make_data_layer
from webnova.chat.engine import RunContext, RunEngine
from webnova.chat.preview import preview_props
from webnova.chat.uploads import Upload, read_upload_file
from webnova.chat.welcome import pending_reply, session_language, welcome_text
from webnova.core.audit import AuditEntry
from webnova.core.platform import Platform
from webnova.governance.people import Member
from webnova.i18n import _, use_locale
from webnova.settings import Settings, load_settings

_CONVERSATION: Final = "webnova_conversation"
_LANGUAGE: Final = "webnova_language"
_APPROVAL_MESSAGE: Final = "webnova_approval_message"
# After on_chat_resume Chainlit replays the history and wipes anything sent before (STACK-NOTES
# 2.3, pitfall 3); the pending question is asked again after this delay.
_REASK_DELAY_S: Final = 0.5
_ICONS: Final = {"approve": "check", "reject": "x", "request_changes": "pencil"}

_db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webnova-chat-db")
_gate = DecisionGate()
_engine: list[RunEngine | None] = []
T = TypeVar("T")


@cache
def settings() -> Settings:
    """The UI process's settings, read once."""
    return load_settings()


@cache
def _platform() -> Platform:
    # Only ever called on the database thread.
    opened = Platform.open(settings=settings())
    configured = settings()
    password = configured.owner_password
    bootstrap_owner(opened, configured.owner_email,
                    password.get_secret_value() if password else None)
    return opened


async def on_db(func: Callable[[Platform], T]) -> T:
    """Run `func(platform)` on the database thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_db, lambda: func(_platform()))


def set_engine(engine: RunEngine | None) -> None:
    """Connect the factory graph to the chat (call once at start-up)."""
    _engine[:] = [engine]


def engine() -> RunEngine | None:
    """The run engine: the one set, else `webnova.factory.chat_engine(settings)`, else None."""
    if not _engine:
        _engine.append(_load_engine())
    return _engine[0]


def _load_engine() -> RunEngine | None:
    try:
        factory = importlib.import_module("webnova.factory")
    except ImportError:
        return None
    make = getattr(factory, "chat_engine", None)
    if not callable(make):
        return None
    made = make(settings())
    return made if isinstance(made, RunEngine) else None


# ---------------------------------------------------------------- sign-in and history


@cache
def auth_required() -> bool:
    """Whether this UI process requires sign-in: yes as soon as any account exists.

    Decided once, when app.py is imported (Chainlit reads its auth hooks then).
    """
    return _db.submit(lambda: accounts_exist(_platform())).result()


def setup_notice() -> str:
    """Said in setup mode: the chat is open to whoever reaches it, and how to change that."""
    return _(
        "No account exists yet, so this chat needs no sign-in and acts as the local operator. "
        "Create the first owner with {command} and restart the UI to require sign-in."
    ).format(command="`webnova users create-owner --email EMAIL`")


async def password_login(username: str, password: str) -> cl.User | None:
    """Chainlit's password check: WebNova's people, scoped to a tenant."""
    identity = await on_db(lambda p: sign_in(p, username, password))
    if identity is None:
        return None
    return cl.User(identifier=identity.identifier, display_name=identity.email,
                   metadata=identity.metadata())


def data_layer() -> Any:
    """Chainlit's SQLAlchemy data layer on the chat's own tables."""
    return make_data_layer(settings())


# ---------------------------------------------------------------- chat lifecycle


def _identity() -> ChatIdentity | None:
    if not auth_required():
        return operator_identity()
    user = cl.user_session.get("user")
    return ChatIdentity.from_metadata(getattr(user, "metadata", None))


def _language() -> str:
    stored = cl.user_session.get(_LANGUAGE)
    return stored if isinstance(stored, str) else settings().locale


async def _member(identity: ChatIdentity | None) -> Member | None:
    if identity is None:
        return None
    return await on_db(lambda p: current_member(p, identity))


def _audit_reader(tenant_id: str) -> Callable[[int], Awaitable[list[AuditEntry]]]:
    async def read(count: int) -> list[AuditEntry]:
        return await on_db(lambda p: _latest_audit(p, tenant_id, count))

    return read


def _latest_audit(platform: Platform, tenant_id: str, count: int) -> list[AuditEntry]:
    audit = platform.tenant(tenant_id).audit
    head = audit.head()
    if head is None:
        return []
    return list(reversed(list(audit.entries(after_seq=max(0, head.seq - count)))))


async def _conversation() -> Conversation | None:
    """The thread's conversation for a still-valid member; None (and a notice) otherwise."""
    identity = _identity()
    member = await _member(identity)
    if identity is None or member is None:
        with use_locale(_language()):
            ended = (_("An account was created, so sign-in is now required: restart the UI and "
                       "sign in.") if not auth_required() else
                     _("Your session has ended. Sign in again to continue."))
            await cl.Message(content=ended).send()
        return None
    stored = cl.user_session.get(_CONVERSATION)
    if isinstance(stored, Conversation):
        stored.permissions = member.effective_permissions()
        return stored
    run = RunContext(thread_id=cl.context.session.thread_id, tenant_id=identity.tenant_id,
                     actor=identity.email, language=_language())
    permissions = member.effective_permissions()
    language = _language()
    minutes = settings().approval_timeout_minutes
    conversation = Conversation(
        ctx=run, engine=engine(), gate=_gate, permissions=permissions,
        approval_timeout=dt.timedelta(minutes=minutes) if minutes else None,
        not_connected=lambda: pending_reply(language),
        command_context=CommandContext(run=run, engine=engine(), permissions=permissions,
                                       read_audit=_audit_reader(identity.tenant_id)))
    cl.user_session.set(_CONVERSATION, conversation)
    return conversation


async def start_chat() -> None:
    """Greet the person in their language, and ask a pending approval again if one waits."""
    language = session_language(cl.context.session, default=settings().locale)
    cl.user_session.set(_LANGUAGE, language)
    # The database is opened (first chat: migrations) before greeting, so the composer is
    # ready once the greeting shows.
    conversation = await _conversation()
    greeting = welcome_text(settings(), language)
    if not auth_required():
        with use_locale(language):
            greeting += "\n\n" + setup_notice()
    await cl.Message(content=greeting).send()
    if conversation is not None:
        await _render(conversation.on_reconnect())


async def resume_chat(_thread: object) -> None:
    """A thread reopened from history: ask its pending approval again once the replay is done."""
    cl.user_session.set(_LANGUAGE, session_language(cl.context.session,
                                                    default=settings().locale))

    async def reask() -> None:
        await asyncio.sleep(_REASK_DELAY_S)
        conversation = await _conversation()
        if conversation is not None:
            await _render(conversation.on_reconnect())

    # Never awaited here: the hook runs before Chainlit replays the history (it would be wiped)
    # and blocking it would block the connect handler.
    cl.context.loop.create_task(reask())


async def answer(message: cl.Message) -> None:
    """A message (with files): a command, an answer to a pending approval, or a new run."""
    conversation = await _conversation()
    if conversation is None:
        return
    uploads = [_read_element(e) for e in (message.elements or [])]
    await _render(conversation.on_message(message.content or "", uploads))


def _read_element(element: Any) -> Upload:
    name = str(getattr(element, "name", "") or "upload")
    path = getattr(element, "path", None)
    return read_upload_file(name, Path(path) if path else Path("/nonexistent"))


async def decide(action: cl.Action) -> None:
    """A click on an approval button."""
    conversation = await _conversation()
    if conversation is None:
        return
    await _render(conversation.on_action(action.payload))


# ---------------------------------------------------------------- rendering


async def _render(replies: AsyncIterator[Reply]) -> None:
    with use_locale(_language()):
        streamed: cl.Message | None = None
        running: dict[str, cl.Step] = {}
        try:
            async for reply in replies:
                if reply.kind == "token":
                    streamed = streamed or cl.Message(content="")
                    await streamed.stream_token(reply.text)
                    continue
                if streamed is not None and streamed.content:
                    await streamed.send()
                streamed = None
                if reply.kind == "step":
                    await _show_step(reply, running)
                else:
                    await _show(reply)
            if streamed is not None and streamed.content:
                await streamed.send()
        finally:
            # A run that stopped mid-step (error, Stop button) must not leave a spinner behind.
            for step in running.values():
                step.end = utc_now()
                await step.update()


async def _show_step(reply: Reply, running: dict[str, cl.Step]) -> None:
    """A step that spins while the agent works (`running`) and then holds its summary."""
    step = running.pop(reply.title, None)
    if step is None:
        # Same parent a message sent here gets (the handler's run step, if any): otherwise
        # Chainlit lists the step after everything the handler said, not in between.
        enclosing = local_steps.get() or []
        step = cl.Step(name=reply.title, type="tool",
                       parent_id=enclosing[-1].id if enclosing else None)
        step.start = utc_now()
        step.output = reply.text
        await step.send()
    if reply.running:
        running[reply.title] = step
        return
    step.output = reply.text
    step.end = utc_now()
    await step.update()


async def _show(reply: Reply) -> None:
    if reply.kind == "approval":
        await _clear_previous_buttons()
        actions = [cl.Action(name=a.name, payload=dict(a.payload), label=a.label,
                             tooltip=a.tooltip, icon=_ICONS.get(a.payload["decision"]))
                   for a in reply.actions]
        message = cl.Message(content=reply.text, actions=actions)
        await message.send()
        cl.user_session.set(_APPROVAL_MESSAGE, message)
        return
    if reply.kind == "artifact" and reply.url:
        await _preview(reply)
        return
    if reply.kind == "artifact":
        await cl.Message(content=_artifact_markdown(reply)).send()
        return
    if reply.kind == "text" and cl.user_session.get(_APPROVAL_MESSAGE) is not None:
        # A decision was confirmed or the question re-asked: old buttons must not stay clickable.
        await _clear_previous_buttons()
    await cl.Message(content=reply.text).send()


async def _clear_previous_buttons() -> None:
    previous = cl.user_session.get(_APPROVAL_MESSAGE)
    if isinstance(previous, cl.Message):
        await previous.remove_actions()
    cl.user_session.set(_APPROVAL_MESSAGE, None)


def _artifact_markdown(reply: Reply) -> str:
    parts = [f"**{reply.title}**"]
    if reply.text and reply.language:
        fence = "````" if "```" in reply.text else "```"
        parts.append(f"{fence}{reply.language}\n{reply.text}\n{fence}")
    elif reply.text:
        parts.append(reply.text)  # already Markdown, with what people wrote escaped
    if reply.url:
        parts.append(f"[{reply.url}]({reply.url})")
    return "\n\n".join(parts)


async def _preview(reply: Reply) -> None:
    """The deployment in an embedded preview (public/elements/Preview.jsx) with a link."""
    element = cl.CustomElement(name="Preview", display="inline", props=preview_props(reply.url))
    await cl.Message(content=_artifact_markdown(reply), elements=[element]).send()
