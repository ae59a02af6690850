"""The unit of work a command runs in: one transaction, its outbox, its processed-event record.

A command (``services/<name>/commands/``) takes a ``UnitOfWork`` and is the only code that
writes. Whatever it changes, the events it emits and, for a consumed event, the event's
id all commit together or not at all (docs/ARCHITECTURE.md, "Transactional outbox").
The unit of work is handed to the command explicitly: by ``shared.web.writes`` for a
request, by the consumer runner for an event, by a worker for its own rounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from shared.db import write_transaction
from shared.events.envelope import Event
from shared.events.registry import EventType
from shared.inbox import record_processed
from shared.outbox import Emission, emit_all


@dataclass
class UnitOfWork:
    """One open write transaction, and who and what caused it.

    ``source`` is the service (the events' CloudEvents source); ``correlation_id`` follows
    the flow that caused the work (a request, or the event being applied); ``actor`` is
    who asked (a staff subject, ``client:<id>``, or the consumer group).
    """

    connection: Connection
    source: str
    correlation_id: str | None = None
    actor: str | None = None

    def emit(self, event_type: EventType, subject: str, data: dict[str, Any]) -> Event:
        """Queue one event in this transaction (validated against its contract)."""
        (event,) = self.emit_all(event_type, [Emission(subject, data, self.correlation_id)])
        return event

    def emit_all(self, event_type: EventType, emissions: Iterable[Emission]) -> list[Event]:
        """Queue many events of one type in this transaction, in order (one insert).

        An emission without a correlation id of its own carries this unit of work's.
        """
        caused = (
            emission if emission.correlation_id else
            Emission(emission.subject, emission.data, self.correlation_id)
            for emission in emissions
        )
        return emit_all(self.connection, event_type, source=self.source, emissions=caused)

    def mark_processed(self, consumer: str, event_id: str) -> bool:
        """Record that ``consumer`` applied the event; False when it already had."""
        return record_processed(self.connection, consumer, event_id)


@contextmanager
def unit_of_work(
    engine: Engine, source: str, *, correlation_id: str | None = None, actor: str | None = None,
    inserts_with_commit: bool = False,
) -> Iterator[UnitOfWork]:
    """Open a write transaction as a unit of work: commits on success, rolls back on error.

    ``inserts_with_commit``: the plain inserts left at the end go with the commit
    (``shared.db.write_transaction``), for work that treats any error as failing it all.
    """
    with write_transaction(engine, inserts_with_commit=inserts_with_commit) as connection:
        yield UnitOfWork(connection, source, correlation_id, actor)
