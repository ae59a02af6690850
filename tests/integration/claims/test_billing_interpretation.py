"""Issue #13 on a real database (SQLite and PostgreSQL): v2 sessions become claims whose lines
say why, the setup API refuses what a payer would, and staff can read the rules in force."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.claims.store.tables import claim_lines
from shared.events.contracts.scheduling import SESSION_COMPLETED, SESSION_COMPLETED_V2
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from tests.integration.claims.support import (
    PROVIDER,
    RENDERING_NPI,
    VISIT_DAY,
    claims_of_session,
    client_data,
    deliver,
    event,
    referral_data,
    session_data,
    set_up_billing,
)
from tests.support.http import auth

BILLING = auth("billing")
NECK_AND_BACK = [
    {"diagnosis": "M54.50", "body_regions": ["lower_back"]},
    {"diagnosis": "M54.2", "body_regions": ["neck"]},
]


def v2_session(client_id: str, referral_id: str, **overrides) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "session_id": f"s-{uuid.uuid4().hex[:12]}",
        "appointment_id": f"a-{uuid.uuid4().hex[:12]}",
        "client_id": client_id,
        "referral_id": referral_id,
        "rendering_provider": {"name": "Sam Lee", "npi": RENDERING_NPI},
        "date_of_service": VISIT_DAY,
        "place_of_service": "11",
        "counting_method": "cms",
        "lines": [
            {"code": "97140", "technique": "myofascial_release", "minutes": 30, "units": 2,
             "body_regions": ["lower_back"]},
            {"code": "97124", "technique": "swedish", "minutes": 15, "units": 1,
             "body_regions": ["neck"]},
        ],
        "completed_at": datetime.now(UTC),
    }
    return data | overrides


def visit(engine, session_event=SESSION_COMPLETED_V2, referral=None, **session):  # type: ignore[no-untyped-def]
    client_id, referral_id = f"c-{uuid.uuid4().hex[:10]}", f"r-{uuid.uuid4().hex[:10]}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(
        client_id, referral_id, diagnoses=["M54.50", "M54.2"], diagnosis_regions=NECK_AND_BACK,
        **(referral or {}))))
    if session_event is SESSION_COMPLETED_V2:
        data = v2_session(client_id, referral_id, **session)
    else:
        data = session_data(client_id, referral_id, **session)
    deliver(engine, event(session_event, data))
    [claim] = claims_of_session(engine, data["session_id"])
    return claim


def lines_of(engine, claim) -> dict:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(
            select(claim_lines).where(claim_lines.c.claim_id == claim.claim_id)
        ).all()
    return {row.code: row for row in rows}


def reason_codes(claim) -> list[str]:  # type: ignore[no-untyped-def]
    return [reason["code"] for reason in json.loads(claim.reasons)]


@pytest.fixture
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    set_up_billing(engine)


def test_a_v2_session_becomes_a_ready_claim_each_line_pointing_at_its_regions(
    engine, billing_set_up
):
    claim = visit(engine)

    assert claim.status == "ready", claim.reasons
    lines = lines_of(engine, claim)
    assert (lines["97140"].diagnosis_pointers, lines["97140"].modifiers) == ("1", "")
    assert (lines["97124"].diagnosis_pointers, lines["97124"].modifiers) == ("2", "XS")


def test_a_session_announced_in_v1_and_in_v2_is_billed_once(engine, billing_set_up):
    client_id, referral_id = f"c-{uuid.uuid4().hex[:10]}", f"r-{uuid.uuid4().hex[:10]}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    old = session_data(client_id, referral_id)
    new = v2_session(client_id, referral_id, session_id=old["session_id"])

    deliver(engine, event(SESSION_COMPLETED, old))
    deliver(engine, event(SESSION_COMPLETED_V2, new))

    assert len(claims_of_session(engine, old["session_id"])) == 1


def test_a_v1_session_carrying_too_many_units_is_billed_as_counted_and_held(
    engine, billing_set_up
):
    client_id, referral_id = f"c-{uuid.uuid4().hex[:10]}", f"r-{uuid.uuid4().hex[:10]}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    data = session_data(client_id, referral_id)
    data["codes"][0]["units"] = 5  # 30 minutes of 97140

    deliver(engine, event(SESSION_COMPLETED, data))

    [claim] = claims_of_session(engine, data["session_id"])
    assert claim.status == "needs_review"
    assert "units_miscounted" in reason_codes(claim)
    assert lines_of(engine, claim)["97140"].units == 2


def test_regions_outside_the_referral_flag_the_claim(engine, billing_set_up):
    claim = visit(engine, regions_outside_referral=["left_knee"],
                  outside_referral_reason="Compensating gait; physician called")

    assert "regions_outside_referral" in reason_codes(claim)
    assert "physician called" not in claim.reasons


def test_a_code_not_prescribed_holds_the_claim(engine, billing_set_up):
    claim = visit(engine, referral={"codes": ["97140"]})

    assert "code_not_prescribed" in reason_codes(claim)


def test_a_second_session_the_same_day_counts_toward_the_daily_limit(engine, billing_set_up):
    client_id, referral_id = f"c-{uuid.uuid4().hex[:10]}", f"r-{uuid.uuid4().hex[:10]}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    long_session = [{"code": "97140", "technique": "myofascial_release", "minutes": 68,
                     "units": 5, "body_regions": ["lower_back"]}]
    first = v2_session(client_id, referral_id, lines=long_session)
    second = v2_session(client_id, referral_id, lines=[
        {"code": "97140", "technique": "myofascial_release", "minutes": 30, "units": 2,
         "body_regions": ["lower_back"]}])

    deliver(engine, event(SESSION_COMPLETED_V2, first))
    deliver(engine, event(SESSION_COMPLETED_V2, second))

    [one] = claims_of_session(engine, first["session_id"])
    [two] = claims_of_session(engine, second["session_id"])
    assert one.status == "ready"
    assert "unit_limit_exceeded" in reason_codes(two)


def test_a_payer_set_to_59_gets_59_on_the_column_two_line(engine):
    set_up_billing(engine, distinct_modifier="59")

    claim = visit(engine)

    assert lines_of(engine, claim)["97124"].modifiers == "59"


# -- the setup API --------------------------------------------------------------------------


def test_a_po_box_billing_address_is_refused_naming_the_field_and_a_pay_to_po_box_is_taken(
    http
):
    po_box = PROVIDER | {"address": PROVIDER["address"] | {"line1": "PO Box 1234"}}

    refused = http.put("/billing-provider", json=po_box, headers=BILLING)
    # Field-level input problems are 400 with the field named, as everywhere in the API.
    assert refused.status_code == 400, refused.json
    assert "line1" in refused.json["errors"]["address"]

    pay_to = {"line1": "PO Box 1234", "line2": None, "city": "Springfield", "state": "IL",
              "postal_code": "62701"}
    taken = http.put("/billing-provider", json=PROVIDER | {"pay_to_address": pay_to},
                     headers=BILLING)
    assert taken.status_code == 200, taken.json
    assert http.get("/billing-provider", headers=BILLING).json["pay_to_address"] == pay_to


def test_a_solo_therapist_is_set_up_as_an_individual_billing_provider(http):
    nameless = http.put("/billing-provider", json=PROVIDER | {"entity_type": "individual"},
                        headers=BILLING)
    assert nameless.status_code == 400
    assert set(nameless.json["errors"]) == {"last_name", "first_name"}

    solo = PROVIDER | {"entity_type": "individual", "last_name": "Lee", "first_name": "Sam"}
    assert http.put("/billing-provider", json=solo, headers=BILLING).status_code == 200
    shown = http.get("/billing-provider", headers=BILLING).json
    assert (shown["entity_type"], shown["last_name"], shown["first_name"]) == (
        "individual", "Lee", "Sam")


def test_fee_import_refuses_more_than_two_decimals_instead_of_rounding(http):
    payer = {"name": "Acme Health", "counting_method": "cms", "gp_required": False,
             "timely_filing_days": 365}
    assert http.put("/payers/ACME01", json=payer, headers=BILLING).status_code == 200
    csv = ("payer_id,code,effective_from,effective_to,charge_per_unit,allowed_per_unit\n"
           "ACME01,97140,2024-01-01,,45.125,31.17\n")

    imported = http.post("/fee-schedules/import", data=csv, content_type="text/csv",
                         headers=BILLING)
    posted = http.post("/fee-schedules", headers=BILLING, json={"entries": [{
        "payer_id": "ACME01", "code": "97140", "effective_from": "2024-01-01",
        "charge_per_unit": "45.125", "allowed_per_unit": "31.17"}]})

    assert imported.status_code == 400 and "charge_per_unit" in imported.json["errors"]["line 2"]
    assert posted.status_code == 400
    assert http.get("/fee-schedules", headers=BILLING).json["entries"] == []


def test_a_zero_allowed_amount_is_refused_at_entry(http):
    payer = {"name": "Acme Health", "counting_method": "cms", "gp_required": False,
             "timely_filing_days": 365}
    http.put("/payers/ACME01", json=payer, headers=BILLING)

    answer = http.post("/fee-schedules", headers=BILLING, json={"entries": [{
        "payer_id": "ACME01", "code": "97140", "effective_from": "2024-01-01",
        "charge_per_unit": "45.00", "allowed_per_unit": "0.00"}]})

    assert answer.status_code == 400


def test_staff_read_the_technique_map_and_the_edits_in_force_for_a_payer(http):
    payer = {"name": "Acme Health", "counting_method": "cms", "gp_required": False,
             "timely_filing_days": 365, "distinct_modifier": "59"}
    assert http.put("/payers/ACME01", json=payer, headers=BILLING).status_code == 200
    general = {"column1": "97140", "column2": "97124", "modifier_allowed": True,
               "modifier": "XS", "effective_from": "2015-01-01"}
    own = general | {"payer_id": "OTHER01"}
    assert http.post("/coding-edits", json=general, headers=BILLING).status_code == 200
    unknown = http.post("/coding-edits", json=own, headers=BILLING)
    assert unknown.status_code == 422

    codes = http.get("/technique-codes", headers=BILLING).json["codes"]
    assert {"technique": "myofascial_release", "code": "97140"} in codes
    in_force = http.get("/coding-edits", headers=BILLING,
                        query_string={"payer_id": "ACME01", "on": "2024-03-04"}).json["edits"]
    assert [(e["column1"], e["column2"], e["modifier"]) for e in in_force] == [
        ("97140", "97124", "59")]
    limits = http.get("/unit-limits", headers=BILLING).json["limits"]
    assert {limit["code"] for limit in limits} == {"97124", "97140"}
    places = http.get("/places-of-service", headers=BILLING).json["places"]
    assert {"code": "11", "name": "Office"} in places
    assert "00" not in {place["code"] for place in places}


def test_staff_see_why_each_line_got_its_code_modifier_and_diagnoses(http, engine,
                                                                      billing_set_up):
    claim = visit(engine)

    coding = http.get(f"/claims/{claim.claim_id}/coding", headers=BILLING)

    assert coding.status_code == 200, coding.json
    lines = {line["code"]: line for line in coding.json["lines"]}
    assert lines["97124"] == {
        "code": "97124", "modifiers": ["XS"], "techniques": ["swedish"],
        "body_regions": ["neck"], "minutes": 15, "units_reported": 1, "units_billed": 1,
        "counting_method": "cms", "diagnoses": ["M54.2"], "distinct_from": "97140"}
    assert lines["97140"]["diagnoses"] == ["M54.50"]
    assert lines["97140"]["distinct_from"] is None
