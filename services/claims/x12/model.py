"""What an 837P batch carries (005010X222A1), as frozen dataclasses that check themselves."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from services.claims.x12.syntax import clean_text
from shared.billing.addresses import is_po_box
from shared.identifiers import is_valid_icd10_cm, is_valid_npi

if TYPE_CHECKING:
    from services.claims.x12.other_payers import OtherPayer

# CLM01 (patient control number) is AN 1-38. Ids we make now are 20 characters, what many
# payers keep (services/claims/domain/claim_ids.py); ids made before are "C-" and a UUID,
# 38 characters, and still go out as they are.
MAX_CLAIM_ID_LENGTH = 38
MAX_DIAGNOSES = 12  # HI carries at most 12 codes (ABK + 11 ABF)
MAX_SERVICE_LINES = 50  # loop 2400 repeats at most 50 times
MAX_MODIFIERS = 4  # SV101-3 .. SV101-6
MAX_DIAGNOSIS_POINTERS = 4  # SV107-1 .. SV107-4

_CLAIM_ID = re.compile(r"[A-Za-z0-9-]+")
_PROCEDURE_CODE = re.compile(r"[A-Z0-9]{5}")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_TAXONOMY = re.compile(r"[0-9]{9}[A-Z0-9]")
_STATE = re.compile(r"[A-Z]{2}")
_ZIP = re.compile(r"[0-9]{5}([0-9]{4})?")
_NINE_DIGIT_ZIP = re.compile(r"[0-9]{9}")
_EIN = re.compile(r"[0-9]{9}")
_PHONE = re.compile(r"[0-9]{10}")
_PLACE_OF_SERVICE = re.compile(r"[0-9]{2}")
_INTERCHANGE_ID = re.compile(r"[A-Z0-9]{2,15}")
# Anything that is not one of our delimiters (* : ~ ^) or a line break.
_IDENTIFIER = re.compile(r"[^*:~^\r\n]+")
_CENT = Decimal("0.01")


class Sex(StrEnum):
    """DMG03 gender codes."""

    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


class ClaimFrequency(StrEnum):
    """CLM05-3 claim frequency type codes we send (docs/DOMAIN.md §Acknowledgements)."""

    ORIGINAL = "1"
    REPLACEMENT = "7"  # of an adjudicated claim; REF*F8 = the payer's claim control number
    VOID = "8"  # of an adjudicated claim; REF*F8 = the payer's claim control number

    @property
    def names_the_original(self) -> bool:
        """Whether a claim of this frequency must quote the payer's claim in REF*F8."""
        return self is not ClaimFrequency.ORIGINAL


class PatientRelationship(StrEnum):
    """PAT01 individual relationship codes allowed in 2000C (patient is not the subscriber)."""

    SPOUSE = "01"
    CHILD = "19"
    EMPLOYEE = "20"
    UNKNOWN = "21"
    ORGAN_DONOR = "39"
    CADAVER_DONOR = "40"
    LIFE_PARTNER = "53"
    OTHER = "G8"


# The checks below run for every value of every claim (assembled, and read back by the
# batcher), so those whose message quotes the value build it only when they refuse.
def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _matches(pattern: re.Pattern[str], value: str) -> bool:
    return pattern.fullmatch(value) is not None


def _check_text(value: str, what: str, min_length: int = 1) -> None:
    # Checked as it will be written: cleaned to the basic character set.
    if len(clean_text(value, 60)) < min_length:
        raise ValueError(f"{what} needs at least {min_length} letters or digits: {value!r}")


def _check_identifier(value: str, what: str, max_length: int, min_length: int = 1) -> None:
    if not (_matches(_IDENTIFIER, value) and min_length <= len(value) <= max_length):
        raise ValueError(f"{what} must be {min_length}-{max_length} characters without X12 "
                         f"delimiters: {value!r}")  # fmt: skip


def _check_npi(npi: str, whose: str) -> None:
    if not is_valid_npi(npi):
        raise ValueError(f"{whose} NPI is not a valid NPI: {npi!r}")


@dataclass(frozen=True)
class PersonName:
    """A person's name as NM103 (last), NM104 (first), NM105 (middle)."""

    last: str
    first: str
    middle: str | None = None

    def __post_init__(self) -> None:
        _check_text(self.last, "last name")
        _check_text(self.first, "first name")


@dataclass(frozen=True)
class Address:
    """A US postal address (N3/N4)."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None

    def __post_init__(self) -> None:
        _check_text(self.line1, "address line")
        _check_text(self.city, "city", min_length=2)  # N401 is 2-30 characters
        if not _matches(_STATE, self.state):
            raise ValueError(f"state is a 2-letter code: {self.state!r}")
        if not _matches(_ZIP, self.postal_code):
            raise ValueError(f"ZIP is 5 or 9 digits: {self.postal_code!r}")


@dataclass(frozen=True)
class Submitter:
    """Loop 1000A: who sends the batch; `id` is also the ISA06/GS02 sender id."""

    name: str
    id: str
    contact_name: str
    contact_phone: str

    def __post_init__(self) -> None:
        _check_text(self.name, "submitter name")
        _check_text(self.contact_name, "contact name")
        _require(_matches(_INTERCHANGE_ID, self.id), f"submitter id: 2-15 A-Z/0-9: {self.id!r}")
        _require(_matches(_PHONE, self.contact_phone), "contact phone is 10 digits")


@dataclass(frozen=True)
class Receiver:
    """Loop 1000B: the clearinghouse; `id` is also the ISA08/GS03 receiver id."""

    name: str
    id: str

    def __post_init__(self) -> None:
        _check_text(self.name, "receiver name")
        _require(_matches(_INTERCHANGE_ID, self.id), f"receiver id: 2-15 A-Z/0-9: {self.id!r}")


@dataclass(frozen=True)
class BillingProvider:
    """Loop 2000A/2010AA: the clinic (or solo therapist) that bills, and 2010AB where it is
    paid when that is elsewhere.

    ``individual`` names a solo therapist billing under their own NPI (NM1*85*1, last and
    first name); None: an organisation (NM1*85*2 with ``organisation_name``).
    """

    organisation_name: str
    npi: str
    ein: str
    taxonomy_code: str
    address: Address
    individual: PersonName | None = None
    pay_to_address: Address | None = None

    def __post_init__(self) -> None:
        if self.individual is None:
            _check_text(self.organisation_name, "organisation name")
        # 837P 2010AA N301: a street address; a PO Box or lock box goes in 2010AB.
        _require(
            not is_po_box(self.address.line1) and not is_po_box(self.address.line2),
            "the billing provider address must be a street address, not a PO Box",
        )
        _check_npi(self.npi, "billing provider")
        _require(_matches(_EIN, self.ein), f"EIN is 9 digits without a dash: {self.ein!r}")
        _require(_matches(_TAXONOMY, self.taxonomy_code), "taxonomy code is 10 characters")
        # 837P 2010AA N403: the billing provider's ZIP must be the full nine digits.
        _require(
            _matches(_NINE_DIGIT_ZIP, self.address.postal_code),
            "billing provider ZIP must be 9 digits",
        )


@dataclass(frozen=True)
class Provider:
    """An individual provider: referring (2310A) or rendering (2310B)."""

    name: PersonName
    npi: str
    taxonomy_code: str | None = None

    def __post_init__(self) -> None:
        _check_npi(self.npi, "provider")
        _require(
            self.taxonomy_code is None or _matches(_TAXONOMY, self.taxonomy_code),
            "taxonomy code is 10 characters",
        )


@dataclass(frozen=True)
class Subscriber:
    """Loop 2000B/2010BA: the insured person whose plan pays."""

    name: PersonName
    member_id: str
    birth_date: date
    sex: Sex
    address: Address
    group_number: str | None = None

    def __post_init__(self) -> None:
        _check_identifier(self.member_id, "member id", 80, min_length=2)  # NM109: 2-80
        if self.group_number is not None:
            _check_identifier(self.group_number, "group number", 50)


@dataclass(frozen=True)
class Patient:
    """Loop 2000C/2010CA: the patient, only when not the subscriber."""

    name: PersonName
    birth_date: date
    sex: Sex
    address: Address
    relationship_to_subscriber: PatientRelationship


@dataclass(frozen=True)
class Payer:
    """Loop 2010BB: the payer and how its claims are filed (SBR09, e.g. CI commercial)."""

    name: str
    payer_id: str
    claim_filing_indicator: str = "CI"

    def __post_init__(self) -> None:
        _check_text(self.name, "payer name")
        _check_identifier(self.payer_id, "payer id", 80, min_length=2)  # NM109: 2-80
        _require(len(self.claim_filing_indicator) == 2, "claim filing indicator is 2 characters")


@dataclass(frozen=True)
class ServiceLine:
    """Loop 2400: one procedure on one date; `charge` is the whole line, not per unit."""

    procedure_code: str
    charge: Decimal
    units: int
    diagnosis_pointers: tuple[int, ...]
    service_date: date
    modifiers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require(_matches(_PROCEDURE_CODE, self.procedure_code), "procedure code: 5 characters")
        _require(len(self.modifiers) <= MAX_MODIFIERS, "at most 4 modifiers")
        _require(all(_matches(_MODIFIER, m) for m in self.modifiers), "modifiers: 2 characters")
        _require(isinstance(self.charge, Decimal), "charge is a Decimal")
        if not (self.charge > 0 and self.charge == self.charge.quantize(_CENT)):
            raise ValueError(f"charge is positive whole cents: {self.charge}")
        _require(self.units > 0, "units are positive")
        _require(
            1 <= len(self.diagnosis_pointers) <= MAX_DIAGNOSIS_POINTERS
            and len(set(self.diagnosis_pointers)) == len(self.diagnosis_pointers),
            "1-4 distinct diagnosis pointers",
        )


@dataclass(frozen=True)
class Claim:
    """Loop 2300 and everything it hangs from: one visit billed to one payer."""

    claim_id: str
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]
    service_lines: tuple[ServiceLine, ...]
    referring_provider: Provider
    rendering_provider: Provider | None = None
    patient: Patient | None = None
    place_of_service: str = "11"
    frequency: ClaimFrequency = ClaimFrequency.ORIGINAL
    original_claim_reference: str | None = None
    prior_authorization: str | None = None
    # A secondary claim: the primary payer and its adjudication (x12/other_payers.py).
    other_payer: "OtherPayer | None" = None

    def __post_init__(self) -> None:
        if not (_matches(_CLAIM_ID, self.claim_id) and len(self.claim_id) <= MAX_CLAIM_ID_LENGTH):
            raise ValueError(
                f"claim id: 1-{MAX_CLAIM_ID_LENGTH} letters, digits or '-': {self.claim_id!r}"
            )
        _require(1 <= len(self.diagnoses) <= MAX_DIAGNOSES, "1-12 diagnoses")
        if not all(is_valid_icd10_cm(code) for code in self.diagnoses):
            raise ValueError(f"diagnoses are ICD-10-CM codes: {self.diagnoses}")
        _require(1 <= len(self.service_lines) <= MAX_SERVICE_LINES, "1-50 service lines")
        _require(
            all(
                1 <= pointer <= len(self.diagnoses)
                for line in self.service_lines
                for pointer in line.diagnosis_pointers
            ),
            "diagnosis pointers refer to the claim's diagnoses (1-based)",
        )
        _require(_matches(_PLACE_OF_SERVICE, self.place_of_service), "place of service: 2 digits")
        # CLM05-3 = 7 or 8 must carry the payer's claim control number of the claim being
        # replaced or voided in REF*F8 (837P 2300 REF*F8 note); an original names none.
        _require(
            self.frequency.names_the_original == (self.original_claim_reference is not None),
            "a replacement or void claim, and only such a claim, names the original claim",
        )
        if self.original_claim_reference is not None:
            _check_identifier(self.original_claim_reference, "original claim reference", 50)
        if self.prior_authorization is not None:
            _check_identifier(self.prior_authorization, "prior authorization", 50)

    @property
    def total_charge(self) -> Decimal:
        """CLM02: the sum of the service line charges."""
        return sum((line.charge for line in self.service_lines), Decimal("0"))


@dataclass(frozen=True)
class ClaimBatch:
    """One 837P transaction: claims of one billing provider sent by one submitter."""

    submitter: Submitter
    receiver: Receiver
    billing_provider: BillingProvider
    claims: tuple[Claim, ...]

    def __post_init__(self) -> None:
        _require(len(self.claims) >= 1, "a batch has at least one claim")
        ids = [claim.claim_id for claim in self.claims]
        _require(len(set(ids)) == len(ids), "claim ids are unique within a batch")
