"""The embedded preview of a deployment: props for `public/elements/Preview.jsx`.

The element shows the running project in an iframe with viewport presets (mobile, tablet,
desktop), a light/dark switch (the iframe's `color-scheme`, which the embedded page sees as
`prefers-color-scheme`) and a link that opens it in a new tab. Labels come from the catalogs so
the element speaks the reader's language; only http(s) URLs are ever embedded.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlparse

from webnova.i18n import _

VIEWPORTS: Final = {"mobile": (375, 667), "tablet": (768, 1024), "desktop": (1280, 800)}


def safe_url(url: str) -> str:
    """`url` when it is an http(s) address with a host; '' otherwise (never `javascript:`)."""
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else ""


def preview_props(url: str) -> dict[str, object]:
    """What Preview.jsx needs: the URL, the viewport sizes and its labels in this language."""
    return {
        "url": safe_url(url),
        "viewports": {name: {"width": w, "height": h} for name, (w, h) in VIEWPORTS.items()},
        "labels": {
            "mobile": _("Mobile"), "tablet": _("Tablet"), "desktop": _("Desktop"),
            "light": _("Light"), "dark": _("Dark"), "open": _("Open in a new tab"),
            "title": _("Preview of the deployment"), "unsafe": _("This address cannot be shown."),
        },
    }
