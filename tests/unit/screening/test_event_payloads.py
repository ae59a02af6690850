"""Event payloads built from stored rows satisfy their contracts and leak nothing extra."""

from datetime import UTC, date, datetime

from services.screening.commands.events import (
    client_data,
    contact_data,
    referral_closed_data,
    referral_data,
    screening_data,
    window_data,
)
from shared.events import EVENTS
from shared.events.contracts.screening import (
    CLIENT_CONTACT,
    CLIENT_REGISTERED,
    REFERRAL_AMENDED,
    REFERRAL_EXPIRED,
    REFERRAL_WINDOW,
    SCREENING_COMPLETED,
)

RECORDED_AT = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def a_stored_client() -> dict:
    return {
        "client_id": "cl_1", "version": 3, "first_name": "Maria", "last_name": "Lopez",
        "birth_date": date(1980, 4, 12), "sex": "F",
        "address": {"line1": "1 Elm St", "line2": None, "city": "Albany", "state": "NY",
                    "postal_code": "12207"},
        "phone": "+15185550100", "email": "maria@example.org", "time_zone": "America/New_York",
        "coverage": None, "secondary_coverage": None,
        "identity_key": "lopez|maria|1980-04-12|", "last_name_key": "lopez",
    }


def a_stored_screening(**fields) -> dict:  # type: ignore[no-untyped-def]
    return {
        "screening_id": "sc_1", "client_id": "cl_1", "outcome": "needs_clearance",
        "reasons": [{"code": "bleeding_risk", "text": "found: Coumadin 5 mg"}],
        "restricted_techniques": ["deep_tissue"], "restricted_regions": [],
        "pressure_limit": None, "screened_on": date(2026, 3, 2),
        "expires_on": date(2027, 3, 2), "rules_version": "2026.1",
        "clearance_physician_npi": None, "recorded_at": RECORDED_AT, **fields,
    }


def a_stored_referral(**fields) -> dict:  # type: ignore[no-untyped-def]
    return {
        "referral_id": "rf_1", "client_id": "cl_1", "version": 2, "status": "amended",
        "physician_name": "Dr. Ada Okafor", "physician_last_name": "Okafor",
        "physician_first_name": "Ada", "physician_credential": "MD",
        "physician_npi": "1234567893", "diagnoses": ["M54.50"], "codes": ["97124"],
        "techniques": [], "body_regions": ["lower_back"],
        "diagnosis_regions": [{"diagnosis": "M54.50", "body_regions": ["lower_back"]}],
        "visits_per_week": 2, "weeks": 4,
        "authorized_visits": 8, "authorization_number": None,
        "start_on": date(2026, 3, 2), "end_on": date(2026, 3, 31), "closed_on": None,
        **fields,
    }


def test_a_client_event_carries_what_billing_needs_and_no_contact_details():
    event = EVENTS.build(CLIENT_REGISTERED, source="screening", subject="cl_1",
                         data=client_data(a_stored_client()))

    assert event.data["version"] == 3
    assert event.data["birth_date"] == "1980-04-12"
    assert not {"phone", "email", "time_zone", "identity_key", "last_name_key"} & set(event.data)


def test_a_client_with_two_payers_announces_both_in_their_order():
    primary = {"payer_id": "60054", "payer_name": "Aetna", "member_id": "W1",
               "group_number": None, "relationship_to_subscriber": "self", "subscriber": None}
    secondary = {**primary, "payer_id": "87726", "payer_name": "UHC", "member_id": "U9"}
    event = EVENTS.build(CLIENT_REGISTERED, source="screening", subject="cl_1",
                         data=client_data({**a_stored_client(), "coverage": primary,
                                           "secondary_coverage": secondary}))

    assert (event.data["coverage"]["payer_id"], event.data["secondary_coverage"]["payer_id"]) == (
        "60054", "87726")


def test_the_contact_event_carries_how_to_reach_the_client_and_nothing_clinical():
    event = EVENTS.build(CLIENT_CONTACT, source="screening", subject="cl_1",
                         data=contact_data(a_stored_client()))

    assert event.data == {"client_id": "cl_1", "version": 3, "first_name": "Maria",
                          "email": "maria@example.org", "phone": "+15185550100",
                          "time_zone": "America/New_York"}


def test_a_screening_event_carries_reason_codes_but_not_their_words():
    event = EVENTS.build(SCREENING_COMPLETED, source="screening", subject="cl_1",
                         data=screening_data(a_stored_screening()))

    assert event.data["reason_codes"] == ["bleeding_risk"]
    assert event.data["cleared_by_physician"] is False
    assert "Coumadin" not in str(event.data)


def test_a_screening_with_a_physicians_npi_is_announced_as_cleared_by_physician():
    data = screening_data(a_stored_screening(outcome="cleared",
                                             clearance_physician_npi="1234567893"))

    assert data["cleared_by_physician"] is True


def test_a_referral_event_nests_the_physician_as_the_contract_wants():
    event = EVENTS.build(REFERRAL_AMENDED, source="screening", subject="cl_1",
                         data=referral_data(a_stored_referral()))

    assert event.data["physician"] == {"name": "Dr. Ada Okafor", "npi": "1234567893",
                                       "last_name": "Okafor", "first_name": "Ada",
                                       "credential": "MD"}
    assert event.data["diagnosis_regions"] == [
        {"diagnosis": "M54.50", "body_regions": ["lower_back"]}]
    assert event.data["version"] == 2


def test_a_closed_referral_event_says_which_version_closed_and_when():
    data = referral_closed_data(a_stored_referral(version=3, closed_on=date(2026, 4, 1)))
    event = EVENTS.build(REFERRAL_EXPIRED, source="screening", subject="cl_1", data=data)

    assert event.data == {"referral_id": "rf_1", "client_id": "cl_1", "version": 3,
                          "closed_on": "2026-04-01"}


def test_a_referral_window_carries_dates_visits_status_and_regions_but_no_diagnosis():
    event = EVENTS.build(REFERRAL_WINDOW, source="screening", subject="cl_1",
                         data=window_data(a_stored_referral(authorization_number="AUTH-77")))

    assert event.data == {"referral_id": "rf_1", "client_id": "cl_1", "version": 2,
                          "status": "active", "start_on": "2026-03-02",
                          "end_on": "2026-03-31", "authorized_visits": 8, "closed_on": None,
                          # Issue #14: the frequency, for proposing the plan's visits.
                          "frequency": "2x/week for 4 weeks",
                          "body_regions": ["lower_back"]}


def test_a_closed_referrals_window_keeps_its_dates_and_says_how_it_closed():
    data = window_data(a_stored_referral(version=3, status="revoked",
                                         closed_on=date(2026, 3, 20)))

    assert (data["status"], data["closed_on"], data["end_on"]) == (
        "revoked", date(2026, 3, 20), date(2026, 3, 31))
