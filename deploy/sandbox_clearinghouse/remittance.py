"""Write the 835 (005010X221A1) the sandbox payer sends for one batch of adjudicated claims."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from deploy.sandbox_clearinghouse.adjudication import ZERO, Adjustment, ClaimPayment, LinePayment
from deploy.sandbox_clearinghouse.rules import ProviderAdjustment
from deploy.sandbox_clearinghouse.x12 import (
    Envelope,
    amount,
    composite,
    segment,
    transaction_set,
)

REMITTANCE_GUIDE = "005010X221A1"
MAX_CAS_TRIPLETS = 6
MAX_PLB_ADJUSTMENTS = 6
FORWARDING_BALANCE = "FB"

# The sandbox payer's made-up bank and tax ids (TRN03 and BPR10 are "1" + its EIN).
PAYER_COMPANY_ID = "1999999999"
PAYER_BANK_ROUTING = "011000015"
PAYER_BANK_ACCOUNT = "9876543210"
PAYEE_BANK_ROUTING = "011000028"
PAYEE_BANK_ACCOUNT = "1234567890"
PAYER_ADDRESS = ("PO BOX 1000", "SPRINGFIELD", "IL", "627010000")
PAYER_CONTACT = ("SANDBOX EDI SUPPORT", "TE", "8005550199")

# SBR09 (837P) to CLP06 (835): the codes both lists share pass through; commercial
# insurance (CI) and Blue Cross (BL) become 12 (PPO); the rest ZZ (mutually defined).
_SHARED_FILING_CODES = ("12", "13", "14", "15", "16", "17", "AM", "CH", "DS", "HM", "LM")
_SHARED_FILING_CODES += ("MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ")
_CLAIM_FILING = {code: code for code in _SHARED_FILING_CODES} | {"CI": "12", "BL": "12"}


@dataclass(frozen=True)
class Payee:
    """Loop 1000B: who is paid (the 837's billing provider)."""

    name: str
    npi: str
    tax_id: str = ""


@dataclass(frozen=True)
class Remittance:
    """One 835: one payer paying one payee for a batch of claims."""

    envelope: Envelope
    payer_id: str
    payer_name: str
    payee: Payee
    trace_number: str  # TRN02: the EFT or check number
    claims: tuple[ClaimPayment, ...]
    received_date: str  # DTM*050: when the payer received the claims (CCYYMMDD)
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    echo_length: int | None = None  # CLP01 keeps only this many characters of CLM01

    @property
    def paid(self) -> Decimal:
        """Sum of CLP04."""
        return sum((claim.paid for claim in self.claims), ZERO)

    @property
    def plb(self) -> tuple[ProviderAdjustment, ...]:
        """PLB adjustments, with a forwarding balance when they would take more than is paid."""
        withheld = sum((a.amount for a in self.provider_adjustments), ZERO)
        if withheld <= self.paid:
            return self.provider_adjustments
        # FB (negative) carries the part that cannot be taken now, so BPR02 is 0, not negative.
        carried = ProviderAdjustment(FORWARDING_BALANCE, self.paid - withheld, self.trace_number)
        return (*self.provider_adjustments, carried)

    @property
    def total(self) -> Decimal:
        """BPR02: sum of CLP04 minus the PLB amounts."""
        return self.paid - sum((a.amount for a in self.plb), ZERO)


def render_835(remittance: Remittance) -> str:
    """Return the remittance as one ISA...IEA interchange with one 835 transaction set."""
    if not all(claim.balanced for claim in remittance.claims) or remittance.total < 0:
        raise AssertionError(f"835 {remittance.trace_number} does not balance")
    body = [
        *_header(remittance),
        *_payer(remittance),
        *_payee(remittance.payee),
        segment("LX", "1"),
    ]
    for claim in remittance.claims:
        body.extend(_claim(remittance, claim))
    body.extend(_provider_adjustments(remittance))
    # ST03 is not used in 005010X221A1: GS08 alone names the guide.
    transaction = transaction_set("835", body)
    return remittance.envelope.wrap("HP", REMITTANCE_GUIDE, transaction)


def _header(remittance: Remittance) -> list[str]:
    day = remittance.envelope.day
    total = remittance.total
    if total:
        # I: remittance information only, the money moves by ACH (CCD+ from us to the payee).
        bpr = segment(
            *("BPR", "I", amount(total), "C", "ACH", "CCP"),
            *("01", PAYER_BANK_ROUTING, "DA", PAYER_BANK_ACCOUNT, PAYER_COMPANY_ID, ""),
            *("01", PAYEE_BANK_ROUTING, "DA", PAYEE_BANK_ACCOUNT, day),
        )
    else:
        # H: notification only, nothing is paid (NON: no payment method).
        bpr = segment("BPR", "H", "0", "C", "NON", *[""] * 11, day)
    return [
        bpr,
        segment("TRN", "1", remittance.trace_number, PAYER_COMPANY_ID),
        segment("REF", "EV", remittance.envelope.receiver_id),
        segment("DTM", "405", day),
    ]


def _payer(remittance: Remittance) -> list[str]:
    street, city, state, postal_code = PAYER_ADDRESS
    name = remittance.payer_name or remittance.payer_id
    return [
        segment("N1", "PR", name[:60]),
        segment("N3", street),
        segment("N4", city, state, postal_code),
        segment("REF", "2U", remittance.payer_id),
        segment("PER", "BL", *PAYER_CONTACT),
    ]


def _payee(payee: Payee) -> list[str]:
    segments = [segment("N1", "PE", payee.name[:60], "XX", payee.npi)]
    if payee.tax_id:
        segments.append(segment("REF", "TJ", payee.tax_id))
    return segments


def _claim(remittance: Remittance, payment: ClaimPayment) -> Iterator[str]:
    claim = payment.claim
    echo_length = remittance.echo_length or len(claim.claim_id)
    yield segment(
        "CLP",
        claim.claim_id[:echo_length],
        payment.status,
        amount(payment.charge),
        amount(payment.paid),
        amount(payment.patient_responsibility),
        _CLAIM_FILING.get(claim.claim_filing_indicator, "ZZ"),
        payment.payer_claim_control_number,
        claim.facility_code,
        claim.frequency_code,
    )
    yield from _adjustments(payment.claim_adjustments)
    patient = ["QC", "1", claim.patient_last_name, claim.patient_first_name, "", "", ""]
    if claim.patient_is_subscriber:
        yield segment("NM1", *patient, "MI", claim.member_id)
    else:
        yield segment("NM1", *patient)
        subscriber = [claim.subscriber_last_name, claim.subscriber_first_name, "", "", ""]
        yield segment("NM1", "IL", "1", *subscriber, "MI", claim.member_id)
    yield segment("DTM", "050", remittance.received_date)
    for line in payment.lines:
        yield from _service_line(line)


def _service_line(payment: LinePayment) -> Iterator[str]:
    line = payment.line
    yield segment(
        "SVC",
        composite("HC", line.procedure_code, *line.modifiers),
        amount(payment.charge),
        amount(payment.paid),
        "",
        amount(Decimal(line.units)),
    )
    yield from _service_dates(line.service_date)
    yield from _adjustments(payment.adjustments)
    if line.control_number:
        yield segment("REF", "6R", line.control_number)
    if payment.allowed is not None:
        yield segment("AMT", "B6", amount(payment.allowed))
    for remark in payment.remarks:
        yield segment("LQ", "HE", remark)


def _service_dates(value: str) -> Iterator[str]:
    if not value:
        return
    start, _, end = value.partition("-")
    if not end or end == start:
        yield segment("DTM", "472", start)
    else:
        yield segment("DTM", "150", start)
        yield segment("DTM", "151", end)


def _adjustments(adjustments: Iterable[Adjustment]) -> Iterator[str]:
    # One CAS per group, at most six reason/amount/quantity triplets each.
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        if adjustment.amount:
            by_group.setdefault(adjustment.group, []).append(adjustment)
    for group, theirs in by_group.items():
        for start in range(0, len(theirs), MAX_CAS_TRIPLETS):
            triplets = [
                value
                for a in theirs[start : start + MAX_CAS_TRIPLETS]
                for value in (a.reason, amount(a.amount), "")
            ]
            yield segment("CAS", group, *triplets)


def _provider_adjustments(remittance: Remittance) -> Iterator[str]:
    # PLB01 the payee's NPI, PLB02 the last day of the provider's fiscal year.
    adjustments = [a for a in remittance.plb if a.amount]
    fiscal_year_end = f"{remittance.envelope.created_at.year}1231"
    for start in range(0, len(adjustments), MAX_PLB_ADJUSTMENTS):
        pairs = [
            value
            for a in adjustments[start : start + MAX_PLB_ADJUSTMENTS]
            for value in (composite(a.reason, a.reference), amount(a.amount))
        ]
        yield segment("PLB", remittance.payee.npi, fiscal_year_end, *pairs)
