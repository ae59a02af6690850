"""From a completed session on the real broker to the money: paid, denied and corrected, voided.

The claims service runs as it does in production (consumers, relay, batcher, submission
worker, mailbox poller that posts 835s) against the sandbox clearinghouse with adjudication
rules: a fee schedule matching ours, a member with a deductible and coinsurance, and a member
whose claims are denied as not medically necessary (CO-50, N115).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests
from kafka import KafkaProducer

from deploy.sandbox_clearinghouse import RejectionRules
from services.claims.store import reports
from shared.db import read_only
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from tests.integration.claims.remittances import payments
from tests.integration.claims.running import publish, published_about, running_claims_service
from tests.integration.claims.support import (
    API_KEY,
    STAGES,
    VISIT_DAY,
    claims_of_session,
    client_data,
    event,
    referral_data,
    session_data,
)
from tests.support.http import auth
from tests.support.waiting import wait_for

BILLING = auth("billing")
SHARES_THE_COST = "MEMSHARE"  # deductible 20.00, then 20 % coinsurance
NOT_NEEDED = "MEMNOTNEEDED"  # every claim denied: CO-50, N115
RULES = RejectionRules.from_mapping({
    "allowed": {"ACME01": {"97140": "31.17", "97124": "28.55"}},  # = our fee schedule
    "deductible": {SHARES_THE_COST: "20.00"},
    "coinsurance_percent": {SHARES_THE_COST: "20"},
    "deny": [{"member_id": NOT_NEEDED, "reason": "50", "remark": "N115"}],
})  # fmt: skip
CLAIM_TIMEOUT = 45


@pytest.fixture
def sandbox(engine, config, kafka_settings, unique) -> Iterator:  # type: ignore[no-untyped-def]
    with running_claims_service(
        engine, config, kafka_settings, f"claims-{unique}", RULES
    ) as server:
        yield server


def a_session_completed(kafka_settings, unique: str, member_id: str) -> dict:  # type: ignore[no-untyped-def]
    """The client, the referral and the completed session, published as screening and
    scheduling publish them; the session data."""
    client_id, referral_id = f"c-{unique}", f"r-{unique}"
    session = session_data(client_id, referral_id)
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    publish(
        producer,
        event(CLIENT_REGISTERED, client_data(client_id, member_id=member_id), source="screening"),
        event(REFERRAL_RECORDED, referral_data(client_id, referral_id), source="screening"),
    )
    publish(producer, event(SESSION_COMPLETED, session, source="scheduling"))
    producer.close()
    return session


def claim_reaching(engine, session: dict, status: str, attempt: int = -1):  # type: ignore[no-untyped-def]
    """The session's claim (the last one by default) once it is in ``status``."""
    def reached():  # type: ignore[no-untyped-def]
        found = claims_of_session(engine, session["session_id"])
        return found[attempt] if found and found[attempt].status == status else None

    return wait_for(reached, timeout=CLAIM_TIMEOUT, what=f"a claim {status}")


def test_a_completed_session_is_paid_and_leaves_the_patient_their_share(
    http, engine, sandbox, kafka_settings, unique
):
    session = a_session_completed(kafka_settings, unique, SHARES_THE_COST)

    claim = claim_reaching(engine, session, "patient_balance")

    detail = http.get(f"/claims/{claim.claim_id}", headers=BILLING).json
    (payment,) = detail["payments"]
    # Allowed 90.89 (our expected amount): 20.00 deductible, then 20 % of each line's rest
    # (5.71 + 8.47 or 1.71 + 12.47, whichever line the deductible took): 34.18 is the
    # patient's, 56.71 the payer's, 39.11 of the 130.00 charge written off as CO-45.
    assert (payment["charge"], payment["paid"], payment["patient_responsibility"]) == (
        "130.00", "56.71", "34.18"
    )
    assert detail["balance"] == {"payer": "0.00", "patient": "34.18", "total": "34.18"}
    codes = {a["group"] + "-" + a["reason"] for a in payment["adjustments"]}
    assert codes == {"CO-45", "PR-1", "PR-2"}
    assert {r["code"] for r in detail["reasons"]} >= {"patient_balance", "PR-1", "PR-2"}
    assert [h["transition"] for h in detail["history"] if h["transition"]][-3:] == [
        "receive", "accept", "bill_patient"
    ]
    topics = ["claims.claim.accepted.v1", "claims.claim.patient_balance.v1",
              "claims.claim.adjusted.v1"]  # fmt: skip
    assert published_about(kafka_settings, topics, claim.claim_id) == dict.fromkeys(topics, 1)
    aging = http.get(f"/reports/aging?as_of={VISIT_DAY}", headers=BILLING).json
    assert aging["totals"][0] == {"bucket": "0-30", "claims": 1, "insurance": "0.00",
                                  "patient": "34.18", "amount": "34.18"}  # fmt: skip


def test_a_claim_denied_for_its_member_id_is_corrected_and_the_replacement_is_paid(
    http, engine, sandbox, kafka_settings, unique
):
    session = a_session_completed(kafka_settings, unique, NOT_NEEDED)
    denied = claim_reaching(engine, session, "denied")
    (item,) = http.get("/work-queue?kind=denied", headers=BILLING).json["items"]
    assert item["claim_id"] == denied.claim_id and item["amount_at_stake"] == "90.89"
    words = " ".join(r["text"] for r in item["reasons"])
    assert "CO-50: These are non-covered services" in words and "N115: " in words
    resubmit = next(a for a in item["actions"] if a["action"] == "resubmit")

    answer = http.post(resubmit["path"], json={"member_id": "MEM777"}, headers=BILLING)

    assert answer.status_code == 201, answer.json
    replacement = answer.json
    # Adjudicated (denied), so a replacement quoting the payer's claim number.
    assert replacement["frequency"] == "7" and replacement["replaces_claim_id"] == denied.claim_id
    paid = claim_reaching(engine, session, "paid")
    assert paid.claim_id == replacement["claim_id"]
    x12 = http.get(f"/claims/{paid.claim_id}/837", headers=BILLING).text
    assert f"REF*F8*{denied.payer_claim_control_number}~" in x12 and "MEM777" in x12
    (payment,) = payments(engine, paid.claim_id)
    assert (payment.paid, payment.patient_responsibility) == (Decimal("90.89"), Decimal("0.00"))
    queue = http.get("/work-queue", headers=BILLING).json
    assert queue["items"] == []  # the denied claim was replaced: nothing left to work
    topics = ["claims.claim.denied.v1"]
    assert published_about(kafka_settings, topics, denied.claim_id) == {topics[0]: 1}
    assert published_about(kafka_settings, ["claims.claim.paid.v1"], paid.claim_id) == {
        "claims.claim.paid.v1": 1
    }


def test_a_paid_claim_is_voided_and_the_void_itself_is_never_paid(
    http, engine, sandbox, kafka_settings, unique
):
    session = a_session_completed(kafka_settings, unique, "MEM123456")
    original = claim_reaching(engine, session, "paid", attempt=0)

    answer = http.post(f"/claims/{original.claim_id}/void", headers=BILLING)

    assert answer.status_code == 201, answer.json
    void_claim = answer.json
    assert void_claim["frequency"] == "8"
    claim_reaching(engine, session, "voided", attempt=0)
    claim_reaching(engine, session, "accepted")  # the void claim, accepted by the payer
    _every_report_read(engine, sandbox, after_remittances_of=void_claim["claim_id"])
    assert payments(engine, void_claim["claim_id"]) == []
    detail = http.get(f"/claims/{original.claim_id}", headers=BILLING).json
    assert [h["transition"] for h in detail["history"] if h["transition"]][-3:] == [
        "pay", "request_void", "void"
    ]
    assert detail["balance"]["total"] == "0.00" and len(detail["payments"]) == 1
    assert http.get("/work-queue", headers=BILLING).json["items"] == []
    assert published_about(kafka_settings, ["claims.claim.voided.v1"], original.claim_id) == {
        "claims.claim.voided.v1": 1
    }


def _every_report_read(engine, sandbox, after_remittances_of: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the stage an 835 for the claim would come at has passed and the poller read
    every report the mailbox lists by then."""
    (sent,) = [r for r in sandbox.clearinghouse.receipts() if after_remittances_of in r.claim_ids]
    due = sent.received_at + timedelta(seconds=STAGES["remittance_delay"] + 0.2)
    wait_for(lambda: datetime.now(sent.received_at.tzinfo) > due, timeout=10, what="the 835 stage")

    def listed() -> int:
        answer = requests.get(f"{sandbox.url}/v1/reports", params={"limit": 500}, timeout=5,
                              headers={"Authorization": f"Bearer {API_KEY}"})  # fmt: skip
        return max((r["id"] for r in answer.json()["reports"]), default=0)

    last = listed()

    def read_and_done() -> bool:
        with read_only(engine) as connection:
            return reports.cursor(connection) >= last and not reports.reports_awaiting_posting(
                connection
            )

    wait_for(read_and_done, timeout=10, what="the poller to read and post every report")
