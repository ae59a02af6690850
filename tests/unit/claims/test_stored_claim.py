"""The 837P claim the scrub assembled comes back from storage exactly as it was."""

import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.claims.commands.claims import payer_as_billed
from services.claims.domain.records import Payer as DomainPayer
from services.claims.x12.model import (
    Address,
    ClaimFrequency,
    Patient,
    PatientRelationship,
    PersonName,
    Sex,
)
from services.claims.x12.stored import claim_from_data, claim_to_data
from tests.unit.claims.builders import a_claim, a_rendering_therapist, a_service_line
from tests.unit.claims.test_other_payers import secondary_claim
from tests.unit.claims.test_render_837p_properties import claims


def test_a_stored_claim_reads_back_equal_to_the_claim_assembled():
    claim = a_claim(
        service_lines=(
            a_service_line(charge=Decimal("90.00"), units=2, modifiers=("GP",)),
            a_service_line(procedure_code="97124", modifiers=("XS", "GP")),
        ),
        rendering_provider=a_rendering_therapist(),
        patient=Patient(
            name=PersonName("Doe", "Jim", "T"),
            birth_date=date(2012, 1, 2),
            sex=Sex.MALE,
            address=Address("12 Elm St", "Springfield", "IL", "62701"),
            relationship_to_subscriber=PatientRelationship.CHILD,
        ),
        frequency=ClaimFrequency.REPLACEMENT,
        original_claim_reference="SBX123",
        prior_authorization="AUTH-9",
    )

    stored = json.loads(json.dumps(claim_to_data(claim)))

    assert claim_from_data(stored) == claim


def test_a_plain_claim_without_patient_or_rendering_provider_reads_back_equal():
    claim = a_claim()

    assert claim_from_data(json.loads(json.dumps(claim_to_data(claim)))) == claim


def _as_asdict_gave(value):
    """What claim_to_data wrote before it skipped asdict's deep copy (the reference)."""
    if isinstance(value, dict):
        return {key: _as_asdict_gave(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_asdict_gave(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@settings(max_examples=200, deadline=None)
@given(claims())
def test_any_claim_is_stored_as_the_same_json_text_as_through_asdict(claim):
    stored = claim_to_data(claim)

    assert stored == _as_asdict_gave(asdict(claim))
    assert json.dumps(stored) == json.dumps(_as_asdict_gave(asdict(claim)))
    assert claim_from_data(json.loads(json.dumps(stored))) == claim


def test_a_secondary_claim_is_stored_as_the_same_json_text_as_through_asdict():
    claim = secondary_claim()

    assert json.dumps(claim_to_data(claim)) == json.dumps(_as_asdict_gave(asdict(claim)))


@settings(max_examples=100, deadline=None)
@given(st.builds(DomainPayer, payer_id=st.text(min_size=1), name=st.text(),
                 counting_method=st.sampled_from(["cms", "per_code"]), gp_required=st.booleans(),
                 timely_filing_days=st.integers(1, 1000),
                 distinct_modifier=st.none() | st.sampled_from(["XS", "59"]),
                 rendering_taxonomy_required=st.booleans()))  # fmt: skip
def test_the_payer_kept_in_a_claims_snapshot_is_what_asdict_gives(payer):
    assert json.dumps(payer_as_billed(payer)) == json.dumps(asdict(payer))
