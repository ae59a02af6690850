"""Billing's pages against the real claims app served over HTTP (its scripted clearinghouse
and 835s as the claims tests drive them): void, write-off, the CMS-1500 through the console,
a secondary claim shown with its primary, and payers and fee schedules edited in forms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import requests
from flask.testing import FlaskClient

from services.claims.domain.records import FeeScheduleEntry, Payer
from services.claims.store import setup
from shared.db import write_transaction
from tests.integration.claims.conftest import app, config, engine, mailbox, scripted  # noqa: F401
from tests.integration.claims.remittances import paid_at_fee_schedule, remittance
from tests.integration.claims.support import a_visit, claims_of_session, set_up_billing
from tests.integration.claims.test_secondary_payers import SECONDARY, a_visit_with_two_payers
from tests.support.console import build_console, post_form, serving, sign_in
from tests.support.http import auth


@pytest.fixture
def database_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The claims app on SQLite (its own tests cover PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'claims.db'}"


@pytest.fixture
def claims_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]  # noqa: F811
    with serving(app) as url:
        yield url


@pytest.fixture
def billing(tmp_path, claims_url: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    console = build_console(f"sqlite:///{tmp_path / 'console.db'}",
                            screening_url="http://127.0.0.1:9",
                            scheduling_url="http://127.0.0.1:9", claims_url=claims_url)
    console.add_account("bea", "billing")
    browser = console.client()
    sign_in(browser, "bea")
    return browser


def billing_with_a_secondary_payer(engine) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The primary payer and fees, and Beta Care as a secondary payer with its own fees."""
    set_up_billing(engine)
    with write_transaction(engine) as connection:
        setup.put_payer(connection, Payer(SECONDARY, "Beta Care"))
        setup.put_fees(connection, [
            FeeScheduleEntry(SECONDARY, code, date(2024, 1, 1), Decimal(charge), Decimal(allowed))
            for code, charge, allowed in (("97140", "45.00", "31.17"),
                                          ("97124", "40.00", "28.55"))])


def claim_of(claims_url: str, claim_id: str) -> dict:
    answer = requests.get(f"{claims_url}/claims/{claim_id}", headers=auth("billing"), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_paid_claim_is_voided_from_its_page_once(billing, claims_url, engine, mailbox):  # noqa: F811
    set_up_billing(engine)
    visit = a_visit(engine)
    (claim,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, claim)))
    page = f"/billing/claims/{claim.claim_id}"
    answer = post_form(billing, f"{page}/void", {}, page=page)
    assert answer.status_code == 302
    void_id = answer.headers["Location"].split("/claims/")[1].split("?")[0]
    assert void_id != claim.claim_id
    void = claim_of(claims_url, void_id)
    assert (void["frequency"], void["replaces_claim_id"]) == ("8", claim.claim_id)
    shown = billing.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"A void of {claim.claim_id} was sent." in shown
    again = post_form(billing, f"{page}/void", {}, page=page)
    assert again.status_code in (409, 422) and 'role="alert"' in again.get_data(as_text=True)


def test_what_the_patient_owes_is_written_off_and_the_claim_closed(
        billing, claims_url, engine, mailbox):  # noqa: F811
    set_up_billing(engine)
    visit = a_visit(engine)
    (claim,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, claim, coinsurance=Decimal("12.00"))))
    assert claim_of(claims_url, claim.claim_id)["balance"]["patient"] == "12.00"
    page = f"/billing/claims/{claim.claim_id}"
    refused = post_form(billing, f"{page}/write-off", {"reason": "", "amount": ""}, page=page)
    assert refused.status_code in (400, 422) and 'role="alert"' in refused.get_data(as_text=True)
    answer = post_form(billing, f"{page}/write-off",
                       {"reason": "Hardship, approved by the manager", "amount": ""}, page=page)
    assert answer.status_code == 302
    closed = claim_of(claims_url, claim.claim_id)
    assert closed["status"] == "written_off" or closed["balance"]["total"] == "0.00"
    assert "Written off and closed." in billing.get(answer.headers["Location"]).get_data(
        as_text=True)


def test_the_secondary_claim_is_shown_with_its_primary_and_both_print_on_the_cms1500(
        billing, claims_url, engine, mailbox):  # noqa: F811
    billing_with_a_secondary_payer(engine)
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, primary, coinsurance=Decimal("12.00")),
                            trace="EFT2001"))
    _, secondary = claims_of_session(engine, visit["session_id"])
    primary_page = billing.get(f"/billing/claims/{primary.claim_id}").get_data(as_text=True)
    assert 'id="secondary-claims"' in primary_page and secondary.claim_id in primary_page
    assert f"to {SECONDARY}" in primary_page
    secondary_page = billing.get(f"/billing/claims/{secondary.claim_id}").get_data(as_text=True)
    assert f"primary claim {primary.claim_id}" in secondary_page

    pdf = billing.get(f"/billing/claims/{primary.claim_id}/cms1500.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Cache-Control"] == "no-store"


def test_a_claim_waiting_for_review_has_no_paper_form_and_the_page_says_so(
        billing, engine):  # noqa: F811
    visit = a_visit(engine)
    with_review = claims_of_session(engine, visit["session_id"])[0]
    answer = billing.get(f"/billing/claims/{with_review.claim_id}/cms1500.pdf")
    assert answer.status_code == 409 and 'role="alert"' in answer.get_data(as_text=True)


def test_payers_and_fees_are_edited_with_the_services_messages_next_to_the_fields(
        billing, claims_url, engine):  # noqa: F811
    set_up_billing(engine)
    saved = post_form(billing, "/billing/setup/payer", {
        "payer.payer_id": "GAMMA3", "payer.name": "Gamma Mutual",
        "payer.counting_method": "per_code", "payer.timely_filing_days": "180",
        "payer.claim_filing_indicator": "CI", "payer.gp_required": "yes"},
        page="/billing/setup")
    assert saved.status_code == 302
    payer = requests.get(f"{claims_url}/payers/GAMMA3", headers=auth("billing"), timeout=10)
    assert payer.json()["counting_method"] == "per_code" and payer.json()["gp_required"]
    editing = billing.get("/billing/setup?payer=GAMMA3").get_data(as_text=True)
    assert 'value="Gamma Mutual"' in editing

    bad_payer = post_form(billing, "/billing/setup/payer", {
        "payer.payer_id": "GAMMA3", "payer.name": "Gamma Mutual",
        "payer.counting_method": "cms", "payer.timely_filing_days": "0"},
        page="/billing/setup")
    assert bad_payer.status_code == 400
    assert 'id="payer-timely_filing_days-error"' in bad_payer.get_data(as_text=True)

    fee = {"fee.payer_id": "GAMMA3", "fee.code": "97140", "fee.effective_from": "2026-01-01",
           "fee.charge_per_unit": "45.00", "fee.allowed_per_unit": "33.10"}
    bad_fee = post_form(billing, "/billing/setup/fee", fee | {"fee.allowed_per_unit": "-1"},
                        page="/billing/setup")
    assert bad_fee.status_code == 400
    assert 'id="fee-allowed_per_unit-error"' in bad_fee.get_data(as_text=True)
    assert post_form(billing, "/billing/setup/fee", fee, page="/billing/setup").status_code == 302
    fees = requests.get(f"{claims_url}/fee-schedules", params={"payer_id": "GAMMA3"},
                        headers=auth("billing"), timeout=10).json()["entries"]
    assert [(f["code"], f["allowed_per_unit"]) for f in fees] == [("97140", "33.10")]
    assert "The fee schedule entry is saved." in billing.get(
        "/billing/setup?done=fee").get_data(as_text=True)
