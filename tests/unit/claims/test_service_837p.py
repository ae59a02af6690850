"""Claims the service builds (rules + assembly) are valid 837Ps according to pyx12."""

from datetime import date, datetime

from services.claims.domain.claim import prepare_claim
from services.claims.domain.records import Coverage
from services.claims.x12.assemble import x12_claim, x12_parties
from services.claims.x12.model import ClaimBatch, ClaimFrequency
from services.claims.x12.render_837p import InterchangeControl, render_837p
from tests.unit.claims.domain_builders import (
    BILLING_NPI,
    a_client,
    a_code,
    a_payer,
    a_person,
    a_referral,
    a_session,
    inputs,
)
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.x12_text import names, only, segments

PROVIDER = {
    "organisation_name": "Healing Hands Massage LLC",
    "npi": BILLING_NPI,
    "ein": "123456789",
    "taxonomy_code": "225700000X",
    "address_line1": "100 Main St",
    "address_line2": "Suite 2",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "627011234",
    "submitter_id": "HEALINGHANDS",
    "submitter_name": "Healing Hands Massage",
    "contact_name": "Jo Biller",
    "contact_phone": "5555550100",
    "receiver_id": "SANDBOXCH",
    "receiver_name": "Sandbox Clearinghouse",
}


def render(*claims) -> str:  # type: ignore[no-untyped-def]
    submitter, receiver, billing = x12_parties(PROVIDER)
    control = InterchangeControl(7, 7, 1, datetime(2024, 3, 5, 9, 30))
    return render_837p(ClaimBatch(submitter, receiver, billing, tuple(claims)), control)


def built(  # type: ignore[no-untyped-def]
    claim_id: str,
    frequency: ClaimFrequency = ClaimFrequency.ORIGINAL,
    original_reference: str | None = None,
    **overrides,
):
    facts = inputs(**overrides)
    prepared = prepare_claim(facts)
    assert prepared.status == "ready", prepared.reasons
    return x12_claim(
        claim_id,
        facts.session,
        facts.client,
        facts.referral,
        facts.payer,
        prepared.lines,
        frequency=frequency,
        original_reference=original_reference,
    )


def test_a_two_code_claim_with_xs_and_gp_is_valid_and_carries_its_prices():
    session = a_session(a_code("97140", 30, 2, "lower_back"), a_code("97124", 15, 1, "neck"))
    claim = built(
        "C-1",
        session=session,
        payer=a_payer(gp_required=True),
        referral=a_referral(authorization_number="PA-55"),
    )

    x12 = render(claim)

    assert pyx12_errors(x12) == []
    assert [s[1] for s in segments(x12, "SV1")] == ["HC:97124:XS:GP", "HC:97140:GP"]
    assert only(x12, "CLM")[2] == "130"
    assert ["REF", "G1", "PA-55"] in segments(x12, "REF")
    assert names(x12, "DN")[0][3:5] == ["SMITH", "ANNA"]


def test_a_child_on_a_parents_plan_gets_a_patient_loop_and_is_valid():
    parent = a_person(first_name="John", birth_date=date(1975, 1, 2), sex="M")
    client = a_client(relationship_to_subscriber="child", subscriber=parent)
    assert isinstance(client.coverage, Coverage)

    x12 = render(built("C-2", client=client))

    assert pyx12_errors(x12) == []
    assert only(x12, "PAT")[1] == "19"
    assert names(x12, "IL")[0][4] == "JOHN"
    assert names(x12, "QC")[0][4] == "JANE"


def test_a_replacement_and_a_void_quote_the_payers_number_and_a_batch_is_valid():
    first = built("C-3")
    replacement = built("C-4", ClaimFrequency.REPLACEMENT, "SBX000000001ABCDEF")
    void = built("C-5", ClaimFrequency.VOID, "SBX000000002ABCDEF")

    x12 = render(first, replacement, void)

    assert pyx12_errors(x12) == []
    assert [clm[5] for clm in segments(x12, "CLM")] == ["11:B:1", "11:B:7", "11:B:8"]
    f8 = [ref[2] for ref in segments(x12, "REF") if ref[1] == "F8"]
    assert f8 == ["SBX000000001ABCDEF", "SBX000000002ABCDEF"]
