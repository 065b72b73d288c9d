"""Request-scoped dependencies: the database session of the app's Database."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    yield from request.app.state.database.session()
