"""The ops pages on the real broker: the live board, and an audited dead-letter replay."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from services.console.store.accounts import audit_lines
from shared.config import KafkaSettings
from shared.db import make_engine, read_only
from shared.kafka.clients import ensure_topics
from tests.support.console import Console, build_console, post_form, sign_in


@pytest.fixture
def console(tmp_path, kafka_settings: KafkaSettings) -> Console:  # type: ignore[no-untyped-def]
    built = build_console(f"sqlite:///{tmp_path / 'console.db'}",
                          screening_url="http://127.0.0.1:9", scheduling_url="http://127.0.0.1:9",
                          claims_url="http://127.0.0.1:9")
    config = replace(built.config, settings=replace(built.config.settings, kafka=kafka_settings))
    built.app.extensions["console.config"] = config
    built.config = config
    built.add_account("olga", "ops")
    return built


def test_the_board_draws_lag_backlog_and_claims_over_time_and_refreshes_its_live_part(
        console: Console):
    browser = console.client()
    sign_in(browser, "olga")
    board = browser.get("/ops/").get_data(as_text=True)
    for chart in ("lag-chart", "outbox-chart", "claims-chart", "claims-over-time"):
        assert f'id="{chart}"' in board
    assert 'data-refresh="/ops/live"' in board
    live = browser.get("/ops/live")
    assert live.status_code == 200 and "<html" not in live.get_data(as_text=True)
    assert 'id="topics"' in live.get_data(as_text=True)


def test_a_dead_letter_is_replayed_to_its_topic_and_the_replay_is_audited(
        console: Console, kafka_settings: KafkaSettings, unique: str):
    topic = f"console-test-{unique}"
    ensure_topics(kafka_settings, [topic, f"{topic}.dlq"], partitions=1)
    producer = KafkaProducer(**kafka_settings.client_options())
    producer.send(f"{topic}.dlq", key=b"k1", value=b"not an event",
                  headers=[("dlq.original_topic", topic.encode()),
                           ("dlq.consumer_group", b"some-group"),
                           ("dlq.reason", b"malformed"),
                           ("dlq.error", b"not JSON"), ("dlq.attempts", b"1")]).get(30)
    producer.close()
    browser = console.client()
    sign_in(browser, "olga")
    page = browser.get("/ops/dead-letters").get_data(as_text=True)
    assert f"{topic}.dlq p0 @0" in page and "malformed: not JSON" in page
    answer = post_form(browser, "/ops/dead-letters/replay",
                       {"topic": f"{topic}.dlq", "partition": "0", "offset": "0"},
                       page="/ops/dead-letters")
    assert answer.status_code == 200
    assert re.search(rf"Replayed {re.escape(topic)}\.dlq partition 0 offset 0",
                     answer.get_data(as_text=True))

    consumer = KafkaConsumer(**kafka_settings.client_options(), enable_auto_commit=False)
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    replayed = consumer.poll(timeout_ms=10000).get(partition, [])
    consumer.close()
    assert [message.value for message in replayed] == [b"not an event"]

    engine = make_engine(console.config.settings.database_url)
    with read_only(engine) as connection:
        (line,) = audit_lines(connection, "dead_letter_replayed")
    assert line["actor"] == "olga"
    assert line["detail"] == {"topic": f"{topic}.dlq", "partition": 0, "offset": 0,
                              "event_id": None}


def test_replaying_a_message_that_is_not_parked_says_so(console: Console, unique: str):
    browser = console.client()
    sign_in(browser, "olga")
    answer = post_form(browser, "/ops/dead-letters/replay",
                       {"topic": f"nothing-{unique}.dlq", "partition": "0", "offset": "7"},
                       page="/ops/dead-letters")
    assert answer.status_code == 404
    assert "no longer parked" in answer.get_data(as_text=True)
