"""The other payer on a secondary 837P claim: loops 2320, 2330A, 2330B and 2430 (005010X222A1).

docs/DOMAIN.md §Acknowledgements (secondary payer). A claim billed to the secondary payer
carries SBR01 = S in 2000B and tells that payer what the primary did with it:

- 2320: the primary's SBR (SBR01 = P, the patient's relationship to the primary's
  subscriber, group, filing indicator), its claim-level adjustments (CAS, one segment per
  group code, at most six reasons each), what it paid (AMT*D, required once a payer
  adjudicated the claim), what the patient still owes under it (AMT*EAF) and OI (benefits
  assigned, information released);
- 2330A: the primary's subscriber (NM1*IL with the primary member id); 2330B: the primary
  payer (NM1*PR, its id as SVD01 names it). The adjudication date (DTP*573) sits in 2330B only
  when no line is reported in 2430 (the guide: "required when ... service line payment
  information is not provided in loop 2430"; otherwise do not send);
- 2430, after each 2400 the primary adjudicated: SVD (payer id, line paid, the procedure as
  adjudicated, paid units), CAS per group code, DTP*573.

The 837P balancing rule for another payer: claim charge = AMT*D + 2320 CAS + every 2430 CAS,
and AMT*D = the sum of SVD02, which holds when the primary's 835 balanced (charge = paid +
adjustments, claim and lines). ``OtherPayer`` checks it, so an unbalanced one is never sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from services.claims.x12.syntax import clean_text, composite, segment

if TYPE_CHECKING:
    from services.claims.x12.model import Claim

PRIMARY = "P"
SECONDARY = "S"
MAX_REASONS_PER_CAS = 6  # CAS02-03 .. CAS17-18: six reason/amount triplets per segment
GROUP_CODES = ("CO", "CR", "OA", "PI", "PR")
# 2320 SBR02: the patient's relationship to the other payer's subscriber.
RELATIONSHIP_CODES = {"self": "18", "spouse": "01", "child": "19", "other": "G8"}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OtherAdjustment:
    """One CAS triplet the other payer reported: group, CARC reason, amount."""

    group: str
    reason: str
    amount: Decimal

    def __post_init__(self) -> None:
        _require(self.group in GROUP_CODES, f"CAS group code: {self.group!r}")
        _require(1 <= len(self.reason) <= 5 and self.reason.isalnum(), "CARC: 1-5 characters")
        _require(isinstance(self.amount, Decimal), "adjustment amount is a Decimal")


@dataclass(frozen=True)
class LineAdjudication:
    """What the other payer did with one of our lines (2430): ``line_number`` is its LX."""

    line_number: int
    procedure_code: str
    modifiers: tuple[str, ...]
    paid: Decimal
    units: int
    adjustments: tuple[OtherAdjustment, ...]
    charge: Decimal  # our line charge, to check the line balances

    def __post_init__(self) -> None:
        _require(self.line_number >= 1, "line numbers start at 1")
        _require(
            self.charge == self.paid + _sum(self.adjustments),
            f"line {self.line_number}: charge {self.charge} is not paid {self.paid} plus "
            f"adjustments {_sum(self.adjustments)}",
        )


@dataclass(frozen=True)
class OtherSubscriber:
    """2330A: the other payer's subscriber, and the patient's relationship to them."""

    last_name: str
    first_name: str
    member_id: str
    relationship: str  # self, spouse, child, other
    group_number: str | None = None

    def __post_init__(self) -> None:
        _require(self.relationship in RELATIONSHIP_CODES, f"relationship: {self.relationship!r}")
        _require(bool(clean_text(self.last_name, 60)), "other subscriber's last name")


@dataclass(frozen=True)
class OtherPayer:
    """The primary payer on a secondary claim and how it adjudicated the claim."""

    payer_id: str
    payer_name: str
    claim_filing_indicator: str
    subscriber: OtherSubscriber
    paid: Decimal  # AMT*D
    patient_responsibility: Decimal  # AMT*EAF: what the patient owes under this payer
    claim_adjustments: tuple[OtherAdjustment, ...]  # 2320 CAS
    adjudicated_on: date  # DTP*573
    lines: tuple[LineAdjudication, ...]  # 2430, by our line number
    charge: Decimal  # our claim charge, to check the claim balances

    def __post_init__(self) -> None:
        adjusted = _sum(self.claim_adjustments) + sum(
            (_sum(line.adjustments) for line in self.lines), ZERO
        )
        _require(
            self.charge == self.paid + adjusted,
            f"claim charge {self.charge} is not paid {self.paid} plus adjustments {adjusted}",
        )
        if self.lines:
            _require(
                self.paid == sum((line.paid for line in self.lines), ZERO),
                "AMT*D is the sum of the lines paid (SVD02)",
            )
        _require(len(self.claim_filing_indicator) == 2, "claim filing indicator: 2 characters")


def payer_sequence(claim: Claim) -> str:
    """SBR01 of 2000B: S when another payer adjudicated the claim first, else P."""
    return SECONDARY if claim.other_payer is not None else PRIMARY


def other_payer_loops(claim: Claim) -> Iterator[str]:
    """2320, 2330A and 2330B (after 2310, before the first 2400), when the claim has them."""
    other = claim.other_payer
    if other is None:
        return
    subscriber = other.subscriber
    yield segment(
        "SBR", PRIMARY, RELATIONSHIP_CODES[subscriber.relationship],
        subscriber.group_number or "", *[""] * 5, other.claim_filing_indicator,
    )  # fmt: skip
    yield from _adjustments(other.claim_adjustments)
    yield segment("AMT", "D", _amount(other.paid))
    if other.patient_responsibility > ZERO:
        yield segment("AMT", "EAF", _amount(other.patient_responsibility))
    # OI03 Y: benefits assigned to the provider; OI06 Y: the patient signed the release.
    yield segment("OI", "", "", "Y", "", "", "Y")
    yield segment(
        "NM1", "IL", "1", clean_text(subscriber.last_name, 60),
        clean_text(subscriber.first_name, 35), "", "", "", "MI", subscriber.member_id,
    )  # fmt: skip
    yield segment(
        "NM1", "PR", "2", clean_text(other.payer_name, 60), "", "", "", "", "PI", other.payer_id
    )
    if not other.lines:
        yield segment("DTP", "573", "D8", other.adjudicated_on.strftime("%Y%m%d"))


def line_adjudication(claim: Claim, line_number: int) -> Iterator[str]:
    """2430 for our line ``line_number`` (its LX), when the other payer reported it."""
    other = claim.other_payer
    if other is None:
        return
    for line in other.lines:
        if line.line_number != line_number:
            continue
        yield segment(
            "SVD", other.payer_id, _amount(line.paid),
            composite("HC", line.procedure_code, *line.modifiers), "", str(line.units),
        )  # fmt: skip
        yield from _adjustments(line.adjustments)
        yield segment("DTP", "573", "D8", other.adjudicated_on.strftime("%Y%m%d"))


def _adjustments(adjustments: Sequence[OtherAdjustment]) -> Iterator[str]:
    # One CAS per group code, its reasons in order, six to a segment (CAS02-CAS19).
    by_group: dict[str, list[OtherAdjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    for group, items in by_group.items():
        for start in range(0, len(items), MAX_REASONS_PER_CAS):
            triplets: list[str] = []
            for item in items[start : start + MAX_REASONS_PER_CAS]:
                triplets += [item.reason, _amount(item.amount), ""]
            yield segment("CAS", group, *triplets)


def other_payer_to_data(other: OtherPayer) -> dict[str, Any]:
    """The OtherPayer in JSON types (amounts as strings, the date ISO), as a claim keeps it."""
    data = asdict(other)
    data["adjudicated_on"] = other.adjudicated_on.isoformat()
    for key in ("paid", "patient_responsibility", "charge"):
        data[key] = str(data[key])
    line_adjustments = [a for line in data["lines"] for a in line["adjustments"]]
    for item in (*data["claim_adjustments"], *line_adjustments):
        item["amount"] = str(item["amount"])
    for line in data["lines"]:
        line["paid"], line["charge"] = str(line["paid"]), str(line["charge"])
        line["modifiers"] = list(line["modifiers"])
    return data


def other_payer_from_data(data: Mapping[str, Any] | None) -> OtherPayer | None:
    """The OtherPayer ``other_payer_to_data`` (or ``claim_to_data``) wrote, or None."""
    if not data:
        return None
    return OtherPayer(
        payer_id=data["payer_id"],
        payer_name=data["payer_name"],
        claim_filing_indicator=data["claim_filing_indicator"],
        subscriber=OtherSubscriber(**data["subscriber"]),
        paid=Decimal(data["paid"]),
        patient_responsibility=Decimal(data["patient_responsibility"]),
        claim_adjustments=tuple(_adjustment(a) for a in data["claim_adjustments"]),
        adjudicated_on=date.fromisoformat(data["adjudicated_on"]),
        lines=tuple(
            LineAdjudication(
                line_number=line["line_number"],
                procedure_code=line["procedure_code"],
                modifiers=tuple(line["modifiers"]),
                paid=Decimal(line["paid"]),
                units=line["units"],
                adjustments=tuple(_adjustment(a) for a in line["adjustments"]),
                charge=Decimal(line["charge"]),
            )
            for line in data["lines"]
        ),
        charge=Decimal(data["charge"]),
    )


def _adjustment(data: Mapping[str, Any]) -> OtherAdjustment:
    return OtherAdjustment(data["group"], data["reason"], Decimal(data["amount"]))


def _sum(adjustments: Sequence[OtherAdjustment]) -> Decimal:
    return sum((a.amount for a in adjustments), ZERO)


def _amount(value: Decimal) -> str:
    # X12 R type, as the claim's amounts: no trailing zeros ("62.5"), no exponent.
    return format(value.normalize(), "f") if value != 0 else "0"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
