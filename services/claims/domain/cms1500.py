"""What each box of the CMS-1500 (02/12) paper claim says for one of our claims.

docs/DOMAIN.md §Claims (paper): the form carries the 837P's content, box by box, as the NUCC
1500 instruction manual places it. Values follow the manual's formats: upper case, dates
MM DD YY (6 digits) in 24A and MM DD YYYY (8 digits) for birth dates, money as dollars and
cents in separate spaces (no "$" or "."), diagnosis codes without their dot (it is implied),
ICD indicator 0 (ICD-10-CM), pointers as the letters A-L of box 21.

Six service lines fit a page. A claim with more lines goes on more pages, each repeating the
claim's boxes; box 28 (total) and 29 (amount paid) say CONTINUED on every page but the last,
which carries the claim's totals, so no page can be taken for a smaller claim.

A **superbill** is the same form for a client who files with their plan themselves: the
client paid us, so the benefits are not assigned (box 13 blank, box 27 NO) and the plan pays
the insured; box 29 is what the client paid when billing records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from services.claims.x12.model import BillingProvider, Claim, ClaimFrequency
from services.claims.x12.syntax import clean_text
from shared.identifiers import icd10_for_x12

LINES_PER_PAGE = 6
MAX_DIAGNOSES = 12
DIAGNOSIS_LETTERS = "ABCDEFGHIJKL"
ICD_10_INDICATOR = "0"
CONTINUED = "CONTINUED"
# Box 1: the type of coverage, from the 837P claim filing indicator (SBR09).
COVERAGE_TYPES = {
    "MB": "medicare", "MA": "medicare", "MC": "medicaid", "CH": "tricare", "VA": "champva",
    "FI": "feca", "CI": "group", "BL": "group", "HM": "group",
}  # fmt: skip
SIGNATURE_ON_FILE = "SIGNATURE ON FILE"


@dataclass(frozen=True)
class ServiceRow:
    """One line of box 24."""

    from_date: str  # 24A, MM DD YY
    to_date: str
    place_of_service: str  # 24B
    code: str  # 24D
    modifiers: tuple[str, ...]  # 24D, up to 4
    pointers: str  # 24E, letters A-L
    charge: tuple[str, str]  # 24F dollars, cents
    units: str  # 24G
    rendering_npi: str  # 24J


@dataclass(frozen=True)
class FormPage:
    """One printed page: the claim's boxes, this page's lines, and which boxes are ticked."""

    boxes: dict[str, str]
    checked: frozenset[str]
    lines: tuple[ServiceRow, ...]
    page: int
    pages: int
    superbill: bool = False
    title: str = field(default="HEALTH INSURANCE CLAIM FORM")


def form_pages(
    claim: Claim,
    billing: BillingProvider,
    *,
    superbill: bool = False,
    paid_by_others: Decimal | None = None,
    billing_phone: str = "",
) -> list[FormPage]:
    """The claim as CMS-1500 pages, six service lines to a page."""
    boxes, checked = _claim_boxes(claim, billing, superbill, billing_phone)
    rows = [_row(claim, number) for number in range(len(claim.service_lines))]
    chunks = [rows[i : i + LINES_PER_PAGE] for i in range(0, len(rows), LINES_PER_PAGE)]
    paid = paid_by_others if paid_by_others is not None else _paid_by_other_payer(claim)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        last = number == len(chunks)
        totals = {
            "28": " ".join(_money(claim.total_charge)) if last else CONTINUED,
            "29": (" ".join(_money(paid)) if paid is not None else "") if last else CONTINUED,
        }
        pages.append(FormPage(
            {**boxes, **totals}, frozenset(checked), tuple(chunk), number, len(chunks), superbill,
            "SUPERBILL - FOR THE INSURED TO FILE" if superbill else "HEALTH INSURANCE CLAIM FORM",
        ))  # fmt: skip
    return pages


def _claim_boxes(
    claim: Claim, billing: BillingProvider, superbill: bool, phone: str
) -> tuple[dict[str, str], set[str]]:
    subscriber, patient, other = claim.subscriber, claim.patient, claim.other_payer
    patient_name = patient.name if patient else subscriber.name
    patient_birth = patient.birth_date if patient else subscriber.birth_date
    patient_sex = patient.sex if patient else subscriber.sex
    patient_address = patient.address if patient else subscriber.address
    relationship = "self" if patient is None else _relationship(patient.relationship_to_subscriber)
    boxes = {
        "carrier": _text(claim.payer.name),
        "1a": subscriber.member_id,
        "2": _name(patient_name),
        "3": _birth(patient_birth),
        "4": _name(subscriber.name),
        "5_street": _text(patient_address.line1),
        "5_city": _text(patient_address.city),
        "5_state": patient_address.state,
        "5_zip": patient_address.postal_code,
        "7_street": _text(subscriber.address.line1),
        "7_city": _text(subscriber.address.city),
        "7_state": subscriber.address.state,
        "7_zip": subscriber.address.postal_code,
        "11": subscriber.group_number or "NONE",
        "11a": _birth(subscriber.birth_date),
        "11c": _text(claim.payer.name),
        "12": SIGNATURE_ON_FILE,
        "13": "" if superbill else SIGNATURE_ON_FILE,
        "17_qualifier": "DN",
        "17": _name(claim.referring_provider.name, first_last=True),
        "17b": claim.referring_provider.npi,
        "21_indicator": ICD_10_INDICATOR,
        "23": claim.prior_authorization or "",
        "25": billing.ein,
        "26": claim.claim_id,
        "31": SIGNATURE_ON_FILE,
        "32": _text(billing.organisation_name),
        "32_street": _text(billing.address.line1),
        "32_city": f"{_text(billing.address.city)} {billing.address.state} "
        f"{billing.address.postal_code}",
        "32a": billing.npi,
        "33": _text(billing.organisation_name),
        "33_street": _text(billing.address.line1),
        "33_city": f"{_text(billing.address.city)} {billing.address.state} "
        f"{billing.address.postal_code}",
        "33_phone": phone,
        "33a": billing.npi,
    }
    for letter, code in zip(DIAGNOSIS_LETTERS, claim.diagnoses[:MAX_DIAGNOSES], strict=False):
        boxes[f"21{letter}"] = icd10_for_x12(code)
    if claim.frequency is not ClaimFrequency.ORIGINAL:
        boxes["22_code"] = claim.frequency.value
        boxes["22_original"] = claim.original_claim_reference or ""
    checked = {
        f"1_{COVERAGE_TYPES.get(claim.payer.claim_filing_indicator, 'other')}",
        f"3_{patient_sex.value}",
        f"6_{relationship}",
        f"11a_{subscriber.sex.value}",
        "10a_no", "10b_no", "10c_no",
        "25_ein",
        "27_no" if superbill else "27_yes",
        "11d_yes" if other is not None else "11d_no",
    }  # fmt: skip
    if other is not None:  # the other (here: the primary) insured, box 9
        boxes["9"] = _text(f"{other.subscriber.last_name}, {other.subscriber.first_name}")
        boxes["9a"] = other.subscriber.member_id
        boxes["9d"] = _text(other.payer_name)
    return boxes, checked


def _row(claim: Claim, index: int) -> ServiceRow:
    line = claim.service_lines[index]
    rendering = claim.rendering_provider
    return ServiceRow(
        from_date=_short_date(line.service_date),
        to_date=_short_date(line.service_date),
        place_of_service=claim.place_of_service,
        code=line.procedure_code,
        modifiers=line.modifiers,
        pointers="".join(DIAGNOSIS_LETTERS[p - 1] for p in line.diagnosis_pointers),
        charge=_money(line.charge),
        units=str(line.units),
        rendering_npi=rendering.npi if rendering is not None else "",
    )


def _paid_by_other_payer(claim: Claim) -> Decimal | None:
    return claim.other_payer.paid if claim.other_payer is not None else None


def _relationship(code: str) -> str:
    return {"01": "spouse", "19": "child"}.get(code, "other")


def _name(name: object, first_last: bool = False) -> str:
    last, first = _text(name.last), _text(name.first)  # type: ignore[attr-defined]
    middle = _text(getattr(name, "middle", None) or "")
    if first_last:
        return " ".join(part for part in (first, middle[:1], last) if part)
    return f"{last}, {first}" + (f", {middle[:1]}" if middle else "")


def _text(value: str) -> str:
    # The form is read by OCR: upper case, the basic character set, as the 837P carries it.
    return clean_text(value, 60)


def _birth(value: date) -> str:
    return value.strftime("%m %d %Y")


def _short_date(value: date) -> str:
    return value.strftime("%m %d %y")


def _money(value: Decimal) -> tuple[str, str]:
    dollars, cents = f"{value:.2f}".split(".")
    return dollars, cents
