"""The eligibility projection from screening's events: newest facts win in any order."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from marshmallow import Schema, fields

from services.scheduling.handlers import SUBSCRIPTIONS
from services.scheduling.store.eligibility import load_eligibility
from shared.events.contracts.screening import (
    CLIENT_ENROLLED,
    CLIENT_REGISTERED,
    CLIENT_UPDATED,
    REFERRAL_AMENDED,
    REFERRAL_EXPIRED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
    REFERRAL_WINDOW,
    SCREENING_COMPLETED,
)
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    THERAPIST,
    a_referral,
    a_screening,
    book,
    deliver,
    eligible_client,
    local,
)


def new_client() -> str:
    return str(uuid.uuid4())


def projection(engine, client_id):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return load_eligibility(connection, client_id)


def closed(referral: dict, version: int, status: str) -> dict:
    """The referral's window as its revocation or expiry (at ``version``) publishes it."""
    return referral | {"version": version, "status": status, "closed_on": date(2026, 3, 1)}


def field_names(schema: Schema) -> set[str]:
    """Every field name of a contract, those of nested contracts (and lists of them) too."""
    names = set()
    for name, field in schema.fields.items():
        names.add(name)
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            names |= field_names(inner.schema)
    return names


def test_the_newest_screening_wins_whatever_the_delivery_order(engine):
    client_id = new_client()
    older = a_screening(client_id, outcome="needs_clearance",
                        recorded_at=datetime(2026, 2, 1, tzinfo=UTC))
    newer = a_screening(client_id, outcome="cleared_with_precautions",
                        restricted_regions=["left_knee"],
                        recorded_at=datetime(2026, 2, 20, tzinfo=UTC))
    deliver(engine, SCREENING_COMPLETED, newer)
    deliver(engine, SCREENING_COMPLETED, older)
    view = projection(engine, client_id)
    assert view.eligibility.screening_outcome == "cleared_with_precautions"
    assert view.eligibility.restrictions.restricted_regions == frozenset({"left_knee"})


def test_an_amendment_is_not_overwritten_by_its_late_original(engine):
    client_id = new_client()
    original = a_referral(client_id, authorized_visits=8)
    amended = original | {"version": 2, "authorized_visits": 12}
    deliver(engine, REFERRAL_WINDOW, amended)
    deliver(engine, REFERRAL_WINDOW, original)
    [referral] = projection(engine, client_id).referrals
    assert (referral["version"], referral["authorized_visits"]) == (2, 12)


def test_a_revocation_is_not_undone_by_a_late_recording(engine):
    client_id = new_client()
    referral = a_referral(client_id)
    deliver(engine, REFERRAL_WINDOW, closed(referral, 2, "revoked"))
    deliver(engine, REFERRAL_WINDOW, referral)
    view = projection(engine, client_id)
    assert [r["status"] for r in view.referrals] == ["revoked"]
    assert [r.status for r in view.eligibility.referrals] == ["revoked"]  # none to book


def test_a_close_at_the_same_version_beats_the_open_fact(engine):
    client_id = new_client()
    referral = a_referral(client_id)
    deliver(engine, REFERRAL_WINDOW, referral)
    deliver(engine, REFERRAL_WINDOW, closed(referral, 1, "expired"))
    deliver(engine, REFERRAL_WINDOW, referral)
    [shown] = projection(engine, client_id).referrals
    assert shown["status"] == "expired"
    assert shown["start_on"] == referral["start_on"]  # the referral's facts are kept


def test_an_enrolled_client_is_known_before_any_screening(http, engine):
    client_id = new_client()
    deliver(engine, CLIENT_ENROLLED, {"client_id": client_id, "version": 1})
    shown = http.get(f"/clients/{client_id}/eligibility", headers=FRONT_DESK).json
    assert shown["known"] is True
    assert shown["reasons"] == ["no_screening", "no_active_referral"]


def test_scheduling_reads_no_client_demographics_from_the_bus():
    # Issue #17, finding C: names, birth dates, addresses and member ids travel on
    # client.registered/updated for claims; scheduling learns only that a client exists.
    topics = {subscription.event_type.topic for subscription in SUBSCRIPTIONS}
    assert CLIENT_ENROLLED.topic in topics
    assert not topics & {CLIENT_REGISTERED.topic, CLIENT_UPDATED.topic}
    assert set(CLIENT_ENROLLED.schema().fields) == {"client_id", "version"}


def test_scheduling_subscribes_to_no_topic_carrying_diagnoses_physicians_or_authorizations():
    # Issue #17: booking needs a referral's dates, visits and status, not the diagnoses,
    # referring physician, prescribed codes or authorization number of the full referral
    # events (those are for claims), nor any demographics.
    topics = {subscription.event_type.topic for subscription in SUBSCRIPTIONS}
    assert REFERRAL_WINDOW.topic in topics
    assert not topics & {event_type.topic for event_type in (
        REFERRAL_RECORDED, REFERRAL_AMENDED, REFERRAL_REVOKED, REFERRAL_EXPIRED)}
    # Issue #13: the prescribed body regions do travel (the therapist sees them before
    # starting, and a region outside them needs a reason); diagnoses still do not.
    not_for_booking = {
        "diagnoses", "physician", "npi", "authorization_number", "codes", "techniques",
        "diagnosis_regions", "first_name", "last_name", "birth_date", "sex", "address",
        "coverage", "member_id", "group_number", "subscriber", "phone", "email",
    }
    read = set().union(*(field_names(s.event_type.schema()) for s in SUBSCRIPTIONS))
    assert not read & not_for_booking
    # The walk sees nested fields: the topics scheduling left behind would fail it.
    assert {"diagnoses", "npi", "authorization_number"} <= field_names(REFERRAL_RECORDED.schema())
    assert {"member_id", "birth_date"} <= field_names(CLIENT_REGISTERED.schema())
    assert set(REFERRAL_WINDOW.schema().fields) == {
        "referral_id", "client_id", "version", "status", "start_on", "end_on",
        "authorized_visits", "closed_on",
        # Issue #14: the prescribed frequency, for proposing the plan of care's visits.
        "frequency", "body_regions",
    }


def test_the_front_desk_sees_visits_used_and_why_a_client_cannot_be_booked(http, clinic,
                                                                         engine):
    client_id = eligible_client(engine, referral={"authorized_visits": 1})
    assert book(http, clinic, client_id, local(2026, 3, 3, 10)).status_code == 201
    shown = http.get(f"/clients/{client_id}/eligibility", headers=FRONT_DESK,
                     query_string={"on": "2026-03-04"}).json
    assert shown["bookable"] is False
    assert shown["reasons"] == ["no_visits_left"]
    assert shown["screening"]["outcome"] == "cleared"
    [referral] = shown["referrals"]
    assert (referral["visits_used"], referral["visits_left"]) == (1, 0)


def test_the_eligibility_view_is_for_the_front_desk_and_checks_its_query(http, clinic):
    assert http.get("/clients/x/eligibility", headers=THERAPIST).status_code == 403
    response = http.get("/clients/x/eligibility", headers=FRONT_DESK,
                        query_string={"on": "next tuesday"})
    assert response.status_code == 400
    assert "on" in response.json["errors"]
