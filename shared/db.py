"""Engines from DATABASE_URL, explicit transactions, and migrations on start.

SQLite is the embedded default (one file per service, WAL, busy timeout); PostgreSQL is
the production choice. Writes go through ``write_transaction`` so that SQLite takes its
write lock at BEGIN (``BEGIN IMMEDIATE``) instead of failing half-way with "database is
locked" when two processes upgrade read locks at once, and so that one process's
writers to a SQLite file take turns in the order they came (``WriteTurns``).
"""

from __future__ import annotations

import copy
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Table,
    TextClause,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.types import TypeDecorator

from shared.trailing_inserts import TrailingInserts

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """Create an engine tuned for the database behind ``url``.

    Bound values are kept out of SQLAlchemy's error messages: those reach logs and a
    dead letter's ``dlq.error`` header, and the values are names, birth dates, member ids.
    """
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_size=10, max_overflow=10, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


# A pooled connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection is alive before use, unless it was in use a moment ago.

    ``pool_pre_ping`` pings on every checkout: one more round trip for every request and
    every unit of work (docs/PERFORMANCE.md, "Booking"). A connection given back less than
    ``PING_AFTER_IDLE_SECONDS`` ago was working then; one idle for longer (a quiet spell,
    a database restart) is pinged, and a dead one is replaced (SQLAlchemy's
    DisconnectionError from a checkout handler: the pool reconnects and tries again).
    """

    @event.listens_for(engine, "checkin")
    def _given_back(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["given_back_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        given_back_at = record.info.get("given_back_at")
        if given_back_at is None or time.monotonic() - given_back_at < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected), or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises, the connection is unusable
            raise DisconnectionError("pooled connection failed its ping") from exc


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Take transaction control away from the sqlite3 module so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if path and path != ":memory:":
        _TURNS_BY_ENGINE[engine] = _turns_for_file(os.path.realpath(path))
    return engine


class WriteTurns:
    """First come, first served among the writers to one SQLite file, threads and processes.

    SQLite's own busy handler retries with growing sleeps (up to 100 ms apart), so a thread
    that commits and begins again at once (a consumer working through a backlog) can keep
    the write lock for seconds while the submission worker or a booking request waits, and
    a writer in another process (a gunicorn worker) sleeps past the moment the lock frees.
    Taking a ticket first makes a process's threads go in arrival order; then an exclusive
    ``flock`` on a file beside the database (``<db>.write-turn``) makes the processes take
    turns, the kernel waking the next waiter the moment the lock is released. SQLite's
    lock and busy timeout still guard writers that come another way (migrations, tools).
    """

    def __init__(self, lock_path: str | None = None) -> None:
        self._changed = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        self._holder: int | None = None
        self._lock_path = lock_path
        self._lock_file: int | None = None
        self._lock_pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this thread's turn (and this process's) and hold it for the block."""
        me = threading.get_ident()
        with self._changed:
            if self._holder == me:
                # A second write transaction inside the first would wait on itself forever.
                raise RuntimeError("write_transaction nested inside another on this thread")
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._changed.wait()
            self._holder = me
        try:
            with self._between_processes():
                yield
        finally:
            with self._changed:
                self._holder = None
                self._serving += 1
                self._changed.notify_all()

    @contextmanager
    def _between_processes(self) -> Iterator[None]:
        if self._lock_path is None:
            yield
            return
        descriptor = self._descriptor()
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        # Opened per process: a descriptor inherited through fork (gunicorn's workers) shares
        # its lock with the parent's, so it would not keep the two apart.
        assert self._lock_path is not None
        if self._lock_file is None or self._lock_pid != os.getpid():
            self._lock_file = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_pid = os.getpid()
        return self._lock_file


_TURNS_BY_FILE: dict[str, WriteTurns] = {}
_TURNS_BY_ENGINE: weakref.WeakKeyDictionary[Engine, WriteTurns] = weakref.WeakKeyDictionary()
_TURNS_LOCK = threading.Lock()


def _turns_for_file(path: str) -> WriteTurns:
    # One per file, not per engine: tests and tools open several engines on one file.
    with _TURNS_LOCK:
        return _TURNS_BY_FILE.setdefault(path, WriteTurns(f"{path}.write-turn"))


@contextmanager
def write_transaction(engine: Engine, *, inserts_with_commit: bool = False) -> Iterator[Connection]:
    """A transaction that commits on success and rolls back on any exception.

    With ``inserts_with_commit`` the block gets a connection that holds back plain inserts
    (``shared/trailing_inserts.py``: any other statement sends them first, in order), and
    those still held at the end go just before the COMMIT, on PostgreSQL as one statement
    and one round trip where each would otherwise be its own. A booking ends with three
    (the visit, its event, its audit row). The price is that of deferred inserts: a
    failing one raises later, at the next statement or at the end, so the block must
    treat any error as the whole block failing (a view under ``@writes`` does: its
    transaction rolls back).
    """
    turns = _TURNS_BY_ENGINE.get(engine)
    with turns.turn() if turns else nullcontext(), engine.connect() as connection:
        connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            if not inserts_with_commit:
                yield connection
                return
            held = TrailingInserts(connection)
            yield cast(Connection, held)
            held.send_all()


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A connection for reads; whatever it began is rolled back when done."""
    with engine.connect() as connection:
        yield connection


def database_reachable(engine: Engine) -> bool:
    """Whether a trivial query succeeds (used by /readyz)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # readiness only needs yes/no; the cause is logged by the caller
        return False
    return True


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def dialect_insert(connection: Connection, table: Table) -> Any:
    """INSERT with ON CONFLICT, which both backends speak (as their own dialect constructs)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite_insert(table)
    if dialect == "postgresql":
        return postgresql_insert(table)
    raise NotImplementedError(dialect)  # pragma: no cover - only the two backends exist


def insert_if_absent(connection: Connection, table: Table, values: dict[str, object]) -> bool:
    """Insert a row unless its primary key exists; True when this call inserted it."""
    first_key = next(iter(table.primary_key.columns))
    statement = _compiled_once(
        connection, table, tuple(values), "do nothing",
        # RETURNING rather than rowcount: psycopg does not report a rowcount here.
        lambda insert: insert.on_conflict_do_nothing().returning(first_key),
    )
    return connection.execute(statement, values).first() is not None


Newer = Callable[[ReadOnlyColumnCollection[str, Column[Any]], Any], ColumnElement[bool]]


def save_if_newer(
    connection: Connection, table: Table, values: dict[str, Any], is_newer: Newer
) -> bool:
    """Insert the row, or overwrite the stored one only when ``is_newer``; True when written.

    The projections' rule "the newest version wins, whatever order events come in" as one
    statement, ``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE <newer>``, so it is
    atomic on both backends: two consumers racing on one key cannot both read "absent"
    or let an older version overwrite a newer one. ``is_newer(stored, incoming)`` gets the
    table's columns and the incoming row (``excluded``) and returns the condition; it must
    depend on nothing else (its code and captured values are what the compiled statement
    is kept by). Columns not in ``values`` keep what is stored.
    """
    return _upsert(connection, table, values, is_newer)


def insert_or_replace(connection: Connection, table: Table, values: dict[str, Any]) -> None:
    """Insert the row, or overwrite the stored one's columns in ``values``."""
    _upsert(connection, table, values, None)


def _upsert(
    connection: Connection, table: Table, values: dict[str, Any], is_newer: Newer | None
) -> bool:
    keys = [column.name for column in table.primary_key.columns]

    def on_conflict_update(insert: Any) -> Any:
        return insert.on_conflict_do_update(
            index_elements=keys,
            set_={name: insert.excluded[name] for name in values if name not in keys},
            where=None if is_newer is None else is_newer(table.c, insert.excluded),
        ).returning(table.c[keys[0]])

    condition = None if is_newer is None else _identity_of(is_newer)
    if is_newer is not None and condition is None:  # not one to keep: compiled this once
        insert = dialect_insert(connection, table).values(**values)
        return connection.execute(on_conflict_update(insert)).first() is not None
    statement = _compiled_once(
        connection, table, tuple(values), ("do update", condition), on_conflict_update)
    return connection.execute(statement, values).first() is not None


# The dialects' ON CONFLICT inserts as SQL text, by (dialect, table, columns, what to do on
# a conflict). SQLAlchemy 2.0 cannot cache those constructs (their ON CONFLICT clause has
# no cache key: ``inherit_cache = False``), so each execution compiled one again, ~0.5 ms
# of CPU, more than the database took to run it (docs/PERFORMANCE.md, "Booking"); the same
# statement as text with typed parameters is compiled once per process and hit after that.
# Emptied when full: today's callers make a handful of keys, but a condition capturing a
# value that differs per call would add one per call, forever. Emptying rather than
# evicting the oldest keeps reads lock-free for the request and consumer threads (each
# dict operation is atomic under the GIL; a race costs one more compile); the statements
# still in use are compiled again once each.
_COMPILED_LIMIT = 512
_COMPILED: dict[tuple[Any, ...], TextClause] = {}


def _compiled_once(
    connection: Connection, table: Table, columns: tuple[str, ...], on_conflict: Hashable,
    finish: Callable[[Any], Any],
) -> TextClause:
    cache_key = (connection.dialect.name, table, columns, on_conflict)
    statement = _COMPILED.get(cache_key)
    if statement is None:
        insert = dialect_insert(connection, table).values(
            {name: bindparam(name, type_=table.c[name].type) for name in columns})
        compiled = _as_text(finish(insert), connection.dialect, columns)
        if len(_COMPILED) >= _COMPILED_LIMIT:
            _COMPILED.clear()
        statement = _COMPILED.setdefault(cache_key, compiled)
    return statement


def _as_text(statement: Any, dialect: Dialect, columns: tuple[str, ...]) -> TextClause:
    """The statement as the dialect writes it, with its parameters named and typed.

    Compiled with named parameters (``:name``) and without PostgreSQL's casts on them:
    compiling the text for execution renders the dialect's own placeholders and casts,
    and the types process the values (``UtcDateTime``, JSON) as they did before.
    """
    named = copy.copy(dialect)
    named.paramstyle, named.positional = "named", False
    named._bind_typing_render_casts = False  # type: ignore[misc]  # the text's compile adds them
    compiled = statement.compile(dialect=named)
    parameters = [
        bindparam(name, type_=parameter.type) if name in columns  # given at each execution
        else bindparam(name, value=parameter.effective_value, type_=parameter.type)
        for parameter, name in compiled.bind_names.items()
    ]
    return text(compiled.string).bindparams(*parameters)


def _identity_of(function: Callable[..., Any]) -> Hashable | None:
    """What a condition's statement is kept by; None when a captured value cannot key it."""
    # A lambda written at the call is a new object each call but always the same code.
    captured = tuple(cell.cell_contents for cell in function.__closure__ or ())
    try:
        hash(captured)
    except TypeError:  # a list or dict captured: compiled at each call, as before
        return None
    return function.__code__, captured
