"""A visit planned outside SQLite's write lock books as planned only if nothing it read changed.

``plan_visit`` reads and decides before the write lock; ``book_visit`` re-reads what the
plan decided on under the lock. Each test changes one input between the two, the way a
concurrent writer would, and checks the booking is decided on the new state, as it would
have been without a plan.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from services.scheduling.commands.booking import BookingRequest, book_visit, plan_visit
from services.scheduling.commands.slots import candidate_rooms, lock_and_load_therapist
from services.scheduling.domain.booking import choose_referral
from services.scheduling.domain.errors import ClientBusy, NotEligible, SlotNotOffered, SlotTaken
from services.scheduling.store.calendar import require_service_and_settings
from services.scheduling.store.eligibility import load_eligibility
from services.scheduling.store.tables import appointments
from shared.events.contracts.screening import REFERRAL_WINDOW
from shared.uow import unit_of_work
from tests.integration.scheduling.clinic import (
    ADMIN,
    a_referral,
    add_therapist,
    book,
    deliver,
    eligible_client,
    local,
)
from tests.support.statements import statements_sent

TUESDAY_TEN = local(2026, 3, 3, 10)


@pytest.fixture
def scheduling_db(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The plan exists on SQLite only (PostgreSQL books under row locks in one go)."""
    return f"sqlite:///{tmp_path / 'plan.db'}"


def request_for(clinic, client_id: str, therapist_id: str | None = None,  # type: ignore[no-untyped-def]
                room_id: str | None = None) -> BookingRequest:
    return BookingRequest(client_id=client_id, service_id=clinic.service_id,
                          therapist_id=therapist_id or clinic.therapist_id, start=TUESDAY_TEN,
                          room_id=room_id)


def book_with(engine, request, clock, plan):  # type: ignore[no-untyped-def]
    with unit_of_work(engine, "scheduling") as uow:
        return book_visit(uow, request, clock.now, plan)


def statements_under_the_write_lock(engine, work) -> int:  # type: ignore[no-untyped-def]
    with statements_sent(engine) as sent:
        work()
    return len([one for one in sent if one.options.get("sqlite_immediate")])


def test_an_unchanged_plan_books_with_five_statements_under_the_lock_instead_of_nine(
    http, clinic, engine, clock
):
    first, second = eligible_client(engine), eligible_client(engine)
    planned = request_for(clinic, first)
    plan = plan_visit(engine, planned, clock.now)
    assert plan is not None
    booked = []
    with_plan = statements_under_the_write_lock(
        engine, lambda: booked.append(book_with(engine, planned, clock, plan)))
    unplanned = request_for(clinic, second, therapist_id=clinic.other_therapist_id)
    without = statements_under_the_write_lock(
        engine, lambda: booked.append(book_with(engine, unplanned, clock, None)))
    # BEGIN IMMEDIATE, the inputs, the busy time, the visit, its event (the audit row is
    # @writes', not here); without a plan, every read is made under the lock.
    assert (with_plan, without) == (5, 9)
    assert [row["room_id"] for row in booked] == [clinic.room_id, clinic.other_room_id]


def test_time_off_added_after_the_plan_refuses_the_booking(http, clinic, engine, clock):
    request = request_for(clinic, eligible_client(engine))
    plan = plan_visit(engine, request, clock.now)
    response = http.post(f"/therapists/{clinic.therapist_id}/time-off", headers=ADMIN, json={
        "start": local(2026, 3, 3, 9).isoformat(), "end": local(2026, 3, 3, 12).isoformat()})
    assert response.status_code == 201, response.json
    with pytest.raises(SlotNotOffered):
        book_with(engine, request, clock, plan)


def test_a_longer_buffer_set_after_the_plan_applies_to_the_booking(http, clinic, engine, clock):
    # Ben has Room A 9:00-10:00; with the 15-minute buffer Ana may take it at 10:15.
    response = book(http, clinic, eligible_client(engine), local(2026, 3, 3, 9),
                    therapist_id=clinic.other_therapist_id, room_id=clinic.room_id)
    assert response.status_code == 201, response.json
    request = BookingRequest(client_id=eligible_client(engine), service_id=clinic.service_id,
                             therapist_id=clinic.therapist_id, start=local(2026, 3, 3, 10, 15),
                             room_id=clinic.room_id)
    plan = plan_visit(engine, request, clock.now)
    assert plan is not None
    settings = http.get("/settings", headers=ADMIN).json
    assert http.put("/settings", headers=ADMIN,
                    json=settings | {"buffer_minutes": 30}).status_code == 200
    # Now Room A is busy until 10:30: refused, as it would be without the plan.
    with pytest.raises((SlotTaken, SlotNotOffered)):
        book_with(engine, request, clock, plan)


def test_a_referral_revoked_after_the_plan_refuses_the_booking(http, clinic, engine, clock):
    client_id = eligible_client(engine, referral={"referral_id": "ref-1"})
    request = request_for(clinic, client_id)
    plan = plan_visit(engine, request, clock.now)
    deliver(engine, REFERRAL_WINDOW, a_referral(client_id, referral_id="ref-1", version=2,
                                                status="revoked", closed_on=date(2026, 3, 2)))
    with pytest.raises(NotEligible) as refused:
        book_with(engine, request, clock, plan)
    assert "no_active_referral" in str(refused.value.reasons)


def test_the_last_visit_used_after_the_plan_refuses_the_booking(http, clinic, engine, clock):
    client_id = eligible_client(engine, referral={"authorized_visits": 1})
    request = request_for(clinic, client_id)
    plan = plan_visit(engine, request, clock.now)
    tomorrow = book(http, clinic, client_id, TUESDAY_TEN + timedelta(days=1))
    assert tomorrow.status_code == 201, tomorrow.json
    with pytest.raises(NotEligible) as refused:
        book_with(engine, request, clock, plan)
    assert "no_visits_left" in str(refused.value.reasons)


def test_the_client_booked_elsewhere_after_the_plan_is_refused_as_busy(
    http, clinic, engine, clock
):
    client_id = eligible_client(engine)
    request = request_for(clinic, client_id)
    plan = plan_visit(engine, request, clock.now)
    elsewhere = book(http, clinic, client_id, TUESDAY_TEN, therapist_id=clinic.other_therapist_id)
    assert elsewhere.status_code == 201, elsewhere.json
    with pytest.raises(ClientBusy):
        book_with(engine, request, clock, plan)


def test_the_therapist_taken_after_the_plan_is_refused_as_taken(http, clinic, engine, clock):
    request = request_for(clinic, eligible_client(engine))
    plan = plan_visit(engine, request, clock.now)
    assert book(http, clinic, eligible_client(engine), TUESDAY_TEN).status_code == 201
    with pytest.raises(SlotTaken):
        book_with(engine, request, clock, plan)


def test_the_planned_room_taken_meanwhile_by_another_therapist_books_the_next_free_room(
    http, clinic, engine, clock
):
    request = request_for(clinic, eligible_client(engine))
    plan = plan_visit(engine, request, clock.now)
    taken = book(http, clinic, eligible_client(engine), TUESDAY_TEN,
                 therapist_id=clinic.other_therapist_id, room_id=clinic.room_id)
    assert taken.status_code == 201, taken.json
    assert book_with(engine, request, clock, plan)["room_id"] == clinic.other_room_id


def test_a_new_therapist_or_a_refusal_found_by_the_plan_is_decided_under_the_lock(
    http, clinic, engine, clock
):
    unknown = request_for(clinic, eligible_client(engine), therapist_id="no-such-therapist")
    assert plan_visit(engine, unknown, clock.now) is None
    not_screened = request_for(clinic, "nobody-we-know")
    assert plan_visit(engine, not_screened, clock.now) is None
    with pytest.raises(NotEligible):
        book_with(engine, not_screened, clock, None)
    # Added between a plan that found nobody and the write: booked, as it is there now.
    newcomer = request_for(clinic, eligible_client(engine))
    assert plan_visit(engine, newcomer, clock.now) is not None
    late_hire = add_therapist(http, "Cleo Park")
    hired = request_for(clinic, eligible_client(engine), therapist_id=late_hire)
    assert book_with(engine, hired, clock, None)["therapist_id"] == late_hire
    with engine.connect() as connection:
        count = sa.select(sa.func.count()).select_from(appointments)
        assert connection.execute(count).scalar() == 1


def test_the_plan_read_in_one_statement_is_what_the_structured_reads_give(
        http, clinic, engine, clock):
    # Time off the same afternoon, a second referral, a visit the next day, settings with
    # fees: every kind of value the plan's one statement carries as text.
    response = http.post(f"/therapists/{clinic.therapist_id}/time-off", headers=ADMIN, json={
        "start": local(2026, 3, 3, 14).isoformat(), "end": local(2026, 3, 3, 16).isoformat()})
    assert response.status_code == 201, response.json
    client_id = eligible_client(engine, referral={"referral_id": "ref-b"})
    deliver(engine, REFERRAL_WINDOW, a_referral(client_id, referral_id="ref-a",
                                                authorized_visits=3))
    assert book(http, clinic, client_id, local(2026, 3, 4, 10)).status_code == 201
    request = request_for(clinic, client_id)
    plan = plan_visit(engine, request, clock.now)
    assert plan is not None
    with engine.connect() as connection:
        service, settings = require_service_and_settings(connection, clinic.service_id)
        therapist = lock_and_load_therapist(connection, clinic.therapist_id, TUESDAY_TEN,
                                            TUESDAY_TEN + service.duration)
        eligibility = load_eligibility(connection, client_id).eligibility
        rooms = candidate_rooms(connection, None)
    assert (plan.service, plan.settings, plan.therapist, plan.room_ids) == (
        service, settings, therapist, rooms)
    assert therapist.time_off  # the afternoon's time off is in both
    assert plan.referral_id == choose_referral(eligibility, settings.local_day(TUESDAY_TEN)).id
