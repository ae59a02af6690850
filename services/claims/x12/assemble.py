"""Turn the claims service's records into the 837P model that render_837p writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.claims.domain.claim import ClaimLine
from services.claims.domain.records import Address as ClinicAddress
from services.claims.domain.records import Client, Payer, Person, Referral, Session
from services.claims.x12.model import (
    Address,
    BillingProvider,
    Claim,
    ClaimFrequency,
    Patient,
    PatientRelationship,
    PersonName,
    Provider,
    Receiver,
    ServiceLine,
    Sex,
    Submitter,
    Subscriber,
)
from services.claims.x12.model import Payer as X12Payer

INDIVIDUAL = "individual"  # billing provider entity type: a solo therapist (NM1*85*1)
ORGANISATION = "organisation"

_RELATIONSHIPS = {
    "spouse": PatientRelationship.SPOUSE,
    "child": PatientRelationship.CHILD,
    "other": PatientRelationship.OTHER,
}


def x12_claim(
    claim_id: str,
    session: Session,
    client: Client,
    referral: Referral,
    payer: Payer,
    lines: Sequence[ClaimLine],
    frequency: ClaimFrequency = ClaimFrequency.ORIGINAL,
    original_reference: str | None = None,
) -> Claim:
    """The 837P claim for one session; raises ValueError when some field cannot be sent.

    ``original_reference`` is the payer's claim control number a replacement (7) or a
    void (8) quotes in REF*F8.
    """
    coverage = client.coverage
    if coverage is None:
        raise ValueError("no coverage")
    is_subscriber = coverage.relationship_to_subscriber == "self"
    holder = client.person if is_subscriber else coverage.subscriber
    if holder is None:
        raise ValueError("no subscriber")
    subscriber = Subscriber(
        name=PersonName(last=holder.last_name, first=holder.first_name),
        member_id=coverage.member_id,
        birth_date=holder.birth_date,
        sex=Sex(holder.sex),
        address=_address(holder.address),
        group_number=coverage.group_number,
    )
    patient = (
        None if is_subscriber else _patient(client.person, coverage.relationship_to_subscriber)
    )
    return Claim(
        claim_id=claim_id,
        subscriber=subscriber,
        payer=X12Payer(payer.name, payer.payer_id, payer.claim_filing_indicator),
        diagnoses=referral.diagnoses,
        service_lines=tuple(
            ServiceLine(
                procedure_code=line.code,
                charge=line.charge,
                units=line.units,
                diagnosis_pointers=line.diagnosis_pointers,
                service_date=session.date_of_service,
                modifiers=line.modifiers,
            )
            for line in lines
        ),
        referring_provider=Provider(_referring_name(referral), referral.physician_npi),
        rendering_provider=Provider(
            _name(session.rendering_name),
            session.rendering_npi,
            session.rendering_taxonomy if payer.rendering_taxonomy_required else None,
        ),
        patient=patient,
        place_of_service=session.place_of_service,
        frequency=frequency,
        original_claim_reference=original_reference,
        prior_authorization=referral.authorization_number,
    )


def x12_parties(provider: Mapping[str, Any]) -> tuple[Submitter, Receiver, BillingProvider]:
    """Submitter, receiver and billing provider from the clinic's billing setup."""
    submitter = Submitter(
        name=provider["submitter_name"],
        id=provider["submitter_id"],
        contact_name=provider["contact_name"],
        contact_phone=provider["contact_phone"],
    )
    receiver = Receiver(name=provider["receiver_name"], id=provider["receiver_id"])
    individual = None
    if provider.get("entity_type") == INDIVIDUAL:
        individual = PersonName(
            last=provider.get("last_name") or "", first=provider.get("first_name") or ""
        )
    pay_to = None
    if provider.get("pay_to_line1"):
        pay_to = Address(
            line1=provider["pay_to_line1"],
            line2=provider.get("pay_to_line2"),
            city=provider["pay_to_city"],
            state=provider["pay_to_state"],
            postal_code=provider["pay_to_postal_code"],
        )
    billing = BillingProvider(
        organisation_name=provider.get("organisation_name") or "",
        npi=provider["npi"],
        ein=provider["ein"],
        taxonomy_code=provider["taxonomy_code"],
        address=Address(
            line1=provider["address_line1"],
            line2=provider["address_line2"],
            city=provider["city"],
            state=provider["state"],
            postal_code=provider["postal_code"],
        ),
        individual=individual,
        pay_to_address=pay_to,
    )
    return submitter, receiver, billing


def _patient(person: Person, relationship: str) -> Patient:
    return Patient(
        name=PersonName(last=person.last_name, first=person.first_name),
        birth_date=person.birth_date,
        sex=Sex(person.sex),
        address=_address(person.address),
        relationship_to_subscriber=_RELATIONSHIPS.get(relationship, PatientRelationship.OTHER),
    )


def _address(address: ClinicAddress) -> Address:
    return Address(
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        state=address.state,
        postal_code=address.postal_code.replace("-", ""),
    )


def _referring_name(referral: Referral) -> PersonName:
    """NM1*DN from the physician's structured name; split the display name only for
    referrals recorded before the structured parts existed."""
    if referral.physician_last_name and referral.physician_first_name:
        return PersonName(last=referral.physician_last_name, first=referral.physician_first_name)
    return _name(referral.physician_name)


def _name(full_name: str) -> PersonName:
    """Split "Last, First" or "First Middle Last" into NM1 name parts (the old fallback)."""
    if "," in full_name:
        last, _, first = full_name.partition(",")
        return PersonName(last=last.strip(), first=first.strip())
    *first, last = full_name.split()
    return PersonName(last=last, first=" ".join(first))
