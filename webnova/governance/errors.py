"""Expected failures of the governor; each message is already in the user's language."""

from __future__ import annotations

from webnova.core.errors import WebNovaError


class GovernanceError(WebNovaError):
    """Base class: a governance rule refused the operation; nothing was changed."""


class AccessDenied(GovernanceError):
    """The acting person may not do this (role, status, tenant or custom permission)."""


class UnknownUser(GovernanceError):
    """No such user in this tenant."""


class InvalidInput(GovernanceError):
    """A value given by a person is not acceptable (e-mail, password, role, reason ...)."""
