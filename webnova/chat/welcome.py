"""The chat's first words: which language the person reads, and what WebNova says to greet them.

Pure functions, so they are tested without Chainlit or a browser. The language comes from two
places: the `ui_lang` cookie that `public/rtl.js` sets when someone picks a language with
`?lang=ar` (a deliberate choice, so it wins), then the browser's preferred language that Chainlit
reads from the websocket handshake's `Accept-Language`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie

from webnova.i18n import _, negotiate, use_locale
from webnova.settings import Settings

UI_LANG_COOKIE = "ui_lang"
# The same shape rtl.js accepts, so a hand-edited cookie cannot smuggle anything else through.
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,4})?$")


def cookie_language(cookie_header: str | None) -> str | None:
    """The language tag stored in the `ui_lang` cookie, or None when absent or malformed."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(UI_LANG_COOKIE)
    if morsel is None or not _LANGUAGE_TAG.match(morsel.value):
        return None
    return morsel.value


def choose_language(
    accept_language: str | None, cookie_header: str | None, default: str = "en"
) -> str:
    """Pick the catalog (`en` or `ar`) for a chat: cookie first, then the browser, then `default`.

    Args:
        accept_language: A tag (`ar-EG`) or a whole Accept-Language header; may be missing.
        cookie_header: The raw `Cookie` header of the websocket handshake; may be missing.
        default: The operator's default language (`Settings.locale`), used when neither source
            names a language WebNova ships.

    Returns:
        A shipped locale name such as `ar`.
    """
    return negotiate(cookie_language(cookie_header), accept_language, default)


def session_language(session: object, default: str = "en") -> str:
    """The language of a Chainlit session (`cl.context.session`).

    Only websocket sessions carry `language` and `environ`, so both are read defensively.
    """
    accept_language = getattr(session, "language", None)
    environ = getattr(session, "environ", None)
    cookie_header = environ.get("HTTP_COOKIE") if isinstance(environ, Mapping) else None
    return choose_language(
        accept_language if isinstance(accept_language, str) else None,
        cookie_header if isinstance(cookie_header, str) else None,
        default,
    )


def _brain_line(settings: Settings) -> str:
    if settings.model_mode == "claude":
        return _("Brain: Claude ({model}).").format(model=settings.anthropic_model)
    return _(
        "Brain: the offline planner, because no Claude key is configured. It is deterministic "
        "and needs no internet."
    )


def _sandbox_line(settings: Settings) -> str:
    if settings.sandbox_mode == "e2b":
        return _("Sandbox: E2B, remote and isolated.")
    return _("Sandbox: local, on this machine.")


# Each language is named in itself, so the way back is readable whatever is shown now.
_OTHER_LANGUAGE = {"ar": ("English", "en"), "en": ("العربية", "ar")}


def _language_switch(language: str) -> str:
    """A link that switches this browser to the other language (public/rtl.js reads ?lang=)."""
    name, tag = _OTHER_LANGUAGE["ar" if language.startswith("ar") else "en"]
    return f"🌐 [{name}](/?lang={tag})"


def welcome_text(settings: Settings, language: str) -> str:
    """The greeting posted when a chat starts, in `language`; it names the brain and the sandbox."""
    with use_locale(language):
        return "\n".join(
            [
                "### " + _("Welcome to WebNova"),
                "",
                _language_switch(language),
                "",
                _(
                    "Describe the digital platform you need, in English or Arabic. WebNova turns "
                    "it into a blueprint, generates the code and its tests, and deploys it, asking "
                    "for your approval before each important step."
                ),
                "",
                "- " + _brain_line(settings),
                "- " + _sandbox_line(settings),
                "- " + _("Deployments: on this machine (local runtime), shown in a preview."),
                "",
                _("For example: {example}").format(example=_(
                    "\"A booking platform for a dental clinic: patients, doctors and "
                    "appointments, with reminders.\"")),
                _("You can also attach a spec (Markdown, text, PDF, Word) or a blueprint (YAML, "
                  "JSON). Type /help for the commands."),
            ]
        )


def pending_reply(language: str) -> str:
    """The honest answer to a chat message until the factory graph is connected to the chat."""
    with use_locale(language):
        return "\n\n".join(
            [
                _(
                    "The conversation that plans and builds your platform arrives with the factory "
                    "graph, which is not connected to this chat yet, so your message was not "
                    "processed."
                ),
                _(
                    "Meanwhile, run {command} in a terminal to see what the command line can "
                    "already do."
                ).format(command="`webnova --help`"),
            ]
        )
