"""The batcher takes a claim this process assembled only when its stored text is unchanged."""

import json
from dataclasses import replace

from services.claims.x12.assembled import ASSEMBLED, AssembledClaims, claim_to_send
from services.claims.x12.stored import claim_to_data
from tests.unit.claims.builders import a_claim


def snapshot_of(claim) -> str:  # type: ignore[no-untyped-def]
    return json.dumps({"client": None, "x12_claim": claim_to_data(claim)})


def test_a_claim_kept_with_the_snapshot_stored_is_taken_as_it_was_assembled():
    kept = AssembledClaims()
    claim = a_claim()
    kept.keep(claim.claim_id, snapshot_of(claim), claim)

    assert kept.take(claim.claim_id, snapshot_of(claim)) is claim


def test_a_claim_whose_snapshot_changed_since_is_not_taken():
    kept = AssembledClaims()
    claim = a_claim()
    kept.keep(claim.claim_id, snapshot_of(claim), claim)
    corrected = replace(claim, subscriber=replace(claim.subscriber, member_id="CORRECTED1"))

    assert kept.take(claim.claim_id, snapshot_of(corrected)) is None


def test_a_claim_is_taken_once():
    kept = AssembledClaims()
    claim = a_claim()
    kept.keep(claim.claim_id, snapshot_of(claim), claim)
    kept.take(claim.claim_id, snapshot_of(claim))

    assert kept.take(claim.claim_id, snapshot_of(claim)) is None
    assert len(kept) == 0


def test_the_oldest_claims_are_let_go_past_the_limit():
    kept = AssembledClaims(limit=2)
    claims = [a_claim(claim_id=f"C{n}") for n in range(3)]
    for claim in claims:
        kept.keep(claim.claim_id, snapshot_of(claim), claim)

    assert kept.take("C0", snapshot_of(claims[0])) is None
    assert kept.take("C1", snapshot_of(claims[1])) is claims[1]
    assert kept.take("C2", snapshot_of(claims[2])) is claims[2]


def test_a_claim_not_kept_is_read_back_from_its_stored_text():
    claim = a_claim(claim_id="NEVERKEPT1")

    assert claim_to_send(claim.claim_id, snapshot_of(claim)) == claim


def test_a_corrected_claim_is_sent_with_its_correction_not_as_first_assembled():
    claim = a_claim(claim_id="KEPTTHENFIXED1")
    corrected = replace(claim, subscriber=replace(claim.subscriber, member_id="CORRECTED1"))
    ASSEMBLED.keep(claim.claim_id, snapshot_of(claim), claim)

    sent = claim_to_send(claim.claim_id, snapshot_of(corrected))

    assert sent == corrected and sent.subscriber.member_id == "CORRECTED1"
