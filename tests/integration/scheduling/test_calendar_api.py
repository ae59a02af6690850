"""Calendar data through the API: admins write, staff read, bad input gets field messages."""

from __future__ import annotations

import pytest

from tests.integration.scheduling.clinic import (
    ADMIN,
    FRONT_DESK,
    NPI,
    THERAPIST,
    add_room,
    add_service,
    add_therapist,
    local,
)


@pytest.fixture
def scheduling_db(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Calendar CRUD is plain reads and writes: SQLite is enough here."""
    return f"sqlite:///{tmp_path / 'calendar.db'}"


def test_an_admin_adds_a_therapist_and_staff_read_their_hours(http):
    therapist_id = add_therapist(http, "Ana Ruiz", weekdays=[0, 2], start="08:30",
                                 end="12:00")
    shown = http.get(f"/therapists/{therapist_id}", headers=THERAPIST).json
    assert shown["weekly_hours"] == [
        {"weekday": 0, "start": "08:30", "end": "12:00"},
        {"weekday": 2, "start": "08:30", "end": "12:00"},
    ]
    listed = http.get("/therapists", headers=FRONT_DESK).json
    assert [t["id"] for t in listed] == [therapist_id]


def test_an_admin_changes_a_therapist(http):
    therapist_id = add_therapist(http)
    response = http.put(f"/therapists/{therapist_id}", headers=ADMIN, json={
        "name": "Ana Ruiz-Cole", "npi": NPI, "credentials": "LMT, CMLDT",
        "weekly_hours": [{"weekday": 4, "start": "10:00", "end": "14:00"}],
    })
    assert response.status_code == 200
    assert http.get(f"/therapists/{therapist_id}", headers=FRONT_DESK).json == response.json


def test_staff_other_than_admins_cannot_change_calendar_data(http):
    for path in ("/therapists", "/rooms", "/services"):
        assert http.post(path, headers=FRONT_DESK, json={}).status_code == 403
    assert http.put("/settings", headers=THERAPIST, json={}).status_code == 403
    assert http.get("/therapists").status_code == 401


def test_time_off_is_kept_in_utc_and_can_be_removed(http):
    therapist_id = add_therapist(http)
    span = {"start": "2026-03-04T09:00:00-05:00", "end": "2026-03-04T13:00:00-05:00"}
    added = http.post(f"/therapists/{therapist_id}/time-off", headers=ADMIN, json=span)
    assert added.status_code == 201
    [listed] = http.get(f"/therapists/{therapist_id}/time-off", headers=THERAPIST).json
    assert listed["start"] == local(2026, 3, 4, 9).isoformat()
    path = f"/therapists/{therapist_id}/time-off/{listed['id']}"
    assert http.delete(path, headers=ADMIN).status_code == 204
    assert http.delete(path, headers=ADMIN).status_code == 404
    assert http.get(f"/therapists/{therapist_id}/time-off", headers=THERAPIST).json == []


def test_rooms_and_services_are_added_listed_and_changed(http):
    room_id = add_room(http, "Room A")
    renamed = http.put(f"/rooms/{room_id}", headers=ADMIN, json={"name": "Blue room"})
    assert renamed.json == {"id": room_id, "name": "Blue room"}
    assert http.get("/rooms", headers=FRONT_DESK).json == [renamed.json]
    service_id = add_service(http, 45)
    changed = http.put(f"/services/{service_id}", headers=ADMIN, json={
        "name": "Medical massage 90", "duration_minutes": 90, "default_techniques": []})
    assert changed.json["duration_minutes"] == 90
    assert http.get("/services", headers=THERAPIST).json == [changed.json]


def test_settings_have_defaults_until_an_admin_changes_them(http):
    defaults = http.get("/settings", headers=FRONT_DESK).json
    assert defaults["buffer_minutes"] == 15 and defaults["cancellation_window_hours"] == 24
    wanted = defaults | {"time_zone": "America/Chicago", "no_show_fee": "40.00"}
    assert http.put("/settings", headers=ADMIN, json=wanted).json == wanted
    assert http.get("/settings", headers=THERAPIST).json == wanted


VALID_SETTINGS = {"time_zone": "America/New_York", "buffer_minutes": 15,
                  "minimum_notice_minutes": 60, "booking_horizon_days": 90,
                  "cancellation_window_hours": 24, "no_show_fee": "50.00",
                  "late_cancellation_fee": "25.00"}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/therapists", {"name": "A", "npi": "1234567890", "credentials": "LMT",
                                 "weekly_hours": []}, "npi"),
        ("post", "/therapists", {"name": "A", "npi": NPI, "credentials": "LMT",
                                 "weekly_hours": [{"weekday": 7, "start": "09:00",
                                                   "end": "17:00"}]}, "weekly_hours"),
        ("post", "/therapists", {"name": "A", "npi": NPI, "credentials": "LMT",
                                 "weekly_hours": [{"weekday": 1, "start": "17:00",
                                                   "end": "09:00"}]}, "weekly_hours"),
        ("post", "/rooms", {"name": ""}, "name"),
        ("post", "/services", {"name": "Massage", "duration_minutes": 50}, "duration_minutes"),
        ("post", "/services", {"name": "Massage", "duration_minutes": 60,
                               "default_techniques": ["reiki"]}, "default_techniques"),
        ("put", "/settings", VALID_SETTINGS | {"time_zone": "Mars/Olympus"}, "time_zone"),
        ("put", "/settings", VALID_SETTINGS | {"buffer_minutes": -5}, "buffer_minutes"),
        ("put", "/rooms/any", {}, "name"),
    ],
    ids=["bad-npi", "bad-weekday", "shift-ends-first", "empty-room", "bad-duration",
         "unknown-technique", "unknown-zone", "negative-buffer", "room-without-name"],
)
def test_bad_calendar_data_gets_field_messages(http, method, path, body, field):
    response = getattr(http, method)(path, headers=ADMIN, json=body)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]


def test_time_off_that_ends_before_it_starts_is_refused(http):
    therapist_id = add_therapist(http)
    response = http.post(f"/therapists/{therapist_id}/time-off", headers=ADMIN, json={
        "start": "2026-03-04T13:00:00Z", "end": "2026-03-04T09:00:00Z"})
    assert response.status_code == 400
    assert "end" in response.json["errors"]


def test_unknown_calendar_things_are_404(http):
    assert http.get("/therapists/nobody", headers=ADMIN).status_code == 404
    assert http.post("/therapists/nobody/time-off", headers=ADMIN, json={
        "start": "2026-03-04T09:00:00Z", "end": "2026-03-04T10:00:00Z"}).status_code == 404
    assert http.put("/rooms/nowhere", headers=ADMIN, json={"name": "X"}).status_code == 404
    assert http.put("/services/nothing", headers=ADMIN, json={
        "name": "X", "duration_minutes": 30}).status_code == 404


def test_the_openapi_document_lists_every_endpoint_with_its_roles(http):
    document = http.get("/openapi.json").json
    booking = document["paths"]["/appointments"]["post"]
    assert booking["x-roles"] == ["admin", "front_desk"]
    assert {"201", "400", "409", "422"} <= set(booking["responses"])
    assert document["paths"]["/availability"]["get"]["security"] == []
    assert "/therapists/{therapist_id}/calendar.ics" in document["paths"]
