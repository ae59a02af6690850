"""Write a ClaimBatch as one ANSI X12 837P 005010X222A1 interchange."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from services.claims.x12.model import (
    Address,
    BillingProvider,
    Claim,
    ClaimBatch,
    Patient,
    PersonName,
    Provider,
    ServiceLine,
    Sex,
)
from services.claims.x12.other_payers import line_adjudication, other_payer_loops, payer_sequence
from services.claims.x12.syntax import (
    COMPONENT_SEPARATOR,
    REPETITION_SEPARATOR,
    clean_text,
    composite,
    segment,
)
from shared.identifiers import icd10_for_x12

IMPLEMENTATION_GUIDE = "005010X222A1"
MAX_CONTROL_NUMBER = 999_999_999


class Usage(StrEnum):
    """ISA15: whether the receiver should treat the interchange as real."""

    PRODUCTION = "P"
    TEST = "T"


@dataclass(frozen=True)
class InterchangeControl:
    """Control numbers and creation time the caller allocates for one interchange."""

    interchange_number: int  # ISA13 / IEA02, 9 digits
    group_number: int  # GS06 / GE02
    transaction_number: int  # ST02 / SE02, at least 4 digits
    created_at: datetime
    usage: Usage = Usage.TEST

    def __post_init__(self) -> None:
        for number in (self.interchange_number, self.group_number, self.transaction_number):
            if not 1 <= number <= MAX_CONTROL_NUMBER:
                raise ValueError(f"control numbers are 1-{MAX_CONTROL_NUMBER}: {number}")


def render_837p(batch: ClaimBatch, control: InterchangeControl) -> str:
    """Return the batch as an ISA...IEA interchange with one GS group and one 837 transaction."""
    transaction = _transaction_set(batch, control)
    return "".join(
        [
            _isa(batch, control),
            _gs(batch, control),
            *transaction,
            segment("GE", "1", str(control.group_number)),
            segment("IEA", "1", f"{control.interchange_number:09d}"),
        ]
    )


def _isa(batch: ClaimBatch, control: InterchangeControl) -> str:
    # ISA is fixed width: ids are padded to 15, empty authorization/security to 10.
    # ISA14 = 0: we do not ask for a TA1; the 999 tells us what we need.
    no_information = " " * 10
    return segment(
        "ISA",
        "00",
        no_information,
        "00",
        no_information,
        "ZZ",
        batch.submitter.id.ljust(15),
        "ZZ",
        batch.receiver.id.ljust(15),
        control.created_at.strftime("%y%m%d"),
        control.created_at.strftime("%H%M"),
        REPETITION_SEPARATOR,
        "00501",
        f"{control.interchange_number:09d}",
        "0",
        control.usage.value,
        COMPONENT_SEPARATOR,
    )


def _gs(batch: ClaimBatch, control: InterchangeControl) -> str:
    return segment(
        "GS",
        "HC",
        batch.submitter.id,
        batch.receiver.id,
        control.created_at.strftime("%Y%m%d"),
        control.created_at.strftime("%H%M"),
        str(control.group_number),
        "X",
        IMPLEMENTATION_GUIDE,
    )


def _transaction_set(batch: ClaimBatch, control: InterchangeControl) -> list[str]:
    control_number = f"{control.transaction_number:04d}"
    body = [
        # BHT02 00 = original transmission, BHT06 CH = chargeable (fee-for-service claims).
        segment(
            "BHT",
            "0019",
            "00",
            f"{control.interchange_number:09d}",
            control.created_at.strftime("%Y%m%d"),
            control.created_at.strftime("%H%M"),
            "CH",
        ),
        *_submitter_and_receiver(batch),
        *_billing_provider(batch.billing_provider),
        *_claims(batch),
    ]
    # SE01 counts every segment from ST to SE inclusive.
    return [
        segment("ST", "837", control_number, IMPLEMENTATION_GUIDE),
        *body,
        segment("SE", str(len(body) + 2), control_number),
    ]


def _submitter_and_receiver(batch: ClaimBatch) -> list[str]:
    submitter, receiver = batch.submitter, batch.receiver
    return [
        _organisation("41", submitter.name, "46", submitter.id),
        segment("PER", "IC", clean_text(submitter.contact_name, 60), "TE", submitter.contact_phone),
        _organisation("40", receiver.name, "46", receiver.id),
    ]


def _billing_provider(provider: BillingProvider) -> list[str]:
    # 2000A is HL 1, the parent of every subscriber HL; HL04 = 1: it has children.
    name = (
        _organisation("85", provider.organisation_name, "XX", provider.npi)
        if provider.individual is None
        else _person("85", provider.individual, "XX", provider.npi)
    )
    segments = [
        segment("HL", "1", "", "20", "1"),
        segment("PRV", "BI", "PXC", provider.taxonomy_code),
        name,
        *_address(provider.address),
        segment("REF", "EI", provider.ein),
    ]
    if provider.pay_to_address is not None:
        # 2010AB: where payment goes when not the billing address (a PO Box, a lock box);
        # NM1*87 names no one, only the entity type.
        segments.append(segment("NM1", "87", "2" if provider.individual is None else "1"))
        segments.extend(_address(provider.pay_to_address))
    return segments


def _claims(batch: ClaimBatch) -> Iterator[str]:
    # Each claim gets its own 2000B (and 2000C); HL ids count up across the transaction.
    next_hl = 2
    for claim in batch.claims:
        subscriber_hl = next_hl
        # HL04: 1 when a patient level (2000C) hangs below this subscriber.
        child_code = "0" if claim.patient is None else "1"
        yield segment("HL", str(subscriber_hl), "1", "22", child_code)
        yield from _subscriber(claim)
        next_hl += 1
        if claim.patient is not None:
            yield segment("HL", str(next_hl), str(subscriber_hl), "23", "0")
            yield from _patient(claim.patient)
            next_hl += 1
        yield from _claim(claim, batch.billing_provider)


def _subscriber(claim: Claim) -> list[str]:
    subscriber = claim.subscriber
    is_patient = claim.patient is None
    # SBR01: P, or S for a secondary claim (its primary is in 2320, x12/other_payers.py).
    # SBR02 18 (self) only when the subscriber is the patient; otherwise PAT01 says who.
    relationship = "18" if is_patient else ""
    group = subscriber.group_number or ""
    segments = [
        segment(
            "SBR",
            payer_sequence(claim),
            relationship,
            group,
            *[""] * 5,
            claim.payer.claim_filing_indicator,
        ),
        _person("IL", subscriber.name, "MI", subscriber.member_id),
        *_address(subscriber.address),
    ]
    # 2010BA DMG: required when the subscriber is the patient, otherwise not sent.
    if is_patient:
        segments.append(_demographics(subscriber.birth_date, subscriber.sex))
    segments.append(_organisation("PR", claim.payer.name, "PI", claim.payer.payer_id))
    return segments


def _patient(patient: Patient) -> list[str]:
    return [
        segment("PAT", patient.relationship_to_subscriber.value),
        _person("QC", patient.name),
        *_address(patient.address),
        _demographics(patient.birth_date, patient.sex),
    ]


def _claim(claim: Claim, billing_provider: BillingProvider) -> Iterator[str]:
    # CLM05 place of service : B (professional) : frequency. CLM06-09: signature on file,
    # assigned, benefits assigned to the provider, patient released information.
    yield segment(
        "CLM",
        claim.claim_id,
        _amount(claim.total_charge),
        "",
        "",
        composite(claim.place_of_service, "B", claim.frequency.value),
        "Y",
        "A",
        "Y",
        "Y",
    )
    # The guide orders the 2300 REFs: G1 (prior authorization) before F8 (original claim).
    if claim.prior_authorization is not None:
        yield segment("REF", "G1", claim.prior_authorization)
    if claim.original_claim_reference is not None:  # replacements and voids (CLM05-3 7, 8)
        yield segment("REF", "F8", claim.original_claim_reference)
    yield _diagnoses(claim.diagnoses)
    yield _person("DN", claim.referring_provider.name, "XX", claim.referring_provider.npi)
    # 2310B only when the person who treated is not the billing provider itself.
    rendering = claim.rendering_provider
    if rendering is not None and rendering.npi != billing_provider.npi:
        yield from _rendering_provider(rendering)
    yield from other_payer_loops(claim)
    for number, line in enumerate(claim.service_lines, start=1):
        yield from _service_line(number, line)
        yield from line_adjudication(claim, number)


def _diagnoses(codes: tuple[str, ...]) -> str:
    # HI01 is the principal diagnosis (ABK); the rest are ABF. X12 drops the ICD-10 dot.
    qualifiers = ["ABK"] + ["ABF"] * (len(codes) - 1)
    pairs = zip(qualifiers, codes, strict=True)
    return segment("HI", *(composite(kind, icd10_for_x12(code)) for kind, code in pairs))


def _rendering_provider(provider: Provider) -> list[str]:
    segments = [_person("82", provider.name, "XX", provider.npi)]
    if provider.taxonomy_code is not None:
        segments.append(segment("PRV", "PE", "PXC", provider.taxonomy_code))
    return segments


def _service_line(number: int, line: ServiceLine) -> list[str]:
    # SV1: HC (CPT/HCPCS) code with modifiers, line charge, UN (units), unit count,
    # then SV107 pointers into the claim's HI list.
    return [
        segment("LX", str(number)),
        segment(
            "SV1",
            composite("HC", line.procedure_code, *line.modifiers),
            _amount(line.charge),
            "UN",
            str(line.units),
            "",
            "",
            composite(*(str(pointer) for pointer in line.diagnosis_pointers)),
        ),
        segment("DTP", "472", "D8", _date(line.service_date)),
    ]


def _organisation(entity: str, name: str, id_qualifier: str, identifier: str) -> str:
    return segment(
        "NM1", entity, "2", clean_text(name, 60), "", "", "", "", id_qualifier, identifier
    )


def _person(entity: str, name: PersonName, id_qualifier: str = "", identifier: str = "") -> str:
    return segment(
        "NM1",
        entity,
        "1",
        clean_text(name.last, 60),
        clean_text(name.first, 35),
        clean_text(name.middle or "", 25),
        "",
        "",
        id_qualifier,
        identifier,
    )


def _address(address: Address) -> list[str]:
    return [
        segment("N3", clean_text(address.line1, 55), clean_text(address.line2 or "", 55)),
        segment("N4", clean_text(address.city, 30), address.state, address.postal_code),
    ]


def _demographics(birth_date: date, sex: Sex) -> str:
    return segment("DMG", "D8", _date(birth_date), sex.value)


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _amount(value: Decimal) -> str:
    # X12 R type: no trailing zeros or exponent, e.g. 60.00 -> "60", 62.50 -> "62.5".
    return format(value.normalize(), "f")
