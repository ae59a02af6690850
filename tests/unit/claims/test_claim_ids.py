"""Claim ids fit what payers keep of CLM01, and a payer's echo finds its claim."""

import re

from services.claims.domain.claim_ids import ECHO_LENGTH, echoes, new_claim_id
from services.claims.x12.acknowledgements import parse_277ca
from tests.unit.claims.acknowledgement_texts import Loop, a_277ca

OLD_ID = "C-3f9a0c1e-0000-4000-8000-000000000001"  # 38 characters, made before


def test_new_claim_ids_are_20_characters_that_survive_upper_casing_and_do_not_repeat():
    made = {new_claim_id() for _ in range(10_000)}

    assert len(made) == 10_000
    assert all(len(claim_id) == ECHO_LENGTH == 20 for claim_id in made)
    assert all(re.fullmatch(r"C[A-Z2-7]{19}", claim_id) for claim_id in made)


def test_an_echo_of_the_whole_id_matches_in_any_case():
    claim_id = new_claim_id()

    assert echoes(claim_id, claim_id)
    assert echoes(claim_id, claim_id.lower())
    assert echoes(OLD_ID, OLD_ID.upper())


def test_an_old_38_character_id_is_found_from_its_first_20_characters():
    assert echoes(OLD_ID, OLD_ID[:20])
    assert echoes(OLD_ID, OLD_ID[:20].upper())


def test_other_pieces_of_an_id_are_not_a_match():
    assert not echoes(OLD_ID, OLD_ID[:19])
    assert not echoes(OLD_ID, OLD_ID[:21])
    assert not echoes(OLD_ID, "C-3f9a0c1e-0000-4000-8000-000000000002")
    assert not echoes(new_claim_id(), new_claim_id())


def test_a_277ca_that_keeps_only_20_characters_still_answers_for_the_old_claim():
    report = parse_277ca(a_277ca([Loop(OLD_ID[:20].upper(), ("A2:20:PR",))]))

    found = report.for_claim(OLD_ID)

    assert found is not None and found.accepted
    assert report.for_claim("C-3f9a0c1e-0000-4000-8000-000000000009") is found  # same 20
    assert report.for_claim(new_claim_id()) is None
