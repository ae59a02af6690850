"""GET /claims/<id>/cms1500.pdf on SQLite and PostgreSQL: the claim as billed, on the form."""

from __future__ import annotations

from tests.integration.claims.support import a_visit, claims_of_session, set_up_billing
from tests.support.http import auth
from tests.unit.claims.pdf_text import all_text, box, line, pages

BILLING = auth("billing")


def test_billing_prints_a_ready_claim_on_the_cms1500(http, engine):
    set_up_billing(engine)
    visit = a_visit(engine, member_id="MEM998877")
    (claim,) = claims_of_session(engine, visit["session_id"])

    answer = http.get(f"/claims/{claim.claim_id}/cms1500.pdf", headers=BILLING)

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Cache-Control"] == "no-store"
    (page,) = pages(answer.data)
    assert (box(page, "2"), box(page, "1a"), box(page, "26")) == (
        "DOE, JANE", "MEM998877", claim.claim_id
    )  # fmt: skip
    assert [box(page, "21A"), box(page, "21B")] == ["M5450", "M62830"]
    assert {line(page, "24D_code", 1), line(page, "24D_code", 2)} == {"97140", "97124"}
    total = f"{claim.total_charge:.2f}".replace(".", " ")
    assert box(page, "28") == total
    assert box(page, "33a") == "1245319599"


def test_the_superbill_is_the_clients_copy(http, engine):
    set_up_billing(engine)
    visit = a_visit(engine)
    (claim,) = claims_of_session(engine, visit["session_id"])

    answer = http.get(f"/claims/{claim.claim_id}/cms1500.pdf?superbill=1", headers=BILLING)

    (page,) = pages(answer.data)
    assert "SUPERBILL" in all_text(page) and box(page, "13") == ""
    assert "superbill-" in answer.headers["Content-Disposition"]


def test_a_claim_waiting_for_review_has_no_form_yet(http, engine):
    visit = a_visit(engine)  # no billing setup: the claim is parked
    (claim,) = claims_of_session(engine, visit["session_id"])

    answer = http.get(f"/claims/{claim.claim_id}/cms1500.pdf", headers=BILLING)

    assert answer.status_code == 409
    assert answer.mimetype == "application/problem+json"
    assert "needs_review" in answer.get_json()["detail"]


def test_only_billing_reads_the_paper_claim(http, engine):
    set_up_billing(engine)
    visit = a_visit(engine)
    (claim,) = claims_of_session(engine, visit["session_id"])
    path = f"/claims/{claim.claim_id}/cms1500.pdf"

    assert http.get(path).status_code == 401
    assert http.get(path, headers=auth("therapist")).status_code == 403
    assert http.get(path, headers=auth("front_desk")).status_code == 403
    assert http.get("/claims/nope/cms1500.pdf", headers=BILLING).status_code == 404
    assert http.get(f"{path}?superbill=maybe", headers=BILLING).status_code == 400
