"""The 837P claim the scrub assembled comes back from storage exactly as it was."""

import json
from datetime import date
from decimal import Decimal

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
