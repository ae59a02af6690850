"""Reading a client's events back from the screening topics of the real broker."""

from __future__ import annotations

from kafka import KafkaConsumer

from shared.config import KafkaSettings
from shared.events import Event, decode
from shared.events.contracts import screening
from shared.events.registry import EventType
from tests.support.waiting import wait_for

SCREENING_EVENTS: list[EventType] = [
    screening.CLIENT_REGISTERED, screening.CLIENT_UPDATED, screening.CLIENT_ENROLLED,
    screening.CLIENT_CONTACT,
    screening.SCREENING_COMPLETED,
    screening.REFERRAL_RECORDED, screening.REFERRAL_AMENDED, screening.REFERRAL_REVOKED,
    screening.REFERRAL_EXPIRED, screening.REFERRAL_WINDOW,
]


def read_client_events(
    settings: KafkaSettings, client_id: str, count: int, timeout: float = 30
) -> list[tuple[bytes, Event]]:
    """The first ``count`` (key, event) pairs keyed by ``client_id`` on the screening topics."""
    consumer = KafkaConsumer(
        *[event_type.topic for event_type in SCREENING_EVENTS],
        **settings.client_options(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    found: list[tuple[bytes, Event]] = []

    def poll() -> bool:
        for batch in consumer.poll(timeout_ms=500).values():
            found.extend((m.key, decode(m.value)) for m in batch if m.key == client_id.encode())
        return len(found) >= count

    try:
        wait_for(poll, timeout=timeout, interval=0, what=f"{count} events of {client_id}")
    finally:
        consumer.close()
    return found
