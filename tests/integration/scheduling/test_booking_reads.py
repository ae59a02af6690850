"""Booking reads only what it decides on, and decides the same as on the full rows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.scheduling.store.eligibility import eligibility_for_booking, load_eligibility
from shared.db import write_transaction
from shared.events.contracts.screening import REFERRAL_WINDOW, SCREENING_COMPLETED
from tests.integration.scheduling.clinic import a_referral, a_screening, deliver


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
