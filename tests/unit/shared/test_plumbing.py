"""Small plumbing rules: retry backoff, dead-letter limit, group names, staff tokens, logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import jwt
import pytest

from shared.config import KafkaSettings, load_settings
from shared.kafka.consumer import ConsumerRunner, DeadLetterLimit, DeadLetterLimitExceeded
from shared.kafka.retry import RetryPolicy
from shared.logs import JsonFormatter
from shared.web.auth import issue_token, verify_token


def test_backoff_grows_exponentially_up_to_its_cap():
    policy = RetryPolicy(initial_backoff=0.5, multiplier=2, max_backoff=3, jitter=0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


def test_backoff_jitter_stays_within_its_band():
    policy = RetryPolicy(initial_backoff=1, jitter=0.1)
    assert all(0.9 <= policy.backoff(1) <= 1.1 for _ in range(100))


def test_a_token_carries_its_roles_and_expires():
    token = issue_token("k" * 32, "alice", ["billing"], ttl=timedelta(minutes=5))
    assert verify_token("k" * 32, token)["roles"] == ["billing"]
    expired = issue_token("k" * 32, "alice", ["billing"], ttl=timedelta(seconds=-1))
    with pytest.raises(jwt.ExpiredSignatureError):
        verify_token("k" * 32, expired)
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token("x" * 32, token)


def test_tokens_name_only_known_roles():
    with pytest.raises(ValueError):
        issue_token("k" * 32, "mallory", ["superuser"])


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


def test_the_token_cli_prints_a_token_with_the_roles_asked_for(monkeypatch):
    from click.testing import CliRunner

    from shared.auth_cli import main

    monkeypatch.setenv("MEDMASSAGE_JWT_SECRET", "s" * 32)
    result = CliRunner().invoke(main, ["--subject", "alice", "--role", "billing",
                                       "--role", "ops", "--hours", "1"])
    assert result.exit_code == 0, result.output
    claims = verify_token("s" * 32, result.output.strip().splitlines()[-1])
    assert (claims["sub"], claims["roles"]) == ("alice", ["billing", "ops"])


def test_the_token_cli_refuses_an_unknown_role():
    from click.testing import CliRunner

    from shared.auth_cli import main

    result = CliRunner().invoke(main, ["--subject", "bob", "--role", "root"])
    assert result.exit_code != 0
    assert "root" in result.output


def test_a_token_bucket_allows_a_burst_then_refills_at_its_rate():
    from shared.web.ratelimit import TokenBuckets

    now = [0.0]
    buckets = TokenBuckets(per_minute=2, clock=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == 30.0
    assert buckets.take("b") == 0
    now[0] = 30.0
    assert buckets.take("a") == 0


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
