"""The claims HTTP API on a real database: billing setup, claims, reports, bad input."""

from __future__ import annotations

import copy
import uuid

import pytest

from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from tests.integration.claims.support import (
    PROVIDER,
    VISIT_DAY,
    client_data,
    deliver,
    event,
    referral_data,
    session_data,
)
from tests.support.http import auth

BILLING = auth("billing")
ACME = {
    "name": "Acme Health",
    "counting_method": "cms",
    "gp_required": False,
    "timely_filing_days": 365,
}
FEES_CSV = (
    "payer_id,code,effective_from,effective_to,charge_per_unit,allowed_per_unit\n"
    "ACME01,97140,2024-01-01,,45.00,31.17\n"
    "ACME01,97124,2024-01-01,,40.00,28.55\n"
)


def set_up_over_http(http) -> None:  # type: ignore[no-untyped-def]
    assert http.put("/billing-provider", json=PROVIDER, headers=BILLING).status_code == 200
    assert http.put("/payers/ACME01", json=ACME, headers=BILLING).status_code == 200
    answer = http.post(
        "/fee-schedules/import", data=FEES_CSV, content_type="text/csv", headers=BILLING
    )
    assert answer.status_code == 200 and answer.json == {"imported": 2}


def parked_and_ready_claims(engine) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """One claim parked for want of a client record and one ready; their client ids."""
    ready_client, parked_client = f"c-{uuid.uuid4().hex[:8]}", f"c-{uuid.uuid4().hex[:8]}"
    for client_id in (ready_client, parked_client):
        referral_id = f"r-{uuid.uuid4().hex[:8]}"
        if client_id == ready_client:
            deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
        deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
        deliver(engine, event(SESSION_COMPLETED, session_data(client_id, referral_id)))
    return ready_client, parked_client


def test_billing_sets_up_the_provider_payers_fees_and_edits(http):
    set_up_over_http(http)

    assert http.get("/billing-provider", headers=BILLING).json == {
        **PROVIDER, "entity_type": "organisation", "last_name": None, "first_name": None,
        "pay_to_address": None,
    }
    assert http.get("/payers/ACME01", headers=BILLING).json == {
        "payer_id": "ACME01",
        "claim_filing_indicator": "CI",
        "distinct_modifier": None,
        "rendering_taxonomy_required": False,
        **ACME,
    }
    fees = http.get("/fee-schedules?payer_id=ACME01&code=97140", headers=BILLING).json
    assert fees == {
        "entries": [
            {
                "payer_id": "ACME01",
                "code": "97140",
                "effective_from": "2024-01-01",
                "effective_to": None,
                "charge_per_unit": "45.00",
                "allowed_per_unit": "31.17",
            }
        ]
    }
    raised = {"entries": [{**fees["entries"][0], "charge_per_unit": "47.50"}]}
    assert http.post("/fee-schedules", json=raised, headers=BILLING).json == {"imported": 1}
    again = http.get("/fee-schedules?payer_id=ACME01&code=97140", headers=BILLING).json
    assert again["entries"][0]["charge_per_unit"] == "47.50"
    edits = http.get("/coding-edits", headers=BILLING).json["edits"]
    assert [(e["column1"], e["column2"], e["modifier"]) for e in edits] == [
        ("97140", "97124", "XS")
    ]
    new_edit = {
        "column1": "97140",
        "column2": "97124",
        "modifier_allowed": True,
        "modifier": "59",
        "effective_from": "2025-01-01",
    }
    assert http.post("/coding-edits", json=new_edit, headers=BILLING).status_code == 200
    assert len(http.get("/coding-edits", headers=BILLING).json["edits"]) == 2
    assert [p["payer_id"] for p in http.get("/payers", headers=BILLING).json["payers"]] == [
        "ACME01"
    ]


def test_claims_are_listed_filtered_and_shown_with_lines_history_and_reasons(http, engine):
    set_up_over_http(http)
    ready_client, parked_client = parked_and_ready_claims(engine)

    listed = http.get("/claims?status=ready", headers=BILLING).json["claims"]
    parked = http.get(f"/claims?client_id={parked_client}", headers=BILLING).json["claims"]
    today = VISIT_DAY.isoformat()
    in_range = http.get(f"/claims?from={today}&to={today}", headers=BILLING).json["claims"]

    assert [c["client_id"] for c in listed] == [ready_client]
    assert [r["code"] for r in parked[0]["reasons"]] == ["coverage_unknown"]
    assert len(in_range) == 2
    detail = http.get(f"/claims/{listed[0]['claim_id']}", headers=BILLING).json
    assert detail["total_charge"] == "130.00" and detail["expected_allowed"] == "90.89"
    assert [
        (line["code"], line["modifiers"], line["units"], line["charge"]) for line in detail["lines"]
    ] == [("97124", ["XS"], 1, "40.00"), ("97140", [], 2, "90.00")]
    assert [h["status"] for h in detail["history"]] == ["ready"]
    missing = http.get(f"/claims/{listed[0]['claim_id']}/837", headers=BILLING)
    assert missing.status_code == 404 and missing.json["type"] == "/problems/not-batched"


def test_receivables_sum_charges_and_expected_amounts_by_state_and_payer(http, engine):
    set_up_over_http(http)
    parked_and_ready_claims(engine)

    report = http.get("/reports/receivables", headers=BILLING).json

    assert report["rows"] == [
        {
            "status": "needs_review",
            "payer_id": None,
            "claims": 1,
            "total_charge": "0.00",
            "expected_allowed": "0.00",
        },
        {
            "status": "ready",
            "payer_id": "ACME01",
            "claims": 1,
            "total_charge": "130.00",
            "expected_allowed": "90.89",
        },
    ]
    assert report["total_charge"] == "130.00"


def test_rescrub_readies_claims_parked_until_billing_set_up_the_payer(http, engine):
    http.put("/billing-provider", json=PROVIDER, headers=BILLING)
    client_id, referral_id = f"c-{uuid.uuid4().hex[:8]}", f"r-{uuid.uuid4().hex[:8]}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    deliver(engine, event(SESSION_COMPLETED, session_data(client_id, referral_id)))
    (parked,) = http.get("/claims", headers=BILLING).json["claims"]
    assert [r["code"] for r in parked["reasons"]] == ["payer_not_configured"]

    http.put("/payers/ACME01", json=ACME, headers=BILLING)
    http.post("/fee-schedules/import", data=FEES_CSV, content_type="text/csv", headers=BILLING)
    answer = http.post("/claims/rescrub", headers=BILLING)

    assert answer.json == {"scrubbed": 1, "ready": 1}
    assert http.get(f"/claims/{parked['claim_id']}", headers=BILLING).json["status"] == "ready"


def test_only_billing_and_admin_may_use_the_claims_api(http):
    assert http.get("/claims").status_code == 401
    assert http.get("/claims", headers=auth("front_desk")).status_code == 403
    assert http.get("/claims", headers=auth("therapist")).status_code == 403
    assert http.get("/claims", headers=auth("admin")).status_code == 200
    assert http.put("/payers/X1", json=ACME, headers=auth("ops")).status_code == 403


def bad_provider() -> dict:
    provider = copy.deepcopy(PROVIDER)
    provider["npi"] = "1234567890"
    provider["address"]["postal_code"] = "62701"
    del provider["ein"]
    return provider


@pytest.mark.parametrize(
    ("method", "path", "body", "fields"),
    [
        ("put", "/billing-provider", bad_provider(), {"npi", "address", "ein"}),
        (
            "put",
            "/payers/ACME01",
            {**ACME, "counting_method": "hours", "timely_filing_days": 0},
            {"counting_method", "timely_filing_days"},
        ),
        ("put", "/payers/BAD~ID", ACME, {"payer_id"}),
        (
            "post",
            "/fee-schedules",
            {
                "entries": [
                    {
                        "payer_id": "ACME01",
                        "code": "9714",
                        "effective_from": "2024-02-30",
                        "charge_per_unit": 45.5,
                        "allowed_per_unit": "x",
                    }
                ]
            },
            {"entries"},
        ),
        ("post", "/fee-schedules", {"entries": []}, {"entries"}),
        (
            "post",
            "/coding-edits",
            {
                "column1": "97140",
                "column2": "97140",
                "modifier_allowed": "maybe",
                "modifier": "25",
                "effective_from": "2024-01-01",
            },
            {"modifier_allowed", "modifier"},
        ),
        (
            "post",
            "/coding-edits",
            {
                "column1": "97140",
                "column2": "97140",
                "modifier_allowed": True,
                "effective_from": "2024-01-01",
                "effective_to": "2023-01-01",
            },
            {"column2", "effective_to"},
        ),
        ("post", "/claims/C-x/resubmit", {"member_id": "A*B"}, {"member_id"}),
        ("get", "/claims?status=lost&from=2024-13-01&limit=0", None, {"status", "from", "limit"}),
        ("get", "/fee-schedules?code=97", None, {"code"}),
    ],
)
def test_bad_input_is_a_problem_naming_each_wrong_field(http, method, path, body, fields):
    answer = getattr(http, method)(path, json=body, headers=BILLING)

    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    assert set(answer.json["errors"]) == fields


def test_a_bad_fee_csv_names_its_lines_and_imports_nothing(http):
    http.put("/payers/ACME01", json=ACME, headers=BILLING)
    csv_text = FEES_CSV + "ACME01,97124,2024-03-01,2024-02-01,40.00,28.55\nACME01,971,x,,-1,\n"

    answer = http.post(
        "/fee-schedules/import", data=csv_text, content_type="text/csv", headers=BILLING
    )

    assert answer.status_code == 400
    assert set(answer.json["errors"]) == {"line 4", "line 5"}
    assert http.get("/fee-schedules", headers=BILLING).json == {"entries": []}


def test_fees_for_an_unknown_payer_and_a_wrong_media_type_are_refused(http):
    unknown = http.post(
        "/fee-schedules/import", data=FEES_CSV, content_type="text/csv", headers=BILLING
    )
    as_json = http.post("/fee-schedules/import", json={}, headers=BILLING)
    no_header = http.post(
        "/fee-schedules/import", data="a,b\n1,2\n", content_type="text/csv", headers=BILLING
    )

    assert unknown.status_code == 422 and unknown.json["payers"] == ["ACME01"]
    assert as_json.status_code == 415
    assert no_header.status_code == 400 and "header" in no_header.json["errors"]


def test_unknown_claims_and_an_unset_provider_are_404(http):
    assert http.get("/claims/C-nope", headers=BILLING).status_code == 404
    assert http.get("/claims/C-nope/837", headers=BILLING).status_code == 404
    assert http.post("/claims/C-nope/resubmit", json={}, headers=BILLING).status_code == 404
    assert http.get("/billing-provider", headers=BILLING).status_code == 404
    assert http.get("/payers/NOPE", headers=BILLING).status_code == 404


def test_resubmitting_a_claim_that_was_not_rejected_is_a_conflict(http, engine):
    set_up_over_http(http)
    parked_and_ready_claims(engine)
    (ready,) = http.get("/claims?status=ready", headers=BILLING).json["claims"]

    answer = http.post(f"/claims/{ready['claim_id']}/resubmit", json={}, headers=BILLING)

    assert answer.status_code == 409 and answer.json["type"] == "/problems/cannot-resubmit"


def test_the_openapi_document_lists_every_endpoint_with_its_roles(http):
    document = http.get("/openapi.json").json

    assert document["paths"]["/claims/{claim_id}/837"]["get"]["x-roles"] == ["admin", "billing"]
    assert (
        "text/plain"
        in document["paths"]["/claims/{claim_id}/837"]["get"]["responses"]["200"]["content"]
    )
    assert {"/fee-schedules/import", "/reports/receivables", "/claims/{claim_id}/resubmit"} <= set(
        document["paths"]
    )


def test_metrics_show_claims_by_state_and_payer_for_ops(http, engine):
    set_up_over_http(http)
    parked_and_ready_claims(engine)

    metrics = http.get("/metrics").get_data(as_text=True)

    assert 'claims_by_state{payer="ACME01",status="ready"} 1.0' in metrics
    assert 'claims_by_state{payer="unknown",status="needs_review"} 1.0' in metrics
