"""Event contracts: typed, versioned domain events and the envelope they are stored in.

A domain event is a frozen pydantic model that names its type and schema version when it is
declared::

    class BlueprintProposed(DomainEvent, event_type="BlueprintProposed", schema_version=1):
        blueprint_version: int

The registry maps (type, schema version) back to the class, so a stored event decodes into the
contract it was written with; a change of shape is a new schema version, never an edit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from webnova.core.errors import UnknownEventTypeError

_REGISTRY: dict[tuple[str, int], type[DomainEvent]] = {}


def utcnow() -> dt.datetime:
    """The current time in UTC (the one clock the core uses, easy to replace in tests)."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back without a zone)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class DomainEvent(BaseModel):
    """Base class of every event; subclasses declare `event_type` and `schema_version`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int]

    def __init_subclass__(cls, *, event_type: str | None = None, schema_version: int = 1,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if event_type is None:
            return  # an abstract intermediate class
        key = (event_type, schema_version)
        if key in _REGISTRY and _REGISTRY[key].__qualname__ != cls.__qualname__:
            raise TypeError(f"event contract {key} is already registered by {_REGISTRY[key]}")
        cls.event_type = event_type
        cls.schema_version = schema_version
        _REGISTRY[key] = cls


def event_class(event_type: str, schema_version: int) -> type[DomainEvent]:
    """The contract registered for a stored event's type and schema version."""
    try:
        return _REGISTRY[(event_type, schema_version)]
    except KeyError:
        raise UnknownEventTypeError(
            f"no event contract registered for {event_type} v{schema_version}"
        ) from None


class EventMetadata(BaseModel):
    """Who caused an event, in reply to what, as part of which larger operation, and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    actor: str = Field(min_length=1, max_length=200, description="user id, agent role or 'system'")
    correlation_id: uuid.UUID = Field(default_factory=uuid.uuid4,
                                      description="shared by every event of one operation or run")
    causation_id: uuid.UUID | None = Field(default=None,
                                           description="the event or command that caused this one")
    occurred_at: dt.datetime = Field(default_factory=utcnow)


class RecordedEvent(BaseModel):
    """An event as stored: envelope plus raw payload; `decode()` gives the typed contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: int
    tenant_id: str
    stream_id: str
    version: int
    event_id: uuid.UUID
    event_type: str
    schema_version: int
    payload: dict[str, Any]
    metadata: EventMetadata
    recorded_at: dt.datetime

    def decode(self) -> DomainEvent:
        """The payload as the registered contract for its type and schema version."""
        return event_class(self.event_type, self.schema_version).model_validate(self.payload)


class AppendResult(BaseModel):
    """Where an append landed: the stream's new version and the events' global positions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream_id: str
    version: int
    positions: tuple[int, ...]
    event_ids: tuple[uuid.UUID, ...]
