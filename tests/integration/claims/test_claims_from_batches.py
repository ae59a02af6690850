"""Sessions applied as one consumer batch make exactly the claims, lines, history and
events that the same sessions applied one at a time make, on SQLite and PostgreSQL.

The batch goes through the consumer runner's own batch path (``ConsumerRunner._process``,
handed the records a poll returns), where the claims are read for and written together
(services/claims/commands/claim_batches.py); the reference goes event by event through
the handlers, each in its own transaction. The two runs use the same scenario under
different id prefixes in one database and are compared with the ids and times taken out.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from kafka.consumer.fetcher import ConsumerRecord
from sqlalchemy import select

from services.claims.handlers import SUBSCRIPTIONS
from services.claims.store.tables import claim_history, claim_lines, claims
from shared.config import KafkaSettings
from shared.events import EVENTS, Event, encode
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from shared.kafka.consumer import ConsumerRunner
from shared.outbox import outbox
from tests.integration.claims.support import (
    VISIT_DAY,
    client_data,
    deliver,
    event,
    referral_data,
    session_data,
    set_up_billing,
)


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    set_up_billing(engine)


def long_session(client_id: str, referral_id: str, session_id: str, **kwargs: Any) -> dict:
    """60 minutes of myofascial release on the lower back: 4 units of 97140."""
    data = session_data(client_id, referral_id, session_id, **kwargs)
    data["codes"] = [{"code": "97140", "minutes": 60, "units": 4}]
    data["techniques"] = [
        {"technique": "myofascial_release", "minutes": 60, "body_regions": ["lower_back"]}
    ]
    return data


def scenario(world: str) -> tuple[list[Event], list[Event]]:
    """(events applied one at a time first, the session events of the batch) for a world.

    - c1's referral authorizes 2 visits; one session is billed before the batch, two more
      come in it: the second of them finds the visits used up;
    - c2 has two 4-unit sessions of 97140 on one day in the batch (the daily limit is 6,
      so the second passes it) and one the day before;
    - c3 has neither client nor referral yet;
    - one session of the batch comes twice (a new event id), and the session billed
      before the batch is redelivered in it.
    """
    c1, c2, c3 = (f"{world}-c{n}" for n in (1, 2, 3))
    r1, r2, r3 = (f"{world}-r{n}" for n in (1, 2, 3))
    s = [f"{world}-s{n}" for n in range(8)]
    before_data = session_data(c1, r1, s[0])
    before = [
        event(CLIENT_REGISTERED, client_data(c1)),
        event(REFERRAL_RECORDED, referral_data(c1, r1, authorized_visits=2)),
        event(CLIENT_REGISTERED, client_data(c2)),
        event(REFERRAL_RECORDED, referral_data(c2, r2)),
        event(SESSION_COMPLETED, before_data),
    ]
    twice = session_data(c1, r1, s[1])
    batch = [
        event(SESSION_COMPLETED, twice),
        event(SESSION_COMPLETED, long_session(c2, r2, s[4])),
        event(SESSION_COMPLETED, session_data(c1, r1, s[2])),
        event(SESSION_COMPLETED, twice),
        event(SESSION_COMPLETED, long_session(c2, r2, s[5])),
        event(SESSION_COMPLETED, session_data(c3, r3, s[7])),
        event(SESSION_COMPLETED, before_data),
        event(SESSION_COMPLETED, long_session(c2, r2, s[6],
                                              date_of_service=VISIT_DAY - timedelta(days=1))),
    ]  # fmt: skip
    return before, batch


def apply_as_one_poll(engine, events: list[Event]) -> None:  # type: ignore[no-untyped-def]
    runner = ConsumerRunner(engine, KafkaSettings(bootstrap_servers="127.0.0.1:1"), "claims",
                            SUBSCRIPTIONS)  # fmt: skip
    records = [
        ConsumerRecord(item.type, 0, 0, offset, 0, 0, item.subject.encode(), encode(item),
                       [], None, 0, 0, 0)
        for offset, item in enumerate(events)
    ]  # fmt: skip
    assert [record.offset for record in records] == list(runner._process(records))


def what_was_made(engine, world: str) -> str:  # type: ignore[no-untyped-def]
    """The world's claims, lines, history and events as JSON, ids and times replaced."""
    like = f"{world}-%"
    with engine.connect() as connection:
        rows = connection.execute(
            select(claims).where(claims.c.session_id.like(like)).order_by(claims.c.session_id)
        ).all()
        ids = [row.claim_id for row in rows]
        made = []
        for row in rows:
            claim = dict(row._mapping)
            for moment in ("created_at", "updated_at", "status_changed_at", "ready_at"):
                claim[moment] = claim[moment] is not None
            lines = connection.execute(
                select(claim_lines).where(claim_lines.c.claim_id == row.claim_id)
                .order_by(claim_lines.c.line_number)
            ).all()  # fmt: skip
            history = connection.execute(
                select(claim_history.c.status, claim_history.c.transition,
                       claim_history.c.reasons, claim_history.c.note, claim_history.c.evidence)
                .where(claim_history.c.claim_id == row.claim_id).order_by(claim_history.c.id)
            ).all()  # fmt: skip
            claim["session"] = json.loads(claim["session"])
            claim["snapshot"] = json.loads(claim["snapshot"])
            claim["lines"] = [dict(line._mapping) for line in lines]
            claim["history"] = [dict(entry._mapping) for entry in history]
            made.append(claim)
        events = [
            {"topic": topic, "key": key, "data": json.loads(payload)["data"],
             "correlated": "correlationid" in json.loads(payload)}
            for topic, key, payload in connection.execute(
                select(outbox.c.topic, outbox.c.message_key, outbox.c.payload)
                .where(outbox.c.message_key.like(like)).order_by(outbox.c.id)
            )
        ]  # fmt: skip
    text = json.dumps({"claims": made, "events": events}, default=str, sort_keys=True)
    for number, claim_id in enumerate(ids):
        text = text.replace(claim_id, f"CLAIM-{number}")
    text = re.sub(r'"correlation_id": "[^"]*"', '"correlation_id": "an event"', text)
    text = re.sub(r'"appointment_id": "[^"]*"', '"appointment_id": "a visit"', text)
    text = re.sub(r'"completed_at": "[^"]*"', '"completed_at": "then"', text)
    return text.replace(f"{world}-", "WORLD-")


def test_a_batch_of_sessions_makes_the_same_claims_and_events_as_one_at_a_time(
    engine, caplog
):
    caplog.set_level(logging.INFO, logger="shared.consumer")
    one_by_one, together = scenario("one"), scenario("batch")
    for item in one_by_one[0] + one_by_one[1]:
        deliver(engine, item)
    for item in together[0]:
        deliver(engine, item)

    apply_as_one_poll(engine, together[1])

    assert not [r for r in caplog.records if r.getMessage().startswith("batch apply failed")]
    expected = what_was_made(engine, "one")
    assert what_was_made(engine, "batch") == expected
    # The scenario does what it says (so the comparison covers each case).
    made = json.loads(expected)["claims"]
    assert [(c["session_id"], c["status"]) for c in made] == [
        ("WORLD-s0", "ready"), ("WORLD-s1", "ready"), ("WORLD-s2", "needs_review"),
        ("WORLD-s4", "ready"), ("WORLD-s5", "needs_review"), ("WORLD-s6", "ready"),
        ("WORLD-s7", "needs_review"),
    ]  # fmt: skip
    reasons = {c["session_id"]: {r["code"] for r in json.loads(c["reasons"])} for c in made}
    assert "unit_limit_exceeded" in reasons["WORLD-s5"]
    assert reasons["WORLD-s2"] and "unit_limit_exceeded" not in reasons["WORLD-s2"]


def test_a_batch_redelivered_whole_under_new_event_ids_makes_no_second_claim(engine, caplog):
    caplog.set_level(logging.INFO, logger="shared.consumer")
    before, batch = scenario("again")
    for item in before:
        deliver(engine, item)
    apply_as_one_poll(engine, batch)
    first = what_was_made(engine, "again")

    again = [event(SESSION_COMPLETED, EVENTS.load_payload(item)) for item in batch]
    apply_as_one_poll(engine, again)

    assert not [r for r in caplog.records if r.getMessage().startswith("batch apply failed")]
    assert what_was_made(engine, "again") == first
