"""Availability through the public API: local working hours across DST, buffers, time off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.scheduling.clinic import (
    ADMIN,
    add_room,
    add_service,
    add_therapist,
    book,
    eligible_client,
    local,
    set_up_clinic,
)

SLOTS_IN_A_9_TO_5_DAY = 29


@pytest.fixture
def scheduling_db(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Availability only reads: SQLite is enough here."""
    return f"sqlite:///{tmp_path / 'availability.db'}"


def slots(http, service_id, day_from, day_to, **extra):  # type: ignore[no-untyped-def]
    response = http.get("/availability", query_string={
        "service": service_id, "from": day_from.isoformat(), "to": day_to.isoformat(), **extra})
    assert response.status_code == 200, response.json
    return response.json["slots"]


def test_the_widget_sees_open_slots_with_therapist_names_and_rooms(http, clinic):
    found = slots(http, clinic.service_id, local(2026, 3, 3), local(2026, 3, 4))
    assert len(found) == 2 * SLOTS_IN_A_9_TO_5_DAY
    first = found[0]
    assert first["start"] == local(2026, 3, 3, 9).isoformat()
    assert first["end"] == local(2026, 3, 3, 10).isoformat()
    assert first["therapist_name"] in {"Ana Ruiz", "Ben Cole"}
    assert first["room_id"] == clinic.room_id
    only_ana = slots(http, clinic.service_id, local(2026, 3, 3), local(2026, 3, 4),
                     therapist=clinic.therapist_id)
    assert {s["therapist_name"] for s in only_ana} == {"Ana Ruiz"}


@pytest.mark.parametrize(
    ("now", "day", "first_start_utc", "last_end_utc"),
    [
        (local(2026, 3, 2), (2026, 3, 8), datetime(2026, 3, 8, 13, tzinfo=UTC),
         datetime(2026, 3, 8, 21, tzinfo=UTC)),
        (local(2026, 10, 26), (2026, 11, 1), datetime(2026, 11, 1, 14, tzinfo=UTC),
         datetime(2026, 11, 1, 22, tzinfo=UTC)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_on_dst_change_days_slots_keep_local_working_hours(
    http, clock, now, day, first_start_utc, last_end_utc
):
    clock.now = now
    add_therapist(http, "Sunday Sam", weekdays=[6])
    add_room(http, "Room A")
    service_id = add_service(http, 60)
    found = slots(http, service_id, local(*day), local(*day, 23, 59))
    assert len(found) == SLOTS_IN_A_9_TO_5_DAY
    assert found[0]["start"] == first_start_utc.isoformat()
    assert found[-1]["end"] == last_end_utc.isoformat()


def test_a_booked_slot_and_its_buffer_are_no_longer_offered(http, engine):
    clinic = set_up_clinic(http)
    assert book(http, clinic, eligible_client(engine), local(2026, 3, 3, 12)).status_code == 201
    found = slots(http, clinic.service_id, local(2026, 3, 3), local(2026, 3, 4),
                  therapist=clinic.therapist_id)
    starts = {s["start"] for s in found}
    # 60-minute visits with a 15-minute buffer: nothing may start 10:45-13:15 (exclusive).
    assert local(2026, 3, 3, 10, 45).isoformat() in starts
    assert local(2026, 3, 3, 11).isoformat() not in starts
    assert local(2026, 3, 3, 13).isoformat() not in starts
    assert local(2026, 3, 3, 13, 15).isoformat() in starts


def test_time_off_is_not_offered(http, clinic):
    http.post(f"/therapists/{clinic.therapist_id}/time-off", headers=ADMIN, json={
        "start": local(2026, 3, 3, 9).isoformat(), "end": local(2026, 3, 3, 13).isoformat()})
    found = slots(http, clinic.service_id, local(2026, 3, 3), local(2026, 3, 4),
                  therapist=clinic.therapist_id)
    assert found[0]["start"] == local(2026, 3, 3, 13).isoformat()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-03T00:00:00Z", "to": "2026-03-04T00:00:00Z"}, "service"),
        ({"service": "s", "from": "2026-03-04T00:00:00Z", "to": "2026-03-03T00:00:00Z"}, "to"),
        ({"service": "s", "from": "2026-03-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}, "to"),
        ({"service": "s", "from": "2026-03-03", "to": "2026-03-04T00:00:00Z"}, "from"),
    ],
    ids=["no-service", "backwards", "too-long", "date-only"],
)
def test_bad_availability_queries_get_field_messages(http, query, field):
    response = http.get("/availability", query_string=query)
    assert response.status_code == 400
    assert field in response.json["errors"]


def test_an_unknown_service_or_therapist_is_404(http, clinic):
    window = {"from": "2026-03-03T00:00:00Z", "to": "2026-03-04T00:00:00Z"}
    assert http.get("/availability", query_string={"service": "x", **window}
                    ).status_code == 404
    assert http.get("/availability", query_string={
        "service": clinic.service_id, "therapist": "nobody", **window}).status_code == 404
