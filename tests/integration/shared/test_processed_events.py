"""The batch record of processed events, on both databases: which ids were new."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine.interfaces import CacheStats

from shared.db import write_transaction
from shared.inbox import processed_events, record_all_processed, record_processed
from tests.support.bus import prepare_database
from tests.support.statements import statements_sent


def test_a_batch_records_each_id_once_and_reports_only_those_not_recorded_before(database_url):
    engine = prepare_database(database_url)
    with write_transaction(engine) as connection:
        assert record_processed(connection, "billing", "e2")
        assert record_all_processed(connection, "reminders", ["e1"]) == {"e1"}
    with write_transaction(engine) as connection:
        new = record_all_processed(connection, "billing", ["e1", "e2", "e3", "e1", "e4"])
    assert new == {"e1", "e3", "e4"}
    with write_transaction(engine) as connection:
        assert record_all_processed(connection, "billing", ["e4", "e5"]) == {"e5"}
        assert record_all_processed(connection, "billing", []) == set()
    with engine.connect() as connection:
        recorded = connection.execute(
            select(processed_events.c.consumer, func.count()).group_by(processed_events.c.consumer)
        ).all()
    assert sorted(tuple(row) for row in recorded) == [("billing", 5), ("reminders", 1)]


def test_ids_recorded_in_a_transaction_that_rolls_back_are_new_again(database_url):
    engine = prepare_database(database_url)
    try:
        with write_transaction(engine) as connection:
            record_all_processed(connection, "billing", ["e1", "e2"])
            raise RuntimeError("the handler failed")
    except RuntimeError:
        pass
    with write_transaction(engine) as connection:
        assert record_all_processed(connection, "billing", ["e2", "e1"]) == {"e1", "e2"}


def test_recording_one_event_at_a_time_is_compiled_once(database_url):
    engine = prepare_database(database_url)
    recorded = []
    with statements_sent(engine) as sent:
        for event_id in ("e1", "e2", "e1"):
            with write_transaction(engine) as connection:
                recorded.append(record_processed(connection, "billing", event_id))
    assert recorded == [True, True, False]
    hits = [one.cache_hit for one in sent
            if "processed_events" in one.statement]
    assert hits[1:] == [CacheStats.CACHE_HIT, CacheStats.CACHE_HIT]
