"""A small event type, an effects table and runnable relay/consumer processes for bus tests.

The event type lives in its own registry (not the project's catalogue) with a random
topic per test, so tests share one broker without seeing each other's messages.
"""

from __future__ import annotations

import argparse
import signal
import threading

from marshmallow import Schema, fields
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table

from shared.config import KafkaSettings
from shared.db import make_engine, write_transaction
from shared.events.envelope import Event
from shared.events.registry import EventRegistry, EventType
from shared.kafka.clients import make_producer
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.kafka.retry import RetryPolicy
from shared.migrations import migrate
from shared.outbox import OutboxRelay, RelayPolicy, add_to_outbox
from shared.uow import UnitOfWork

metadata = MetaData()
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),  # deliberately not unique: we count
    Column("client_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
)


class CountedSchema(Schema):
    client_id = fields.String(required=True)
    seq = fields.Integer(required=True)


def event_type_for(topic_suffix: str) -> tuple[EventRegistry, EventType]:
    """A registry holding one test event type on its own topic."""
    registry = EventRegistry()
    event_type = registry.register(EventType(f"bustest.{topic_suffix}.counted", 1, CountedSchema))
    return registry, event_type


def prepare_database(url: str) -> Engine:
    """Plumbing tables plus the effects table."""
    engine = make_engine(url)
    migrate(engine)
    metadata.create_all(engine)
    return engine


_INSERT_EFFECT = effects.insert()  # built once, as the services' hot handlers do


def record_effect(uow: UnitOfWork, event: Event, payload: dict) -> None:
    """The handler under test: one insert per event."""
    uow.connection.execute(
        _INSERT_EFFECT,
        {"event_id": event.id, "client_id": payload["client_id"], "seq": payload["seq"]},
    )

def write_events(
    engine: Engine,
    registry: EventRegistry,
    event_type: EventType,
    count: int,
    clients: int = 10,
    start: int = 0,
) -> None:
    """Write ``count`` events to the outbox, each in its own state-change transaction."""
    for seq in range(start, start + count):
        client = f"client-{seq % clients}"
        event = registry.build(
            event_type, source="bustest", subject=client, data={"client_id": client, "seq": seq}
        )
        with write_transaction(engine) as connection:
            add_to_outbox(connection, event)


def _run_until_signalled(loop) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    stop.wait()
    loop.stop()
    thread.join(timeout=30)


def main() -> None:
    """``python -m tests.support.bus consume|relay --db URL --bootstrap B --topic-suffix S``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("consume", "relay"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic-suffix", required=True)
    parser.add_argument("--group", default="bustest")
    args = parser.parse_args()
    settings = KafkaSettings(bootstrap_servers=args.bootstrap)
    registry, event_type = event_type_for(args.topic_suffix)
    engine = make_engine(args.db)
    if args.role == "consume":
        loop = ConsumerRunner(
            engine,
            settings,
            args.group,
            [Subscription(event_type, record_effect)],
            registry=registry,
            retry=RetryPolicy(initial_backoff=0.05),
        )
    else:
        loop = OutboxRelay(
            engine,
            lambda: make_producer(settings),
            "bustest",
            RelayPolicy(idle_sleep=0.05, max_backoff=1.0),
        )
    _run_until_signalled(loop)


if __name__ == "__main__":
    main()
