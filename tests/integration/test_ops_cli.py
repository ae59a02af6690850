"""medmassage-ops against the real broker: topics, lag, tail, dead letters and replay."""

from __future__ import annotations

import threading

from click.testing import CliRunner
from kafka import KafkaProducer

from deploy.ops.cli import main
from shared.events.envelope import encode
from shared.kafka.clients import ensure_topics, make_producer
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.kafka.retry import RetryPolicy
from shared.outbox import OutboxRelay
from tests.integration.test_event_bus import effect_counts
from tests.support.bus import event_type_for, prepare_database, record_effect, write_events
from tests.support.waiting import wait_for


def ops(settings, *args: str, env: dict | None = None) -> str:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main, ["--bootstrap", settings.bootstrap_servers, *args], env=env, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_topics_lists_partitions_and_end_offsets(kafka_settings, unique, tmp_path):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'ops.db'}")
    write_events(engine, registry, event_type, 7)
    OutboxRelay(engine, lambda: make_producer(kafka_settings), "ops").relay_once()
    line = next(
        row
        for row in ops(kafka_settings, "topics").splitlines()
        if row.startswith(event_type.topic + " ")
    )
    assert "partitions=3" in line and "messages=7" in line


def test_tail_decodes_events_and_hides_phi_unless_asked(kafka_settings, unique):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic])
    event = registry.build(event_type, source="t", subject="c1", data={"client_id": "c1", "seq": 1})
    body = encode(event).replace(b'"seq":1', b'"seq":1,"last_name":"Doe"')
    producer = KafkaProducer(**kafka_settings.client_options())
    producer.send(event_type.topic, key=b"c1", value=body).get(timeout=10)
    hidden = ops(kafka_settings, "tail", event_type.topic, "--from-beginning", "-n", "1")
    assert event.id in hidden and "[redacted]" in hidden and "Doe" not in hidden
    shown = ops(
        kafka_settings, "tail", event_type.topic, "--from-beginning", "-n", "1", "--show-phi"
    )
    assert "Doe" in shown


def test_lag_dead_letters_and_replay_let_ops_recover_a_failed_event(
    kafka_settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'replay.db'}")
    broken = {"on": True}

    def sometimes_broken(connection, event, payload):  # type: ignore[no-untyped-def]
        if broken["on"]:
            raise RuntimeError("pricing table missing")
        record_effect(connection, event, payload)

    group = f"g-{unique}"
    runner = ConsumerRunner(
        engine,
        kafka_settings,
        group,
        [Subscription(event_type, sometimes_broken)],
        registry=registry,
        retry=RetryPolicy(max_attempts=2, initial_backoff=0.01),
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        write_events(engine, registry, event_type, 1)
        OutboxRelay(engine, lambda: make_producer(kafka_settings), "ops").relay_once()
        listing = wait_for(
            lambda: (
                (out := ops(kafka_settings, "dlq", "list", event_type.dead_letter_topic))
                != "no dead letters\n"
                and out
            ),
            what="the dead letter",
        )
        assert "reason=handler_failed" in listing and "pricing table missing" in listing
        assert f"group={group}" in listing
        wait_for(
            lambda: f"{group} " in ops(kafka_settings, "lag", "--group", group),
            what="committed offsets",
        )
        assert "lag=0" in ops(kafka_settings, "lag", "--group", group)

        broken["on"] = False  # the fix ships
        replayed = ops(kafka_settings, "dlq", "replay", event_type.dead_letter_topic, "--yes")
        assert "replayed 1 message(s)" in replayed
        wait_for(lambda: effect_counts(engine) == (1, 1), what="the replayed event applied")
    finally:
        runner.stop()
        thread.join(timeout=30)


def test_outbox_reports_pending_events_per_service(kafka_settings, unique, tmp_path):
    registry, event_type = event_type_for(unique)
    url = f"sqlite:///{tmp_path / 'screening.db'}"
    engine = prepare_database(url)
    write_events(engine, registry, event_type, 3)
    output = ops(
        kafka_settings,
        "outbox",
        env={"SCREENING_DATABASE_URL": url, "MEDMASSAGE_VAR_DIR": str(tmp_path / "none")},
    )
    assert "screening    pending=3" in output
    assert "scheduling   no database" in output
