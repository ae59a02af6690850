"""A small 835 writer for tests: payer decisions in, 005010X221A1 text out (segment order per
the guide: BPR, TRN, N1*PR, N1*PE, LX, then CLP/CAS/NM1/SVC/DTM/CAS/AMT/LQ loops, PLB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.claims.x12.syntax import composite, segment

PAYMENT_DAY = date(2024, 3, 15)
SERVICE_DAY = date(2024, 3, 4)
BILLING_NPI = "1245319599"
GUIDE = "005010X221A1"

Cas = tuple[str, str, Decimal]  # group, reason, amount


@dataclass(frozen=True)
class LineDecision:
    """What the payer decided on one service line."""

    code: str
    modifiers: tuple[str, ...]
    units: int
    charge: Decimal
    paid: Decimal
    adjustments: tuple[Cas, ...] = ()
    remarks: tuple[str, ...] = ()
    allowed: Decimal | None = None
    line_control_number: str | None = None


@dataclass(frozen=True)
class ClaimDecision:
    """What the payer decided on one claim; CLP03-CLP05 follow from the lines unless given."""

    claim_id: str
    lines: tuple[LineDecision, ...]
    status: str = "1"
    claim_adjustments: tuple[Cas, ...] = ()
    payer_claim_control_number: str = "24075000101"

    @property
    def charge(self) -> Decimal:
        """CLP03: the lines' charges."""
        return sum((line.charge for line in self.lines), Decimal("0"))

    @property
    def paid(self) -> Decimal:
        """CLP04: the lines' payments less the claim-level adjustments."""
        lines_paid = sum((line.paid for line in self.lines), Decimal("0"))
        return lines_paid - sum((amount for _, _, amount in self.claim_adjustments), Decimal("0"))

    @property
    def patient_responsibility(self) -> Decimal:
        """CLP05: every PR adjustment, claim and lines."""
        every = self.claim_adjustments + tuple(a for line in self.lines for a in line.adjustments)
        return sum((amount for group, _, amount in every if group == "PR"), Decimal("0"))


@dataclass(frozen=True)
class RemittanceDecision:
    """A whole 835 transaction: claims and provider-level (PLB) adjustments."""

    claims: tuple[ClaimDecision, ...]
    provider_adjustments: tuple[tuple[str, Decimal], ...] = ()  # reason, amount
    control_number: str = "0001"
    trace_number: str = "EFT240315001"  # TRN02

    @property
    def payment(self) -> Decimal:
        """BPR02 as money to the payee: claims' payments less provider adjustments."""
        claims_paid = sum((claim.paid for claim in self.claims), Decimal("0"))
        return claims_paid - sum((amount for _, amount in self.provider_adjustments), Decimal("0"))


def an_835(remittance: RemittanceDecision) -> str:
    """The 835 interchange (one group, one transaction set) carrying ``remittance``."""
    body = [
        _bpr(remittance.payment),
        segment("TRN", "1", remittance.trace_number, "1512345678"),
        segment("N1", "PR", "ACME HEALTH"),
        segment("REF", "2U", "ACME01"),
        segment("N1", "PE", "HEALING HANDS MASSAGE LLC", "XX", BILLING_NPI),
        segment("LX", "1"),
    ]
    for claim in remittance.claims:
        body += _claim(claim)
    if remittance.provider_adjustments:
        pairs = [value for reason, amount in remittance.provider_adjustments
                 for value in (reason, amount_text(amount))]  # fmt: skip
        body.append(segment("PLB", BILLING_NPI, "20241231", *pairs))
    control = remittance.control_number
    transaction = [segment("ST", "835", control, GUIDE), *body]
    transaction.append(segment("SE", str(len(transaction) + 1), control))
    return "".join(
        [
            "ISA*00*          *00*          *ZZ*SANDBOXCH      *ZZ*HEALINGHANDS   "
            "*240315*0800*^*00501*000000201*0*T*:~",
            segment("GS", "HP", "SANDBOXCH", "HEALINGHANDS", "20240315", "0800", "201", "X", GUIDE),
            *transaction,
            segment("GE", "1", "201"),
            segment("IEA", "1", "000000201"),
        ]
    )


def amount_text(amount: Decimal) -> str:
    """An amount as payers write it: no trailing zeros, no exponent ("79.2", "120", "-8")."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bpr(payment: Decimal) -> str:
    flag = "C" if payment >= 0 else "D"
    method, handling = ("ACH", "I") if payment else ("NON", "H")
    return segment("BPR", handling, amount_text(abs(payment)), flag, method, *[""] * 11,
                   PAYMENT_DAY.strftime("%Y%m%d"))  # fmt: skip


def _claim(claim: ClaimDecision) -> list[str]:
    segments = [
        segment(
            "CLP",
            claim.claim_id,
            claim.status,
            amount_text(claim.charge),
            amount_text(claim.paid),
            amount_text(claim.patient_responsibility),
            "12",
            claim.payer_claim_control_number,
            "11",
            "1",
        ),
        *_cas(claim.claim_adjustments),
        segment("NM1", "QC", "1", "DOE", "JANE", "", "", "", "MI", "MEM123456"),
    ]
    for line in claim.lines:
        segments += [
            segment(
                "SVC",
                composite("HC", line.code, *line.modifiers),
                amount_text(line.charge),
                amount_text(line.paid),
                "",
                str(line.units),
            ),
            segment("DTM", "472", SERVICE_DAY.strftime("%Y%m%d")),
            *_cas(line.adjustments),
        ]
        if line.line_control_number is not None:
            segments.append(segment("REF", "6R", line.line_control_number))
        if line.allowed is not None:
            segments.append(segment("AMT", "B6", amount_text(line.allowed)))
        segments += [segment("LQ", "HE", code) for code in line.remarks]
    return segments


def _cas(adjustments: tuple[Cas, ...]) -> list[str]:
    # One CAS per group, at most six reason/amount/quantity triplets each (quantity left empty).
    by_group: dict[str, list[tuple[str, Decimal]]] = {}
    for group, reason, amount in adjustments:
        by_group.setdefault(group, []).append((reason, amount))
    segments = []
    for group, pairs in by_group.items():
        for start in range(0, len(pairs), 6):
            values = [v for reason, amount in pairs[start : start + 6]
                      for v in (reason, amount_text(amount), "")]  # fmt: skip
            segments.append(segment("CAS", group, *values))
    return segments
