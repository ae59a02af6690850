"""Small plumbing rules: retry backoff, dead-letter limit, group names, logs."""

from __future__ import annotations

import json
import logging

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaError

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


class _Consumer:
    """The KafkaConsumer calls the runner's commits make. As kafka-python does, a commit's
    answer reaches its callback on a later call (the next poll or commit)."""

    def __init__(self, owned: set) -> None:  # type: ignore[type-arg]
        self.owned = owned
        self.commits: list[dict] = []  # type: ignore[type-arg]
        self.refuse = False
        self._answers: list = []  # type: ignore[type-arg]

    def assignment(self) -> set:  # type: ignore[type-arg]
        return set(self.owned)

    def commit_async(self, offsets, callback) -> None:  # type: ignore[no-untyped-def]
        self.poll()
        self.commits.append(dict(offsets))
        self._answers.append((callback, offsets, KafkaError("refused") if self.refuse else None))

    def poll(self) -> None:
        answers, self._answers = self._answers, []
        for callback, offsets, answer in answers:
            callback(offsets, answer)


def _runner_with(consumer: _Consumer) -> ConsumerRunner:
    runner = ConsumerRunner(None, KafkaSettings(bootstrap_servers="127.0.0.1:1"), "claims", [])  # type: ignore[arg-type]
    runner._consumer = consumer  # type: ignore[assignment]
    return runner


def test_a_refused_commit_is_sent_again_when_the_runner_is_next_idle():
    a = TopicPartition("scheduling.session.completed.v2", 0)
    consumer = _Consumer({a})
    runner = _runner_with(consumer)
    consumer.refuse = True
    runner._commit(consumer, {a: 8})  # type: ignore[arg-type]
    consumer.refuse = False
    consumer.poll()  # the refusal arrives; nothing else to read
    runner._commit_again(consumer)  # type: ignore[arg-type]
    consumer.poll()
    runner._commit_again(consumer)  # type: ignore[arg-type]  # accepted: nothing more to send
    assert [commit[a].offset for commit in consumer.commits] == [8, 8]


def test_a_refused_commit_is_not_sent_again_after_the_partitions_changed_hands():
    a = TopicPartition("scheduling.session.completed.v2", 0)
    b = TopicPartition("scheduling.session.completed.v2", 1)
    consumer = _Consumer({a, b})
    runner = _runner_with(consumer)
    consumer.refuse = True
    runner._commit(consumer, {a: 8})  # type: ignore[arg-type]
    consumer.refuse = False
    consumer.poll()
    consumer.owned = {a}  # a rebalance: b's new owner commits what it reads
    runner._commit_again(consumer)  # type: ignore[arg-type]
    assert len(consumer.commits) == 1


def test_a_later_commit_supersedes_a_refused_one_whenever_the_refusal_arrives():
    a = TopicPartition("scheduling.session.completed.v2", 0)
    for refusal_read_first in (True, False):
        consumer = _Consumer({a})
        runner = _runner_with(consumer)
        consumer.refuse = True
        runner._commit(consumer, {a: 8})  # type: ignore[arg-type]
        consumer.refuse = False
        if refusal_read_first:
            consumer.poll()
        runner._commit(consumer, {a: 12})  # type: ignore[arg-type]  # reads the refusal if not yet
        consumer.poll()
        runner._commit_again(consumer)  # type: ignore[arg-type]  # must not move back to 8
        assert [commit[a].offset for commit in consumer.commits] == [8, 12]
