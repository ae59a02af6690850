"""Events: the CloudEvents envelope, the catalogue of types, and the payload contracts.

Importing this package registers every contract, so ``EVENTS`` is the whole catalogue.
"""

from shared.events import contracts  # noqa: F401  (registers every event type)
from shared.events.envelope import Event, MalformedEvent, decode, encode
from shared.events.registry import EVENTS, EventRegistry, EventType, define_event

__all__ = [
    "EVENTS",
    "Event",
    "EventRegistry",
    "EventType",
    "MalformedEvent",
    "decode",
    "define_event",
    "encode",
]
