"""``execute_many`` writes exactly what ``connection.execute`` writes, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from shared.bulk import execute_many
from shared.db import UtcDateTime, make_engine, write_transaction
from tests.support.statements import statements_sent

metadata = MetaData()
ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("amount", Numeric(10, 2), nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("note", String(50), nullable=True, default="defaulted"),
)
INSERT = insert(ledger)
MOVE = (
    update(ledger)
    .where(ledger.c.claim_id == bindparam("_claim_id"), ledger.c.status == bindparam("_from"))
    .values(status=bindparam("_to"), at=bindparam("_at"))
)


def _rows(now: datetime, note: bool = True) -> list[dict]:
    rows = [
        {"claim_id": f"c{n}", "status": "accepted", "amount": None if n == 3 else n * 1.25,
         "at": now if n % 2 else now + timedelta(hours=n)}
        for n in range(6)
    ]  # fmt: skip
    return [{**row, "note": f"n{n}"} for n, row in enumerate(rows)] if note else rows


def test_rows_written_in_bulk_read_back_as_the_ordinary_insert_writes_them(database_url: str):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    now = datetime(2026, 12, 2, 1, 0, 30, 123456, tzinfo=UTC)
    with write_transaction(engine) as connection:
        execute_many(connection, INSERT, _rows(now))
        connection.execute(INSERT, [{**r, "claim_id": "o" + r["claim_id"]} for r in _rows(now)])
        # Without the note: the column's Python default applies on either path.
        execute_many(connection, INSERT, _rows(now, note=False)[:1])
    with engine.connect() as connection:
        stored = connection.execute(select(ledger).order_by(ledger.c.id)).all()
    bulk, ordinary, defaulted = stored[:6], stored[6:12], stored[12]
    assert [tuple(r)[2:] for r in bulk] == [tuple(r)[2:] for r in ordinary]
    assert [r.claim_id for r in bulk] == [f"c{n}" for n in range(6)]
    assert bulk[1].at == now and bulk[2].at == now + timedelta(hours=2)
    assert bulk[3].amount is None
    assert defaulted.note == "defaulted"
    engine.dispose()


def test_a_bulk_compare_and_set_update_counts_only_the_rows_still_in_their_state(
    database_url: str,
):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    with write_transaction(engine) as connection:
        execute_many(connection, INSERT, _rows(now))
        moves = [{"_claim_id": f"c{n}", "_from": "accepted" if n != 4 else "paid",
                  "_to": "paid", "_at": now} for n in range(6)]  # fmt: skip
        assert execute_many(connection, MOVE, moves) == 5
        again = [{**move, "_from": "accepted"} for move in moves]
        assert execute_many(connection, MOVE, again) == 1  # only c4 was still accepted
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(ledger.c.claim_id, ledger.c.status)).all())
    assert statuses == {f"c{n}": "paid" for n in range(6)}
    engine.dispose()


def test_nothing_to_write_writes_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    metadata.create_all(engine)
    with write_transaction(engine) as connection:
        assert execute_many(connection, INSERT, []) == 0
    engine.dispose()


def test_a_naive_time_is_refused_in_bulk_as_it_is_one_at_a_time(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'naive.db'}")
    metadata.create_all(engine)
    with pytest.raises(Exception, match="naive datetime"), write_transaction(engine) as connection:
        execute_many(connection, INSERT, _rows(datetime(2026, 12, 2, 1, 0)))
    engine.dispose()


receipts = Table(
    "receipts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("at", UtcDateTime, nullable=False),
)
RECEIPT = insert(receipts)


def _receipts(numbers: range | list[int]) -> list[dict]:
    at = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    return [{"number": number, "at": at} for number in numbers]


def test_a_bulk_insert_counts_the_rows_it_inserted_and_keeps_their_order(database_url: str):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with write_transaction(engine) as connection:
        assert execute_many(connection, RECEIPT, _receipts(range(100, 0, -1))) == 100
    with engine.connect() as connection:
        numbers = connection.execute(select(receipts.c.number).order_by(receipts.c.id)).scalars()
        assert list(numbers) == list(range(100, 0, -1))
    engine.dispose()


def test_a_bulk_insert_reaches_the_driver_as_one_statement_and_a_tuple_per_row(
    database_url: str,
):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with statements_sent(engine) as sent, write_transaction(engine) as connection:
        execute_many(connection, RECEIPT, _receipts(range(1, 4)))
    [(sql, parameters)] = [(one.statement, one.parameters) for one in sent
                           if one.statement.startswith("INSERT")]
    assert sql.count("VALUES (") == 1  # one row's statement, run for each row
    # The driver's tuples, made once for all rows: no SQLAlchemy parameter dict per row.
    assert [row[0] for row in parameters] == [1, 2, 3]  # type: ignore[attr-defined]
    assert all(type(row) is tuple for row in parameters)  # type: ignore[attr-defined]
    engine.dispose()


def test_a_unique_violation_in_a_bulk_insert_fails_it_and_inserts_nothing(database_url: str):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with pytest.raises(IntegrityError), write_transaction(engine) as connection:
        execute_many(connection, RECEIPT, _receipts([1, 2, 3, 2, 4]))
    with engine.connect() as connection:
        assert connection.execute(select(receipts.c.number)).all() == []
    engine.dispose()
