"""From consumed events to claims, on SQLite and PostgreSQL: projections, scrub, one claim."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from services.claims.store.tables import claim_lines
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import (
    CLIENT_REGISTERED,
    CLIENT_UPDATED,
    REFERRAL_AMENDED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
)
from shared.outbox import outbox
from tests.integration.claims.support import (
    VISIT_DAY,
    a_visit,
    claims_of_session,
    client_data,
    deliver,
    event,
    referral_data,
    session_data,
    set_up_billing,
)


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    """The clinic, Acme Health and its fees."""
    set_up_billing(engine)


def ids() -> tuple[str, str]:
    return f"c-{uuid.uuid4().hex[:10]}", f"r-{uuid.uuid4().hex[:10]}"


def reasons(row) -> list[str]:  # type: ignore[no-untyped-def]
    return [reason["code"] for reason in json.loads(row.reasons)]


def events_of(engine, topic: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.payload).where(outbox.c.topic == topic).order_by(outbox.c.id)
        ).scalars()
        return [json.loads(payload)["data"] for payload in rows]


def test_a_completed_session_becomes_one_priced_ready_claim_with_xs_on_massage(engine):
    session = a_visit(engine)

    (claim,) = claims_of_session(engine, session["session_id"])
    with engine.connect() as connection:
        lines = connection.execute(
            select(claim_lines).where(claim_lines.c.claim_id == claim.claim_id)
        ).all()

    assert claim.status == "ready" and reasons(claim) == []
    assert claim.total_charge == Decimal("130.00")
    assert claim.expected_allowed == Decimal("90.89")
    assert [(line.code, line.units, line.modifiers, line.charge) for line in lines] == [
        ("97124", 1, "XS", Decimal("40.00")),
        ("97140", 2, "", Decimal("90.00")),
    ]
    (created,) = events_of(engine, "claims.claim.created.v1")
    assert created["claim_id"] == claim.claim_id and created["status"] == "ready"
    assert created["total_charge"] == "130.00"


def test_a_session_redelivered_under_the_same_or_a_new_event_id_yields_one_claim(engine):
    session = a_visit(engine)
    first = event(SESSION_COMPLETED, session)

    assert deliver(engine, first)
    assert not deliver(engine, first)
    assert deliver(engine, event(SESSION_COMPLETED, session))

    assert len(claims_of_session(engine, session["session_id"])) == 1


def test_a_session_before_its_client_and_referral_parks_then_becomes_ready(engine):
    client_id, referral_id = ids()
    session = session_data(client_id, referral_id)

    deliver(engine, event(SESSION_COMPLETED, session))
    (parked,) = claims_of_session(engine, session["session_id"])
    assert parked.status == "needs_review"
    assert reasons(parked) == ["coverage_unknown", "referral_unknown"]
    (review,) = events_of(engine, "claims.claim.needs_review.v1")
    assert [r["code"] for r in review["reasons"]] == ["coverage_unknown", "referral_unknown"]

    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    assert reasons(claims_of_session(engine, session["session_id"])[0]) == ["coverage_unknown"]
    _, narrower = events_of(engine, "claims.claim.needs_review.v1")
    assert [r["code"] for r in narrower["reasons"]] == ["coverage_unknown"]

    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    (ready,) = claims_of_session(engine, session["session_id"])
    assert ready.status == "ready" and reasons(ready) == []
    assert ready.payer_id == "ACME01" and ready.total_charge == Decimal("130.00")
    (announced,) = events_of(engine, "claims.claim.ready.v1")
    assert announced == {
        "claim_id": ready.claim_id,
        "client_id": client_id,
        "session_id": session["session_id"],
        "payer_id": "ACME01",
        "total_charge": "130.00",
        "expected_allowed": "90.89",
    }
    assert len(events_of(engine, "claims.claim.needs_review.v1")) == 2


def test_a_rescrub_that_changes_nothing_announces_nothing(engine):
    client_id, referral_id = ids()
    session = session_data(client_id, referral_id)
    deliver(engine, event(SESSION_COMPLETED, session))
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id, coverage=False)))
    deliver(engine, event(CLIENT_UPDATED, client_data(client_id, version=2, coverage=False)))

    (parked,) = claims_of_session(engine, session["session_id"])
    assert reasons(parked) == ["coverage_unknown", "referral_unknown"]
    assert len(events_of(engine, "claims.claim.needs_review.v1")) == 1
    assert events_of(engine, "claims.claim.ready.v1") == []


def test_an_older_client_version_never_overwrites_a_newer_one(engine):
    client_id, referral_id = ids()
    deliver(engine, event(CLIENT_UPDATED, client_data(client_id, version=2, coverage=False)))
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id, version=1)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    session = session_data(client_id, referral_id)

    deliver(engine, event(SESSION_COMPLETED, session))

    assert reasons(claims_of_session(engine, session["session_id"])[0]) == ["coverage_unknown"]


def test_an_older_referral_amendment_is_ignored_and_a_revocation_closes_coverage(engine):
    client_id, referral_id = ids()
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    narrow = {"start_on": VISIT_DAY + timedelta(days=30)}
    deliver(engine, event(REFERRAL_AMENDED, referral_data(client_id, referral_id, 2, **narrow)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id, 1)))
    before = session_data(client_id, referral_id)
    deliver(engine, event(SESSION_COMPLETED, before))
    assert reasons(claims_of_session(engine, before["session_id"])[0]) == ["referral_not_active"]

    deliver(engine, event(REFERRAL_AMENDED, referral_data(client_id, referral_id, 3)))
    assert claims_of_session(engine, before["session_id"])[0].status == "ready"

    closed = {
        "referral_id": referral_id,
        "client_id": client_id,
        "version": 4,
        "closed_on": VISIT_DAY - timedelta(days=1),
    }
    deliver(engine, event(REFERRAL_REVOKED, closed))
    after = session_data(client_id, referral_id)
    deliver(engine, event(SESSION_COMPLETED, after))
    assert reasons(claims_of_session(engine, after["session_id"])[0]) == ["referral_not_active"]


def test_sessions_beyond_the_authorized_visits_need_review(engine):
    client_id, referral_id = ids()
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    deliver(
        engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id, authorized_visits=2))
    )
    sessions = [session_data(client_id, referral_id) for _ in range(3)]
    for session in sessions:
        deliver(engine, event(SESSION_COMPLETED, session))

    statuses = [claims_of_session(engine, s["session_id"])[0].status for s in sessions]
    assert statuses == ["ready", "ready", "needs_review"]
    assert reasons(claims_of_session(engine, sessions[2]["session_id"])[0]) == ["no_visits_left"]


def test_massage_and_manual_therapy_on_the_same_region_park_the_claim(engine):
    session = a_visit(engine, same_region=True)

    (claim,) = claims_of_session(engine, session["session_id"])

    assert claim.status == "needs_review"
    assert reasons(claim) == ["coding_edit_same_region"]


def test_a_per_code_payer_recounts_units_from_the_minutes(engine):
    set_up_billing(engine, payer_id="PERCODE1", counting_method="per_code", gp_required=True)
    client_id, referral_id = ids()
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id, payer_id="PERCODE1")))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    session = session_data(client_id, referral_id)
    # CMS gave 97140 33 min -> 2, 97124 7 min -> 1; per code 97124 under 8 min bills nothing.
    session["codes"] = [
        {"code": "97140", "minutes": 33, "units": 2},
        {"code": "97124", "minutes": 7, "units": 1},
    ]
    session["techniques"][0]["minutes"] = 33
    session["techniques"][1]["minutes"] = 7

    deliver(engine, event(SESSION_COMPLETED, session))

    (claim,) = claims_of_session(engine, session["session_id"])
    with engine.connect() as connection:
        lines = connection.execute(
            select(claim_lines.c.code, claim_lines.c.units, claim_lines.c.modifiers).where(
                claim_lines.c.claim_id == claim.claim_id
            )
        ).all()
    assert [tuple(line) for line in lines] == [("97140", 2, "GP")]
    assert claim.total_charge == Decimal("90.00")
