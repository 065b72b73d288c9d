"""WebNova: a chat-first digital platform factory.

The public Python API is this module's `__all__`; everything else is importable but not promised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Factory", "Platform", "Settings", "__version__"]

if TYPE_CHECKING:
    from webnova.core.platform import Platform
    from webnova.factory import Factory
    from webnova.settings import Settings


def __getattr__(name: str) -> Any:
    # Lazy, so `import webnova` stays cheap and builds nothing (the CLI and Chainlit import it
    # early).
    if name == "Factory":
        from webnova.factory import Factory

        return Factory
    if name == "Platform":
        from webnova.core.platform import Platform

        return Platform
    if name == "Settings":
        from webnova.settings import Settings

        return Settings
    raise AttributeError(f"module 'webnova' has no attribute {name!r}")
