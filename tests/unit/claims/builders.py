"""Builders for 837P batches: a valid default for every field, override what a test is about."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.claims.domain.claim_ids import new_claim_id
from services.claims.x12.model import (
    Address,
    BillingProvider,
    Claim,
    ClaimBatch,
    Payer,
    PersonName,
    Provider,
    Receiver,
    ServiceLine,
    Sex,
    Submitter,
    Subscriber,
)
from services.claims.x12.render_837p import InterchangeControl

VISIT_DAY = date(2024, 3, 4)
BILLING_NPI = "1245319599"
REFERRING_NPI = "1234567893"
RENDERING_NPI = "1679576722"


def a_claim_id() -> str:
    """A claim id as the service makes them: 20 characters."""
    return new_claim_id()


def a_service_line(**overrides: Any) -> ServiceLine:
    """One 97140 unit pointing at the principal diagnosis."""
    defaults: dict[str, Any] = {
        "procedure_code": "97140",
        "charge": Decimal("45.00"),
        "units": 1,
        "diagnosis_pointers": (1,),
        "service_date": VISIT_DAY,
    }
    return ServiceLine(**(defaults | overrides))


def a_subscriber(**overrides: Any) -> Subscriber:
    """A commercially insured adult."""
    defaults: dict[str, Any] = {
        "name": PersonName(last="Doe", first="Jane"),
        "member_id": "MEM123456",
        "birth_date": date(1980, 5, 17),
        "sex": Sex.FEMALE,
        "address": Address("12 Elm St", "Springfield", "IL", "62701"),
        "group_number": "GRP-77",
    }
    return Subscriber(**(defaults | overrides))


def a_claim(**overrides: Any) -> Claim:
    """A one-line low-back-pain claim where the subscriber is the patient."""
    defaults: dict[str, Any] = {
        "claim_id": a_claim_id(),
        "subscriber": a_subscriber(),
        "payer": Payer(name="Acme Health", payer_id="ACME01"),
        "diagnoses": ("M54.50",),
        "service_lines": (a_service_line(),),
        "referring_provider": Provider(PersonName("Smith", "Anna"), REFERRING_NPI),
    }
    return Claim(**(defaults | overrides))


def a_batch(*claims: Claim) -> ClaimBatch:
    """A batch from our clinic to the sandbox clearinghouse."""
    return ClaimBatch(
        submitter=Submitter("Healing Hands Massage", "HEALINGHANDS", "Jo Biller", "5555550100"),
        receiver=Receiver("Sandbox Clearinghouse", "SANDBOXCH"),
        billing_provider=BillingProvider(
            organisation_name="Healing Hands Massage LLC",
            npi=BILLING_NPI,
            ein="123456789",
            taxonomy_code="225700000X",
            address=Address("100 Main St", "Springfield", "IL", "627011234", line2="Suite 2"),
        ),
        claims=claims or (a_claim(),),
    )


def a_rendering_therapist() -> Provider:
    """A licensed massage therapist who is not the billing organisation."""
    return Provider(PersonName("Lee", "Sam"), RENDERING_NPI, taxonomy_code="225700000X")


def interchange_control(number: int = 1, **overrides: Any) -> InterchangeControl:
    """Control numbers for interchange `number`, created at a fixed time."""
    control = InterchangeControl(
        interchange_number=number,
        group_number=number,
        transaction_number=1,
        created_at=datetime(2024, 3, 5, 9, 30),
    )
    return replace(control, **overrides)
