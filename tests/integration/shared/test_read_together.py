"""Reads sent together: the rows of each as if sent alone, in one round trip on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import Column, Date, Integer, MetaData, Numeric, String, Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from shared.db import UtcDateTime, make_engine, write_transaction
from shared.deferred_inserts import DeferredInserts
from shared.read_together import read_together
from tests.support.relay import CountingRelay
from tests.support.statements import statements_sent

metadata = MetaData()
rooms = Table("rooms", metadata, Column("id", String(36), primary_key=True),
              Column("name", String(50), nullable=False))
visits = Table("visits", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
               Column("room_id", String(36), nullable=False),
               Column("at", UtcDateTime, nullable=False), Column("on", Date),
               Column("fee", Numeric(10, 2)), Column("notes", sa.JSON))

AT = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)
ROOMS = sa.select(rooms.c.id, rooms.c.name).order_by(rooms.c.name)
LOCK_ROOM = sa.select(rooms.c.id).where(rooms.c.id == sa.bindparam("room_id")).with_for_update()
VISITS = sa.select(visits.c.room_id, visits.c.at, visits.c.on, visits.c.fee, visits.c.notes,
                   sa.literal("visit").label("kind")).where(
    visits.c.room_id == sa.bindparam("room_id")).order_by(visits.c.id)


def _a_clinic(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.insert(rooms), [{"id": "r1", "name": "Blue"},
                                              {"id": "r2", "name": "Amber"}])
        connection.execute(sa.insert(visits), [
            {"room_id": "r1", "at": AT, "on": date(2026, 3, 3), "fee": Decimal("12.50"),
             "notes": {"pressure": "light"}},
            {"room_id": "r1", "at": AT, "on": None, "fee": None, "notes": None}])
    return engine


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = _a_clinic(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres(postgres_server):  # type: ignore[no-untyped-def]
    """PostgreSQL only: what the tests below show is about its round trips and statements."""
    engine = _a_clinic(postgres_server.create_database())
    yield engine
    engine.dispose()


@pytest.fixture
def relayed(postgres):  # type: ignore[no-untyped-def]
    """The same PostgreSQL database, reached through a relay that counts round trips."""
    url = make_url(postgres.url)
    counting = CountingRelay(url.host, url.port)
    engine = make_engine(url.set(drivername="postgresql", port=counting.port)
                         .render_as_string(hide_password=False))
    yield counting, engine
    engine.dispose()
    counting.close()


def test_each_read_gives_the_rows_it_gives_alone(engine):
    reads = [(ROOMS, {}), (VISITS, {"room_id": "r1"}), (LOCK_ROOM, {"room_id": "r2"})]
    with write_transaction(engine) as connection:
        together = read_together(connection, reads)
        alone = [connection.execute(statement, parameters).all()
                 for statement, parameters in reads]
    assert [[tuple(row) for row in rows] for rows in together] == \
        [[tuple(row) for row in rows] for rows in alone]
    room_rows, visit_rows, locked = together
    assert [row.name for row in room_rows] == ["Amber", "Blue"]
    first = visit_rows[0]
    # The columns' own conversions: an aware UTC datetime, a date, a Decimal, JSON.
    assert (first.at, first.on, first.fee, first.notes, first.kind) == (
        AT, date(2026, 3, 3), Decimal("12.50"), {"pressure": "light"}, "visit")
    assert first._mapping["room_id"] == "r1" and first[0] == "r1"
    assert visit_rows[1].notes is None and visit_rows[1].fee is None
    assert [row.id for row in locked] == ["r2"]


def test_on_postgresql_reads_sent_together_cost_one_round_trip(relayed):
    counting, relayed = relayed
    reads = [(ROOMS, {}), (LOCK_ROOM, {"room_id": "r1"}), (VISITS, {"room_id": "r1"})]
    with write_transaction(relayed) as connection:
        connection.execute(sa.select(1))  # the transaction's BEGIN, apart
        with counting.counting() as together:
            read_together(connection, reads)
        with counting.counting() as alone:
            for statement, parameters in reads:
                connection.execute(statement, parameters).all()
    assert together == [1]
    assert alone == [3]


def test_a_read_after_a_lock_sees_what_the_locks_holder_committed(engine):
    """The statement after the lock's has its own snapshot, taken once the lock is held."""
    holder = engine.connect()
    holder.begin()
    holder.execute(LOCK_ROOM, {"room_id": "r2"}).all()
    holder.execute(sa.insert(visits), {"room_id": "r2", "at": AT})
    answers: list[list[list[sa.Row]]] = []

    def read_under_the_lock() -> None:
        with write_transaction(engine) as connection:
            answers.append(read_together(connection, [(LOCK_ROOM, {"room_id": "r2"}),
                                                      (VISITS, {"room_id": "r2"})]))

    reader = threading.Thread(target=read_under_the_lock)
    reader.start()
    if engine.dialect.name == "postgresql":
        reader.join(timeout=0.5)
        assert reader.is_alive(), "the reader should wait for the room's lock"
    holder.commit()
    holder.close()
    reader.join(timeout=30)
    [(_, seen)] = answers
    assert [row.room_id for row in seen] == ["r2"]


def test_inserts_held_back_go_before_the_reads(engine):
    with write_transaction(engine) as connection:
        held = DeferredInserts(connection)
        held.execute(sa.insert(visits), {"room_id": "r2", "at": AT})
        [seen] = read_together(held, [(VISITS, {"room_id": "r2"})])
    assert len(seen) == 1


def test_every_read_is_told_to_the_engines_statement_listeners(engine):
    with statements_sent(engine) as sent, write_transaction(engine) as connection:
        read_together(connection, [(ROOMS, {}), (VISITS, {"room_id": "r1"})])
    assert len([one for one in sent if one.statement.lstrip().startswith("SELECT")]) == 2


def test_a_failing_read_raises_sqlalchemys_error_and_the_connection_stays_usable(engine):
    missing = sa.select(sa.table("no_such_table", sa.column("id")).c.id)
    with pytest.raises(DBAPIError), write_transaction(engine) as connection:
        read_together(connection, [(ROOMS, {}), (missing, {})])
    with write_transaction(engine) as connection:
        [room_rows] = read_together(connection, [(ROOMS, {})])
    assert len(room_rows) == 2


def test_on_postgresql_a_statement_with_an_expanding_list_is_refused(postgres):
    listed = sa.select(rooms.c.id).where(rooms.c.id.in_(sa.bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"), write_transaction(postgres) as connection:
        read_together(connection, [(listed, {"ids": ["r1"]})])


def test_on_postgresql_the_statements_kept_stay_bounded(postgres, monkeypatch):
    from shared import read_together as module

    monkeypatch.setattr(module, "_CACHE_LIMIT", 2)
    monkeypatch.setattr(module, "_cache", {})
    asked = ["r1", "r2", "r1"]  # three statements, each built anew
    with write_transaction(postgres) as connection:
        for room_id in asked:
            [found] = read_together(connection, [
                (sa.select(rooms.c.id).where(rooms.c.id == room_id), {})])
            assert [row.id for row in found] == [room_id]
            assert len(module._cache) <= 2
    assert len(module._cache) <= 2
