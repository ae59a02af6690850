"""Small plumbing rules: retry backoff, dead-letter limit, group names, logs."""

from __future__ import annotations

import json
import logging

import pytest

from shared.config import KafkaSettings, load_settings
from shared.kafka.consumer import ConsumerRunner, DeadLetterLimit, DeadLetterLimitExceeded
from shared.kafka.retry import RetryPolicy
from shared.logs import JsonFormatter


def test_backoff_grows_exponentially_up_to_its_cap():
    policy = RetryPolicy(initial_backoff=0.5, multiplier=2, max_backoff=3, jitter=0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


def test_backoff_jitter_stays_within_its_band():
    policy = RetryPolicy(initial_backoff=1, jitter=0.1)
    assert all(0.9 <= policy.backoff(1) <= 1.1 for _ in range(100))


def test_log_lines_are_json_and_drop_fields_named_like_phi():
    record = logging.makeLogRecord(
        {
            "name": "t",
            "levelname": "INFO",
            "msg": "client registered",
            "client_id": "cl_1",
            "birth_date": "1980-01-01",
            "member_id": "W123",
        }
    )
    line = json.loads(JsonFormatter("screening").format(record))
    assert line["client_id"] == "cl_1"
    assert line["birth_date"] == line["member_id"] == "[redacted]"
    assert line["service"] == "screening"


def test_the_dead_letter_limit_admits_up_to_its_count_within_the_window():
    now = [0.0]
    limit = DeadLetterLimit(3, window_seconds=10, clock=lambda: now[0])
    for _ in range(3):
        limit.admit()
    with pytest.raises(DeadLetterLimitExceeded):
        limit.admit()


def test_the_dead_letter_limit_forgets_dead_letters_older_than_its_window():
    now = [0.0]
    limit = DeadLetterLimit(2, window_seconds=10, clock=lambda: now[0])
    limit.admit()
    now[0] = 5.0
    limit.admit()
    now[0] = 10.0  # the first one is now out of the window
    limit.admit()
    with pytest.raises(DeadLetterLimitExceeded):
        limit.admit()


def test_a_consumer_group_carries_the_deployments_prefix_but_records_events_under_its_name():
    settings = KafkaSettings(bootstrap_servers="127.0.0.1:1", group_prefix="staging-")
    runner = ConsumerRunner(None, settings, "claims", [])  # type: ignore[arg-type]
    assert runner.group_id == "staging-claims"
    assert runner.consumer == "claims"


def test_the_consumer_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MEDMASSAGE_CONSUMER_GROUP_PREFIX", "run-42-")
    monkeypatch.setenv("MEDMASSAGE_DLQ_LIMIT", "7")
    monkeypatch.setenv("MEDMASSAGE_DLQ_WINDOW_SECONDS", "30")
    kafka = load_settings("claims").kafka
    assert (kafka.group_prefix, kafka.dlq_limit, kafka.dlq_window_seconds) == ("run-42-", 7, 30.0)
