"""Read-only views of the cluster: topics, end offsets, consumer lag, dead letters."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from shared.config import KafkaSettings
from shared.events import EVENTS
from shared.events.contracts.ops import PHI_VIEWED
from shared.events.envelope import MalformedEvent, decode, encode

# Payload fields that identify a person: names (a physician's and a therapist's "name"
# too, rather than guess whose), birth dates, addresses, contact details, and the numbers
# that lead to one client: member, group, prior authorization and payer claim numbers.
IDENTIFYING_FIELDS = frozenset({
    "first_name", "last_name", "name", "birth_date", "address", "subscriber", "phone",
    "email", "member_id", "group_number", "authorization_number",
    "payer_claim_control_number",
})
# Payload fields that describe a person's health: diagnoses, the screening's reason codes
# (each names a finding, e.g. a current DVT), the diagnosis-to-region map and free-text notes.
HEALTH_FIELDS = frozenset({"diagnoses", "diagnosis_regions", "reason_codes", "notes"})
# Hidden unless an admin asks (tail --show-phi, audited).
PHI_FIELDS = IDENTIFYING_FIELDS | HEALTH_FIELDS
REDACTED = "[redacted]"
OPS_SOURCE = "ops"


@dataclass(frozen=True)
class PartitionLag:
    """How far one consumer group is behind on one partition."""

    group: str
    topic: str
    partition: int
    committed: int | None
    end: int

    @property
    def lag(self) -> int:
        """Messages not yet consumed (all of them when nothing was committed)."""
        return self.end - (self.committed or 0)


@dataclass(frozen=True)
class DeadLetter:
    """A parked message with the reason it was parked."""

    topic: str
    partition: int
    offset: int
    key: str | None
    headers: dict[str, str]
    value: bytes

    @property
    def event_id(self) -> str | None:
        """The CloudEvents id, when the message is an event at all."""
        try:
            return decode(self.value).id
        except MalformedEvent:
            return None


def _consumer(settings: KafkaSettings) -> KafkaConsumer:
    return KafkaConsumer(**settings.client_options(), enable_auto_commit=False)


def topic_end_offsets(settings: KafkaSettings) -> dict[str, dict[int, int]]:
    """End offset of every partition of every (non-internal) topic."""
    consumer = _consumer(settings)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in sorted(consumer.topics()) if not topic.startswith("__")
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions) if partitions else {}
    finally:
        consumer.close()
    result: dict[str, dict[int, int]] = {}
    for tp, end in ends.items():
        result.setdefault(tp.topic, {})[tp.partition] = end
    return result


def consumer_lag(settings: KafkaSettings, group: str | None = None) -> list[PartitionLag]:
    """Lag per consumer group and partition (all groups unless one is named)."""
    admin = KafkaAdminClient(**settings.client_options())
    try:
        groups = [group] if group else sorted(g["group_id"] for g in admin.list_groups())
        committed = {g: admin.list_group_offsets(g).get(g, {}) for g in groups}
    finally:
        admin.close()
    consumer = _consumer(settings)
    try:
        partitions = {tp for offsets in committed.values() for tp in offsets}
        ends = consumer.end_offsets(list(partitions)) if partitions else {}
    finally:
        consumer.close()
    return [
        PartitionLag(g, tp.topic, tp.partition, meta.offset if meta.offset >= 0 else None,
                     ends.get(tp, 0))
        for g, offsets in committed.items()
        for tp, meta in sorted(offsets.items())
    ]


def redact(data: Any) -> Any:
    """Hide PHI fields anywhere in a payload."""
    if isinstance(data, dict):
        return {k: REDACTED if k in PHI_FIELDS else redact(v) for k, v in data.items()}
    if isinstance(data, list):
        return [redact(v) for v in data]
    return data


def describe(value: bytes | None, show_phi: bool = False) -> dict[str, Any]:
    """A message as ops read it: the envelope, and the payload with PHI hidden by default."""
    try:
        event = decode(value)
    except MalformedEvent as exc:
        # Not an event, so no field says what is PHI: the raw bytes are, until shown.
        raw = (value or b"")[:200].decode(errors="replace") if show_phi else REDACTED
        return {"malformed": str(exc), "raw": raw}
    return {
        "id": event.id, "type": event.type, "subject": event.subject, "source": event.source,
        "time": event.time.isoformat(), "correlationid": event.correlation_id,
        "data": event.data if show_phi else redact(event.data),
    }


def read_messages(settings: KafkaSettings, topic: str, from_beginning: bool, follow: bool,
                  limit: int | None = None) -> Iterator[Any]:
    """Messages of a topic in partition order; stops at the end unless following."""
    consumer = KafkaConsumer(topic, **settings.client_options(), enable_auto_commit=False,
                             auto_offset_reset="earliest" if from_beginning else "latest",
                             consumer_timeout_ms=None if follow else 3000)
    seen = 0
    try:
        for message in consumer:
            yield message
            seen += 1
            if limit is not None and seen >= limit:
                return
    finally:
        consumer.close()


def dead_letters(settings: KafkaSettings, topic: str | None = None) -> list[DeadLetter]:
    """Every message in one dead-letter topic, or in all of them."""
    topics = [topic] if topic else sorted(t for t in topic_end_offsets(settings)
                                          if t.endswith(".dlq"))
    letters: list[DeadLetter] = []
    for dlq in topics:
        for message in read_messages(settings, dlq, from_beginning=True, follow=False):
            letters.append(DeadLetter(
                dlq, message.partition, message.offset,
                message.key.decode() if message.key else None,
                {k: v.decode(errors="replace") for k, v in message.headers}, message.value))
    return letters


def replay(settings: KafkaSettings, letters: list[DeadLetter]) -> int:
    """Publish parked messages back to their original topics, unchanged.

    The event id is kept, so groups that already applied the event skip it; the group that
    failed applies it now (after the fix that made it fail has shipped).
    """
    producer = KafkaProducer(**settings.client_options(), acks="all")
    try:
        for letter in letters:
            original = letter.headers.get("dlq.original_topic") or letter.topic.removesuffix(".dlq")
            producer.send(original, value=letter.value,
                          key=letter.key.encode() if letter.key else None,
                          headers=[("dlq.replayed_from", f"{letter.topic}:{letter.partition}:"
                                    f"{letter.offset}".encode())]).get(timeout=30)
    finally:
        producer.close()
    return len(letters)


def event_ids(messages: Sequence[Any]) -> list[str]:
    """Each message's event id, or where it lies when it is not an event."""
    ids = []
    for message in messages:
        try:
            ids.append(decode(message.value).id)
        except MalformedEvent:
            ids.append(f"{message.topic}:{message.partition}:{message.offset}")
    return ids


def publish_phi_view(settings: KafkaSettings, actor: str, topic: str,
                     messages: Sequence[Any]) -> None:
    """Record on ops.phi.viewed.v1 that ``actor`` is shown these messages unredacted.

    Waits for the broker's acknowledgement (acks=all) and raises if there is none: the
    caller shows nothing it could not record.
    """
    event = EVENTS.build(PHI_VIEWED, source=OPS_SOURCE, subject=actor, data={
        "actor": actor, "topic": topic, "count": len(messages),
        "event_ids": event_ids(messages), "viewed_at": datetime.now(UTC)})
    producer = KafkaProducer(**settings.client_options(), acks="all")
    try:
        producer.send(PHI_VIEWED.topic, key=actor.encode(), value=encode(event)).get(timeout=30)
    finally:
        producer.close()


def pretty(document: dict[str, Any]) -> str:
    """Indented JSON for a terminal."""
    return json.dumps(document, indent=2, sort_keys=False, default=str)
