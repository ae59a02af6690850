"""Dates far outside the calendar are refused with a 400 naming the field, never a 500.

Years 0001 and 9999 used to overflow Python's datetime once the service added a day, a
buffer or a time zone to them (issue #17, finding A). Every date the scheduling API
takes lies in 2000-2099; availability windows reach from now to the booking horizon,
and a calendar feed covers at most a year.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    Clinic,
    Clock,
    eligible_client,
    local,
    set_up_clinic,
    settings_for,
)

PROBLEM = "application/problem+json"
NOW = local(2026, 3, 2, 8)
# Written the way a client would send them, with offsets that push them past the range.
FAR_OFF = ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
           "9999-12-31T00:00:00Z"]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[FlaskClient, Clinic, str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """One SQLite clinic for the module: the app, its calendar, a client and their code."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dates') / 'scheduling.db'}"
    config = SchedulingConfig(settings_for(url), clock=Clock(NOW))
    migrate(config)
    app = create_app(config)
    http = app.test_client()
    clinic = set_up_clinic(http)
    client_id = eligible_client(app.extensions["medmassage"].engine)
    issued = http.post(f"/clients/{client_id}/booking-code", headers=FRONT_DESK)
    assert issued.status_code == 201, issued.json
    return http, clinic, client_id, {"Authorization": f"Bearer {issued.json['booking_code']}"}


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "0")


def refused(response, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True))
    assert response.content_type == PROBLEM
    assert field in response.json["errors"], response.json


def day_after(moment: str) -> str:
    """The same wall-clock text a day later, without datetime arithmetic (it would overflow)."""
    return moment.replace("-01-01T", "-01-02T").replace("-12-31T", "-12-30T")


@pytest.mark.parametrize("moment", FAR_OFF)
def test_public_availability_far_off_is_a_400_naming_the_field(world, moment):
    http, clinic, _, _ = world
    start, end = sorted([moment, day_after(moment)])
    response = http.get("/availability", query_string={
        "service": clinic.service_id, "from": start, "to": end})
    refused(response, "from")


@pytest.mark.parametrize("moment", FAR_OFF)
def test_front_desk_booking_far_off_is_a_400_naming_the_start(world, moment):
    http, clinic, client_id, _ = world
    response = http.post("/appointments", headers=FRONT_DESK, json={
        "client_id": client_id, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "start": moment})
    refused(response, "start")


@pytest.mark.parametrize("moment", FAR_OFF)
def test_widget_booking_far_off_is_a_400_naming_the_start(world, moment):
    http, clinic, _, code = world
    response = http.post("/widget/api/appointments", headers=code, json={
        "service_id": clinic.service_id, "therapist_id": clinic.therapist_id, "start": moment})
    refused(response, "start")


@pytest.mark.parametrize("moment", FAR_OFF)
def test_a_series_reschedule_or_time_off_far_off_is_a_400_naming_the_field(world, moment):
    http, clinic, client_id, _ = world
    series = http.post("/appointments/series", headers=FRONT_DESK, json={
        "client_id": client_id, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "first_start": moment, "visits_per_week": 1,
        "weeks": 52})
    refused(series, "first_start")
    refused(http.post("/appointments/x/reschedule", headers=FRONT_DESK, json={"start": moment}),
            "start")
    refused(http.get("/appointments", headers=FRONT_DESK, query_string={"from": moment}), "from")


@pytest.mark.parametrize("moment", FAR_OFF)
def test_a_calendar_feed_far_off_is_a_400_naming_the_field(world, moment):
    http, clinic, _, _ = world
    path = f"/therapists/{clinic.therapist_id}/calendar.ics"
    refused(http.get(path, headers=FRONT_DESK, query_string={"from": moment}), "from")
    refused(http.get(path, headers=FRONT_DESK, query_string={"to": moment}), "to")


def test_a_calendar_feed_covers_at_most_a_year(world):
    http, clinic, _, _ = world
    path = f"/therapists/{clinic.therapist_id}/calendar.ics"
    year = {"from": local(2026, 1, 1).isoformat(), "to": local(2027, 1, 1).isoformat()}
    assert http.get(path, headers=FRONT_DESK, query_string=year).status_code == 200
    longer = {"from": local(2026, 1, 1).isoformat(), "to": local(2027, 1, 3).isoformat()}
    refused(http.get(path, headers=FRONT_DESK, query_string=longer), "to")
    # Without "to" the feed runs 180 days past now: a "from" years back would span more.
    refused(http.get(path, headers=FRONT_DESK, query_string={"from": "2020-01-01T00:00:00Z"}),
            "from")
    backwards = {"from": local(2026, 3, 5).isoformat(), "to": local(2026, 3, 4).isoformat()}
    refused(http.get(path, headers=FRONT_DESK, query_string=backwards), "to")


def test_availability_beyond_the_booking_horizon_or_wholly_past_is_refused(world):
    http, clinic, _, _ = world
    beyond = NOW + timedelta(days=91)  # the clinic books 90 days ahead
    refused(http.get("/availability", query_string={
        "service": clinic.service_id, "from": beyond.isoformat(),
        "to": (beyond + timedelta(days=1)).isoformat()}), "from")
    past = NOW - timedelta(days=3)
    refused(http.get("/availability", query_string={
        "service": clinic.service_id, "from": past.isoformat(),
        "to": (past + timedelta(days=1)).isoformat()}), "to")
    today = {"service": clinic.service_id, "from": local(2026, 3, 2).isoformat(),
             "to": local(2026, 3, 3).isoformat()}
    assert http.get("/availability", query_string=today).status_code == 200


ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)),
                         timezone(timedelta(hours=5, minutes=30))])
# Anywhere in datetime's range, often within days of either end, where arithmetic overflows.
ANY_MOMENT = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 10), timezones=ZONES),
    st.datetimes(min_value=datetime(9999, 12, 20), max_value=datetime(9999, 12, 31, 23),
                 timezones=ZONES),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=ZONES),
)
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def no_server_error(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.content_type == PROBLEM


def later(moment: datetime, days: int) -> datetime:
    """``days`` after ``moment``, or the last moment datetime can hold."""
    try:
        return moment + timedelta(days=days)
    except OverflowError:
        return datetime.max.replace(tzinfo=moment.tzinfo)


@FUZZ
@given(start=ANY_MOMENT, days=st.integers(min_value=0, max_value=32))
def test_no_availability_window_makes_the_public_endpoint_fail(world, start, days):
    http, clinic, _, _ = world
    end = later(start, days)
    no_server_error(http.get("/availability", query_string={
        "service": clinic.service_id, "from": start.isoformat(), "to": end.isoformat()}))


@FUZZ
@given(start=ANY_MOMENT)
def test_no_start_makes_widget_or_front_desk_booking_fail(world, start):
    http, clinic, client_id, code = world
    body = {"service_id": clinic.service_id, "therapist_id": clinic.therapist_id,
            "start": start.isoformat()}
    no_server_error(http.post("/widget/api/appointments", headers=code, json=body))
    no_server_error(http.post("/appointments", headers=FRONT_DESK,
                              json=body | {"client_id": client_id}))


@FUZZ
@given(moment=ANY_MOMENT, field=st.sampled_from(["from", "to"]))
def test_no_calendar_window_makes_the_feed_fail(world, moment, field):
    http, clinic, _, _ = world
    no_server_error(http.get(f"/therapists/{clinic.therapist_id}/calendar.ics",
                             headers=FRONT_DESK, query_string={field: moment.isoformat()}))
