"""The SQL an engine or connection sends, recorded for tests that assert on it.

Tests count statements (round trips saved, statements under a write lock), check whether
SQLAlchemy compiled one anew (its cache hit) or what the driver was given; each of them
reads the record made here, from SQLAlchemy's ``before_cursor_execute`` event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine.interfaces import CacheStats


@dataclass(frozen=True)
class Sent:
    """One statement as it went to the driver."""

    statement: str
    parameters: Any  # as the driver gets them: a list of rows when ``executemany``
    executemany: bool
    # Whether SQLAlchemy compiled it anew; None for statements sent past its execution
    # (shared/read_together.py). Kept instead of the execution context, which holds the
    # cursor: an unread cursor kept open keeps SQLite from committing.
    cache_hit: CacheStats | None
    options: Mapping[str, Any]  # the sending connection's execution options at the time


@contextmanager
def statements_sent(engine_or_connection: Engine | Connection) -> Iterator[list[Sent]]:
    """A list that fills with each statement sent inside the block, in order."""
    sent: list[Sent] = []

    def record(connection, _cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(Sent(statement, parameters, executemany,
                         None if context is None else context.cache_hit,
                         connection.get_execution_options()))

    event.listen(engine_or_connection, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine_or_connection, "before_cursor_execute", record)
