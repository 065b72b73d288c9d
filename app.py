"""Chainlit entry point: decorators only; what the chat says and does lives in `webnova.chat`."""

from __future__ import annotations

from functools import cache

import chainlit as cl

from webnova.chat.welcome import pending_reply, session_language, welcome_text
from webnova.settings import Settings, load_settings

_LANGUAGE_KEY = "webnova_language"


@cache
def _settings() -> Settings:
    # Read on the first chat, not at import, and then once per UI process.
    return load_settings()


@cl.on_chat_start
async def start_chat() -> None:
    """Greet the person in their language and say which brain and sandbox are active."""
    language = session_language(cl.context.session, default=_settings().locale)
    cl.user_session.set(_LANGUAGE_KEY, language)
    welcome = welcome_text(_settings(), language)
    await cl.Message(content=welcome).send()


@cl.on_message
async def answer(message: cl.Message) -> None:  # noqa: ARG001 - the graph will read it
    """Reply honestly until the factory graph is wired to the chat."""
    stored = cl.user_session.get(_LANGUAGE_KEY)
    language = stored if isinstance(stored, str) else _settings().locale
    await cl.Message(content=pending_reply(language)).send()
