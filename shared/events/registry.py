"""Which event types exist, the topic each travels on, and the schema of its payload."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError

from shared.events.checked_dump import compile_schema
from shared.events.checked_load import compile_load
from shared.events.envelope import Event, MalformedEvent
from shared.events.one_pass import UNSURE, NotCompiled


@dataclass(frozen=True)
class EventType:
    """An event type at one version: ``scheduling.session.completed`` v1 -> topic ``...v1``."""

    name: str
    version: int
    schema: type[Schema]
    description: str = ""
    # What the Kafka key (and the envelope's subject) is; the client id unless said otherwise.
    keyed_by: str = "client id"
    # Who publishes, and how (shown in docs/asyncapi.yaml); None: the service, by its outbox.
    publisher: str | None = None

    @cached_property
    def reader(self) -> Schema:
        """The schema instance consumers load payloads with (unknown fields ignored).

        Built once per type: constructing a marshmallow schema costs more than loading
        a small payload, and this runs for every consumed message.
        """
        return self.schema(unknown=EXCLUDE)

    @cached_property
    def writer(self) -> Schema:
        """The schema instance producers dump and validate payloads with."""
        return self.schema()

    @cached_property
    def checked_dump(self) -> Callable[[Any], Any] | None:
        """The one-pass dump and check of a payload (``checked_dump``), when the contract
        is made of the shapes it models; None: marshmallow's dump and validate every time."""
        try:
            return compile_schema(self.writer)
        except NotCompiled:
            return None

    @cached_property
    def checked_load(self) -> Callable[[Any], Any] | None:
        """The one-pass load and check of a consumed payload (``checked_load``), when the
        contract is made of the shapes it models; None: marshmallow's load every time."""
        try:
            return compile_load(self.reader)
        except NotCompiled:
            return None

    @property
    def topic(self) -> str:
        """The Kafka topic: ``<domain>.<event>.v<N>``; also the CloudEvents ``type``."""
        return f"{self.name}.v{self.version}"

    @property
    def dead_letter_topic(self) -> str:
        """Where messages of this type that cannot be processed are parked."""
        return f"{self.topic}.dlq"


class UnknownEventType(LookupError):
    """An event type nobody registered."""


@dataclass
class EventRegistry:
    """The catalogue of event types; producers and consumers validate through it."""

    _by_type: dict[str, EventType] = field(default_factory=dict)

    def register(self, event_type: EventType) -> EventType:
        """Add a type; registering the same topic twice is a programming error."""
        if event_type.topic in self._by_type:
            raise ValueError(f"event type {event_type.topic} registered twice")
        self._by_type[event_type.topic] = event_type
        return event_type

    def __getitem__(self, type_name: str) -> EventType:
        try:
            return self._by_type[type_name]
        except KeyError:
            raise UnknownEventType(type_name) from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._by_type.values(), key=lambda t: t.topic))

    def build(
        self,
        event_type: EventType,
        *,
        source: str,
        subject: str,
        data: dict[str, Any],
        correlation_id: str | None = None,
    ) -> Event:
        """Make a validated event: ``data`` is dumped to JSON types, then checked.

        A plain payload is dumped and checked in one pass (shared/events/checked_dump.py);
        anything that pass cannot vouch for, an invalid payload included, is dumped and then
        validated by loading the dumped form through marshmallow, which refuses it.
        """
        fast = event_type.checked_dump
        payload = fast(data) if fast is not None else UNSURE
        if payload is UNSURE:
            payload = event_type.writer.dump(data)
            errors = event_type.writer.validate(payload)
            if errors:
                raise ValueError(f"{event_type.topic} payload invalid: {errors}")
        return Event(
            type=event_type.topic,
            source=source,
            subject=subject,
            data=payload,
            correlation_id=correlation_id,
        )

    def load_payload(self, event: Event) -> dict[str, Any]:
        """Validate a consumed event's payload; unknown fields are ignored (tolerant reader).

        A plain payload is loaded and checked in one pass (shared/events/checked_load.py);
        anything that pass cannot vouch for, an invalid payload included, is loaded by
        marshmallow, which refuses it with its own messages.
        """
        event_type = self[event.type]
        fast = event_type.checked_load
        if fast is not None:
            payload = fast(event.data)
            if payload is not UNSURE:
                return payload
        try:
            return event_type.reader.load(event.data)
        except ValidationError as exc:
            raise MalformedEvent(
                f"{event.type} payload invalid: fields {sorted(exc.messages_dict)}"
            ) from exc


EVENTS = EventRegistry()


def define_event(
    name: str,
    version: int,
    schema: type[Schema],
    description: str = "",
    *,
    keyed_by: str = "client id",
    publisher: str | None = None,
) -> EventType:
    """Register an event type in the project's catalogue (used by contracts modules)."""
    return EVENTS.register(EventType(name, version, schema, description, keyed_by, publisher))
