"""The eligibility projection from screening's events: newest facts win in any order."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.scheduling.store.eligibility import load_eligibility
from shared.events.contracts.screening import (
    CLIENT_REGISTERED,
    REFERRAL_AMENDED,
    REFERRAL_EXPIRED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
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


def closed(referral: dict, version: int) -> dict:
    return {"referral_id": referral["referral_id"], "client_id": referral["client_id"],
            "version": version, "closed_on": date(2026, 3, 1)}


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
    deliver(engine, REFERRAL_AMENDED, amended)
    deliver(engine, REFERRAL_RECORDED, original)
    [referral] = projection(engine, client_id).referrals
    assert (referral["version"], referral["authorized_visits"]) == (2, 12)


def test_a_revocation_is_not_undone_by_a_late_recording(engine):
    client_id = new_client()
    referral = a_referral(client_id)
    deliver(engine, REFERRAL_REVOKED, closed(referral, 2))
    deliver(engine, REFERRAL_RECORDED, referral)
    view = projection(engine, client_id)
    assert [r["status"] for r in view.referrals] == ["revoked"]
    assert view.eligibility.referrals == ()


def test_a_close_at_the_same_version_beats_the_open_fact(engine):
    client_id = new_client()
    referral = a_referral(client_id)
    deliver(engine, REFERRAL_RECORDED, referral)
    deliver(engine, REFERRAL_EXPIRED, closed(referral, 1))
    deliver(engine, REFERRAL_RECORDED, referral)
    [shown] = projection(engine, client_id).referrals
    assert shown["status"] == "expired"
    assert shown["start_on"] == referral["start_on"]  # the referral's facts are kept


def test_a_registered_client_is_known_before_any_screening(http, engine):
    client_id = new_client()
    deliver(engine, CLIENT_REGISTERED, {
        "client_id": client_id, "version": 1, "first_name": "Mia", "last_name": "Lopez",
        "birth_date": date(1980, 5, 1), "sex": "F",
        "address": {"line1": "1 Main St", "city": "Albany", "state": "NY",
                    "postal_code": "12207"},
    })
    shown = http.get(f"/clients/{client_id}/eligibility", headers=FRONT_DESK).json
    assert shown["known"] is True
    assert shown["reasons"] == ["no_screening", "no_active_referral"]
    assert "Mia" not in str(shown)  # scheduling keeps no demographics


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
