"""Storage on both backends: migrations, UTC times, transactions, newest-version upserts."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from shared.db import UtcDateTime, make_engine, save_if_newer, write_transaction
from shared.migrations import migrate

metadata = MetaData()
stamps = Table(
    "stamps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
)


def test_migrations_create_the_plumbing_tables_and_can_run_again(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"outbox", "outbox_relay_lease", "processed_events", "idempotency_keys"} <= tables


def test_times_come_back_as_the_same_utc_instant(database_url):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    local = datetime(2026, 3, 8, 1, 30, tzinfo=timezone(timedelta(hours=-5)))
    with write_transaction(engine) as connection:
        connection.execute(insert(stamps).values(id=1, at=local))
    with engine.connect() as connection:
        stored = connection.execute(select(stamps.c.at)).scalar_one()
    assert stored == local
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_a_naive_time_is_refused(database_url):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with pytest.raises(Exception, match="naive"), write_transaction(engine) as connection:
        connection.execute(insert(stamps).values(id=2, at=datetime(2026, 1, 1)))


def test_a_failed_transaction_leaves_nothing_behind(database_url):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with pytest.raises(RuntimeError), write_transaction(engine) as connection:
        connection.execute(insert(stamps).values(id=3, at=datetime.now(UTC)))
        raise RuntimeError("something went wrong after the insert")
    with engine.connect() as connection:
        assert connection.execute(select(stamps).where(stamps.c.id == 3)).first() is None


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'service.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_writers_in_one_process_take_turns_in_the_order_they_came(tmp_path):
    # A writer that commits and begins again at once (a consumer on a backlog) must not
    # keep a second writer (the submission worker, a booking) waiting behind SQLite's
    # busy handler, which retries with growing sleeps.
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    busy, patient = make_engine(url), make_engine(url)  # two engines, one file
    metadata.create_all(busy)
    done: list[int] = []
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            with write_transaction(busy) as connection:
                row = {"id": 1000 + len(done), "at": datetime.now(UTC)}
                connection.execute(insert(stamps), row)
                time.sleep(0.02)
            done.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(done) < 3:
            time.sleep(0.01)
        before = len(done)
        with write_transaction(patient) as connection:
            during = len(done)
            connection.execute(insert(stamps), {"id": 1, "at": datetime.now(UTC)})
    finally:
        stop.set()
        writer.join()

    # Only the transaction in hand when the patient writer arrived went first.
    assert during - before <= 2


def test_a_write_transaction_opened_inside_another_on_sqlite_is_refused(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested.db'}")
    with (
        write_transaction(engine),
        pytest.raises(RuntimeError, match="nested"),
        write_transaction(engine),
    ):
        pass


def test_a_database_error_names_the_statement_but_not_the_patient_data_in_it(database_url):
    # Such messages end up in logs and in a dead letter's dlq.error header.
    engine = make_engine(database_url)
    metadata.create_all(engine)
    with write_transaction(engine) as connection:
        connection.execute(insert(stamps), {"id": 7, "at": datetime.now(UTC)})
    with pytest.raises(IntegrityError) as raised, write_transaction(engine) as connection:
        connection.execute(insert(stamps), {"id": 7, "at": datetime(1980, 5, 17, tzinfo=UTC)})

    message = str(raised.value)
    assert "INSERT INTO stamps" in message
    assert "1980" not in message


versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("note", String(20), nullable=False),
)


def _save(engine, version: int, note: str) -> bool:  # type: ignore[no-untyped-def]
    with write_transaction(engine) as connection:
        return save_if_newer(connection, versions, {"id": 1, "version": version, "note": note},
                             lambda stored, incoming: stored.version < incoming.version)


def _stored(engine) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return tuple(connection.execute(select(versions.c.version, versions.c.note)).one())


def test_the_newest_version_wins_whatever_order_versions_are_saved_in(database_url):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    assert _save(engine, 2, "second") is True
    assert _save(engine, 1, "first") is False
    assert _save(engine, 2, "second again") is False
    assert _stored(engine) == (2, "second")
    assert _save(engine, 3, "third") is True
    assert _stored(engine) == (3, "third")


def test_racing_writers_of_one_projection_row_never_let_an_older_version_win(database_url):
    engine = make_engine(database_url)
    metadata.create_all(engine)
    barrier = threading.Barrier(8)
    written: list[bool] = []

    def save(version: int) -> None:
        barrier.wait()
        written.append(_save(engine, version, f"v{version}"))

    threads = [threading.Thread(target=save, args=(v,)) for v in (5, 3, 8, 1, 7, 2, 6, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(written) == 8 and any(written)
    assert _stored(engine) == (8, "v8")
