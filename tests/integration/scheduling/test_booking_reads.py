"""Booking reads only what it decides on, and decides the same as on the full rows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import make_url

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from services.scheduling.store.booking_reads import first_look, second_look
from services.scheduling.store.calendar import load_rooms, load_therapist
from services.scheduling.store.eligibility import (
    eligibility_for_booking,
    eligibility_from,
    load_eligibility,
)
from shared.db import write_transaction
from shared.events.contracts.screening import REFERRAL_WINDOW, SCREENING_COMPLETED
from tests.integration.scheduling.clinic import (
    a_referral,
    a_screening,
    book,
    deliver,
    eligible_client,
    local,
    set_up_clinic,
    settings_for,
)
from tests.support.relay import CountingRelay

TUESDAY_10 = local(2026, 3, 3, 10)


def _a_client_with_everything(engine) -> str:  # type: ignore[no-untyped-def]
    client_id = str(uuid.uuid4())
    deliver(engine, SCREENING_COMPLETED, a_screening(
        client_id, outcome="cleared_with_precautions", restricted_regions=["left_knee"],
        restricted_techniques=["deep_tissue"], pressure_limit="light",
        recorded_at=datetime(2026, 2, 20, tzinfo=UTC)))
    deliver(engine, REFERRAL_WINDOW, a_referral(client_id, authorized_visits=8))
    deliver(engine, REFERRAL_WINDOW, a_referral(
        client_id, authorized_visits=3, status="revoked", closed_on=date(2026, 3, 1)))
    return client_id


def test_booking_decides_on_the_same_eligibility_as_the_front_desk_sees(engine):
    client_id = _a_client_with_everything(engine)
    with engine.connect() as connection:
        seen = load_eligibility(connection, client_id).eligibility
    with write_transaction(engine) as connection:
        decided = eligibility_for_booking(connection, client_id)
    assert decided == seen
    assert decided.restrictions.restricted_regions == frozenset({"left_knee"})
    assert len(decided.referrals) == 2


def test_a_client_without_a_screening_or_referrals_is_decided_on_as_before(engine):
    client_id = str(uuid.uuid4())
    with engine.connect() as connection:
        seen = load_eligibility(connection, client_id).eligibility
    with write_transaction(engine) as connection:
        decided = eligibility_for_booking(connection, client_id)
    assert decided == seen
    assert decided.screening_outcome is None and decided.referrals == ()


def test_a_client_with_referrals_but_no_screening_has_no_screening_when_booking(engine):
    client_id = str(uuid.uuid4())
    deliver(engine, REFERRAL_WINDOW, a_referral(client_id))
    with write_transaction(engine) as connection:
        decided = eligibility_for_booking(connection, client_id)
    assert decided.screening_outcome is None and len(decided.referrals) == 1


# -- what booking one visit reads, in two round trips on PostgreSQL (store/booking_reads.py) --


def _looked_at(engine, clinic, client_id: str, start=TUESDAY_10):  # type: ignore[no-untyped-def]
    with write_transaction(engine) as connection:
        first = first_look(connection, clinic.service_id, client_id)
        assert first.service_and_settings is not None
        service, settings = first.service_and_settings
        second = second_look(connection, first, client_id, clinic.therapist_id, start,
                             start + service.duration, timedelta(minutes=settings.buffer_minutes),
                             first.room_ids)
    return first, second


@pytest.mark.parametrize("client", ["with everything", "without a screening or referrals",
                                    "with referrals but no screening"])
def test_the_booking_reads_decide_on_what_the_front_desk_sees(engine, clinic, client):
    if client == "with everything":
        client_id = _a_client_with_everything(engine)
    else:
        client_id = str(uuid.uuid4())
        if client == "with referrals but no screening":
            deliver(engine, REFERRAL_WINDOW, a_referral(client_id))
    with engine.connect() as connection:
        seen = load_eligibility(connection, client_id).eligibility
    _, second = _looked_at(engine, clinic, client_id)
    assert eligibility_from(client_id, second.referrals, second.screening) == seen


def test_the_booking_reads_find_the_service_therapist_rooms_and_busy_time(
        http, engine, clinic):
    client_id = eligible_client(engine)
    assert book(http, clinic, client_id, TUESDAY_10 - timedelta(hours=1)).status_code == 201
    first, second = _looked_at(engine, clinic, client_id)
    with engine.connect() as connection:
        rooms = [room.id for room in load_rooms(connection)]
        therapist = load_therapist(connection, clinic.therapist_id)
    assert first.room_ids == rooms
    assert second.therapist == therapist
    assert [(busy.therapist_id, busy.start) for busy in second.busy] == \
        [(clinic.therapist_id, TUESDAY_10 - timedelta(hours=1))]
    assert second.client_visits == []  # the visit before ends at ten: no overlap


def test_the_booking_reads_say_when_there_is_no_such_service_or_therapist(engine, clinic):
    client_id = eligible_client(engine)
    with write_transaction(engine) as connection:
        first = first_look(connection, "no-such-service", client_id)
        assert first.service_and_settings is None
        second = second_look(connection, first, client_id, "no-such-therapist", TUESDAY_10,
                             TUESDAY_10 + timedelta(hours=1), timedelta(0), first.room_ids)
    assert second.therapist is None


def test_a_booking_on_postgresql_reads_and_books_in_six_round_trips(postgres_server, clock):
    """The BEGIN (psycopg waits for it), the reads in two messages, the room's lock with its
    busy time, the visit with its event and audit row, the commit: eleven when each
    statement went alone."""
    url = postgres_server.create_database()
    config = SchedulingConfig(settings_for(url), clock=clock)
    migrate(config)
    parsed = make_url(url)
    relay = CountingRelay(parsed.host, parsed.port)
    relayed = parsed.set(port=relay.port).render_as_string(hide_password=False)
    app = create_app(SchedulingConfig(settings_for(relayed), clock=clock))
    http = app.test_client()
    engine = app.extensions["medmassage"].engine
    try:
        clinic = set_up_clinic(http)
        client_id = eligible_client(engine)
        http.get("/healthz")  # a pooled connection, in use a moment ago: no ping
        with relay.counting() as made:
            response = book(http, clinic, client_id, TUESDAY_10)
        assert response.status_code == 201, response.json
        assert made == [6]
    finally:
        engine.dispose()
        relay.close()
