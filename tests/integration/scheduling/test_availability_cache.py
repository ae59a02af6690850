"""Availability answers kept in memory, on SQLite and PostgreSQL: a repeated question costs one
statement, and every change to what decides availability, by whichever writer, or the clock
passing a threshold, makes the next answer new."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from services.scheduling.store.tables import appointments, waitlist_offers
from shared.db import make_engine, utcnow
from tests.integration.scheduling.clinic import (
    ADMIN,
    FRONT_DESK,
    Clinic,
    add_therapist,
    book,
    eligible_client,
    local,
    set_up_clinic,
    settings_for,
)
from tests.integration.scheduling.waitlist_support import join, worker
from tests.support.statements import Sent, statements_sent

TUESDAY_10 = local(2026, 3, 3, 10)


def starts(http, clinic: Clinic, day=(2026, 3, 3)) -> list[str]:  # type: ignore[no-untyped-def]
    """The starts the widget shows for the clinic's first therapist on a day."""
    response = http.get("/availability", query_string={
        "service": clinic.service_id, "therapist": clinic.therapist_id,
        "from": local(*day).isoformat(), "to": local(*day, 23).isoformat()})
    assert response.status_code == 200, response.json
    return [slot["start"] for slot in response.json["slots"]]


CALENDAR_TABLES = ("appointments", "therapists", "therapist_time_off", "rooms", "services",
                   "clinic_settings", "waitlist_offers")


def reads_calendar(statement: str) -> bool:
    """Whether the statement reads the calendar or its versions (not the rate limiter's)."""
    return any(table in statement for table in (*CALENDAR_TABLES, "calendar_versions"))


def calendar_reads(sent: Sequence[Sent]) -> list[str]:
    """The statements sent that read the calendar or its versions."""
    return [one.statement for one in sent if reads_calendar(one.statement)]


@pytest.fixture
def statements(engine):  # type: ignore[no-untyped-def]
    """The SQL statements the app runs, as they run."""
    with statements_sent(engine) as sent:
        yield sent


def test_a_repeated_question_is_answered_from_memory_with_one_statement(
    http, clinic, statements
):
    first = starts(http, clinic)
    asked = len(statements)
    assert starts(http, clinic) == first
    [versions] = calendar_reads(statements[asked:])  # nothing else read
    assert "calendar_versions" in versions


def test_a_booking_through_the_api_is_in_the_next_answer(http, clinic, engine):
    assert TUESDAY_10.isoformat() in starts(http, clinic)
    assert book(http, clinic, eligible_client(engine), TUESDAY_10).status_code == 201
    assert TUESDAY_10.isoformat() not in starts(http, clinic)


def test_a_booking_written_by_another_process_is_in_the_next_answer(
    http, app, clinic, scheduling_db
):
    assert TUESDAY_10.isoformat() in starts(http, clinic)
    # Another process's connection writing plain SQL: none of this service's code runs.
    other = make_engine(scheduling_db)
    with other.begin() as connection:
        connection.execute(sa.insert(appointments).values(
            id=str(uuid.uuid4()), client_id="c-1", referral_id="r-1",
            therapist_id=clinic.therapist_id, room_id=clinic.room_id,
            service_id=clinic.service_id, start=TUESDAY_10,
            end=TUESDAY_10 + timedelta(hours=1), status="booked", booked_at=utcnow(),
            changed_at=utcnow()))
    other.dispose()
    assert TUESDAY_10.isoformat() not in starts(http, clinic)


def test_a_booking_through_another_app_is_in_this_apps_next_answer(
    http, app, clinic, engine, scheduling_db, clock
):
    assert TUESDAY_10.isoformat() in starts(http, clinic)
    other = create_app(SchedulingConfig(settings_for(scheduling_db), clock=clock))
    booked = book(other.test_client(), clinic, eligible_client(engine), TUESDAY_10)
    assert booked.status_code == 201
    assert TUESDAY_10.isoformat() not in starts(http, clinic)


def test_other_therapists_taking_every_room_is_in_the_next_answer_for_one_therapist(
    http, clinic, engine
):
    assert TUESDAY_10.isoformat() in starts(http, clinic)
    third = add_therapist(http, "Cy Dunn")
    for therapist_id, room_id in ((clinic.other_therapist_id, clinic.room_id),
                                  (third, clinic.other_room_id)):
        assert book(http, clinic, eligible_client(engine), TUESDAY_10, therapist_id=therapist_id,
                    room_id=room_id).status_code == 201
    assert TUESDAY_10.isoformat() not in starts(http, clinic)  # Ana is free, no room is


def test_a_cancellation_frees_the_time_in_the_next_answer(http, clinic, engine):
    appointment = book(http, clinic, eligible_client(engine), TUESDAY_10).json
    assert TUESDAY_10.isoformat() not in starts(http, clinic)
    cancelled = http.post(f"/appointments/{appointment['id']}/cancel", headers=FRONT_DESK)
    assert cancelled.status_code == 200
    assert TUESDAY_10.isoformat() in starts(http, clinic)


def test_time_off_is_in_the_next_answer(http, clinic):
    assert TUESDAY_10.isoformat() in starts(http, clinic)
    response = http.post(f"/therapists/{clinic.therapist_id}/time-off", headers=ADMIN, json={
        "start": local(2026, 3, 3, 9).isoformat(), "end": local(2026, 3, 3, 13).isoformat()})
    assert response.status_code == 201, response.json
    assert starts(http, clinic)[0] == local(2026, 3, 3, 13).isoformat()


def test_a_settings_change_is_in_the_next_answer(http, clinic, clock):
    clock.now = local(2026, 3, 2, 7)  # the answer holds till 8:00, 60 minutes before 9:00
    assert starts(http, clinic, (2026, 3, 2))[0] == local(2026, 3, 2, 9).isoformat()
    settings = http.get("/settings", headers=ADMIN).json
    assert http.put("/settings", headers=ADMIN, json=settings | {
        "minimum_notice_minutes": 180}).status_code == 200
    assert starts(http, clinic, (2026, 3, 2))[0] == local(2026, 3, 2, 10).isoformat()


def test_a_waitlist_offer_holding_a_slot_and_its_release_are_in_the_next_answers(
    app, http, clinic, engine
):
    worker(app).run_round()  # the openings the new therapists' hours made
    join(http, clinic, eligible_client(engine))
    appointment = book(http, clinic, eligible_client(engine), TUESDAY_10).json
    http.post(f"/appointments/{appointment['id']}/cancel", headers=FRONT_DESK)
    assert TUESDAY_10.isoformat() in starts(http, clinic)
    assert worker(app).run_round() >= 1  # offered to the waiting client: held
    assert TUESDAY_10.isoformat() not in starts(http, clinic)
    with engine.begin() as connection:  # withdrawn by whoever: the hold ends
        connection.execute(sa.update(waitlist_offers).values(status="withdrawn"))
    assert TUESDAY_10.isoformat() in starts(http, clinic)


def test_a_slot_drops_out_of_a_kept_answer_once_the_clock_passes_its_notice(
    http, clinic, clock, statements
):
    today = (2026, 3, 2)
    clock.now = local(2026, 3, 2, 7, 30)
    assert starts(http, clinic, today)[0] == local(2026, 3, 2, 9).isoformat()
    clock.now = local(2026, 3, 2, 7, 59)
    asked = len(statements)
    assert starts(http, clinic, today)[0] == local(2026, 3, 2, 9).isoformat()
    assert len(calendar_reads(statements[asked:])) == 1  # kept: 9:00 is 60 minutes away
    clock.now = local(2026, 3, 2, 8) + timedelta(seconds=1)
    assert starts(http, clinic, today)[0] == local(2026, 3, 2, 9, 15).isoformat()


@pytest.fixture
def without_cache(scheduling_db, clock):  # type: ignore[no-untyped-def]
    """A test client of an app keeping no answers, and the statements it runs."""
    config = SchedulingConfig(settings_for(scheduling_db), clock=clock,
                              availability_cache_entries=0)
    migrate(config)
    app = create_app(config)
    with statements_sent(app.extensions["medmassage"].engine) as sent:
        yield app.test_client(), sent


def test_with_the_cache_off_every_answer_is_computed(without_cache):
    http, seen = without_cache
    clinic = set_up_clinic(http)
    first = starts(http, clinic)
    asked = len(seen)
    assert starts(http, clinic) == first
    again = calendar_reads(seen[asked:])
    assert len(again) >= 4  # service and settings, therapists, busy time, rooms
    assert not any("calendar_versions" in statement for statement in again)


def _visit(clinic: Clinic, therapist_id: str, room_id: str) -> sa.Insert:
    return sa.insert(appointments).values(
        id=str(uuid.uuid4()), client_id=str(uuid.uuid4()), referral_id="r-1",
        therapist_id=therapist_id, room_id=room_id, service_id=clinic.service_id,
        start=TUESDAY_10, end=TUESDAY_10 + timedelta(hours=1), status="booked",
        booked_at=utcnow(), changed_at=utcnow())


def test_on_postgresql_bookings_of_different_therapists_do_not_wait_for_each_other(
    postgres_server, clock
):
    url = postgres_server.create_database()
    config = SchedulingConfig(settings_for(url), clock=clock)
    migrate(config)
    clinic = set_up_clinic(create_app(config).test_client())
    engine = make_engine(url)
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        first.execute(_visit(clinic, clinic.therapist_id, clinic.room_id))  # not committed
        second.begin()
        second.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        second.execute(_visit(clinic, clinic.other_therapist_id, clinic.other_room_id))
        second.commit()  # did not wait for the first
        first.commit()
    engine.dispose()


def test_on_postgresql_a_counter_is_taken_at_commit_after_the_therapist_lock(
    postgres_server, clock
):
    """Accepting an offer changes the offer row, then takes the therapist's lock to book
    (commands/waitlist.py's lock order); a booking of the same therapist takes that lock
    first. Counters bumped when the rows changed would deadlock the two."""
    url = postgres_server.create_database()
    config = SchedulingConfig(settings_for(url), clock=clock)
    migrate(config)
    clinic = set_up_clinic(create_app(config).test_client())
    lock_ana = sa.text("SELECT id FROM therapists WHERE id = :id FOR UPDATE")
    engine = make_engine(url)
    visit = _visit(clinic, clinic.therapist_id, clinic.room_id)
    with engine.begin() as connection:
        connection.execute(visit)
    with engine.connect() as accepting, engine.connect() as booking:
        accepting.begin()
        # Ana's calendar changes first (as an offer closes: no row of hers is locked).
        accepting.execute(sa.update(appointments).values(status="cancelled")
                          .where(appointments.c.id == visit.compile().params["id"]))
        booking.begin()
        booking.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        booking.execute(lock_ana, {"id": clinic.therapist_id})
        booking.execute(_visit(clinic, clinic.therapist_id, clinic.other_room_id))
        booking.commit()  # its counter did not wait for the open transaction's change
        accepting.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        accepting.execute(lock_ana, {"id": clinic.therapist_id})
        accepting.commit()
        versions = booking.execute(sa.text(
            "SELECT version FROM calendar_versions WHERE scope = :scope"),
            {"scope": f"therapist:{clinic.therapist_id}"}).scalar()
    engine.dispose()
    assert versions == 4  # Ana added, her visit, then both changes counted
