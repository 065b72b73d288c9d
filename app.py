"""Chainlit entry point: decorators only; what the chat says and does lives in `webnova.chat`."""

from __future__ import annotations

from typing import Any

import chainlit as cl

from webnova.chat import ui
from webnova.chat.approvals import ACTION_NAME


async def login(username: str, password: str) -> cl.User | None:
    """Sign in with a WebNova account (`email` or `tenant:email`)."""
    return await ui.password_login(username, password)


def history() -> Any:
    """Chat history in its own tables (SQLite under home, or a PostgreSQL schema)."""
    return ui.data_layer()


# Sign-in (and per-user history) as soon as any WebNova account exists; before that the UI is in
# setup mode and says so in its greeting.
if ui.auth_required():
    cl.password_auth_callback(login)
    cl.data_layer(history)


@cl.on_chat_start
async def start_chat() -> None:
    """Greet the person in their language; ask a pending approval again."""
    await ui.start_chat()


@cl.on_chat_resume
async def resume_chat(thread: Any) -> None:
    """A conversation reopened from the history."""
    await ui.resume_chat(thread)


@cl.on_message
async def answer(message: cl.Message) -> None:
    """A message: a command, an answer to a pending approval, an upload or a new run."""
    await ui.answer(message)


@cl.action_callback(ACTION_NAME)
async def decide(action: cl.Action) -> None:
    """A click on an approval button."""
    await ui.decide(action)
