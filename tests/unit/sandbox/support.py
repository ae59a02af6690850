"""Helpers for the sandbox clearinghouse's tests: a hand-driven clock, 837Ps, and an 835
reader of our own that checks balancing without using the sandbox's code."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from deploy.sandbox_clearinghouse.clearinghouse import Clearinghouse, Report, Timings
from deploy.sandbox_clearinghouse.rules import RejectionRules
from services.claims.x12.model import Claim
from services.claims.x12.render_837p import render_837p
from tests.unit.claims.builders import a_batch, interchange_control

START = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
API_KEY = "clinic-key"


class Clock:
    """A clock that moves only when the test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def a_clearinghouse(
    rules: dict[str, Any] | None = None, timings: Timings | None = None
) -> tuple[Clearinghouse, Clock]:
    """A clearinghouse on a hand-driven clock: A1 at once, A2 after 1 s, 835s after 2 s."""
    clock = Clock()
    clearinghouse = Clearinghouse(
        RejectionRules.from_mapping(rules or {}), clock=clock, timings=timings or Timings(0, 1, 2)
    )
    return clearinghouse, clock


def an_837(*claims: Claim, number: int = 1, line_control_numbers: bool = False) -> str:
    """An 837P of our own writer; optionally with REF*6R line item control numbers."""
    x12 = render_837p(a_batch(*claims), interchange_control(number))
    return with_line_control_numbers(x12) if line_control_numbers else x12


def with_line_control_numbers(x12: str) -> str:
    """Add REF*6R LINE-n after each 2400 DTP*472 (our writer sends none) and fix SE01."""
    counter = iter(range(1, 1000))
    added = re.sub(
        r"(~DTP\*472\*D8\*\d{8}~)", lambda m: f"{m.group(1)}REF*6R*LINE-{next(counter)}~", x12
    )
    extra = added.count("REF*6R*")
    return re.sub(r"~SE\*(\d+)\*", lambda m: f"~SE*{int(m.group(1)) + extra}*", added)


def submit_and_settle(
    clearinghouse: Clearinghouse, clock: Clock, x12: str, api_key: str = API_KEY
) -> list[Report]:
    """Submit, let every stage pass, and return the reports of that submission."""
    before = clearinghouse.reports(api_key, 0, 500)
    clearinghouse.receive_837(x12, api_key=api_key)
    clock.advance(3600)
    after = clearinghouse.reports(api_key, 0, 500)
    return after[len(before) :]


def of_kind(reports: list[Report], kind: str) -> list[str]:
    """The X12 of the reports of one kind, oldest first."""
    return [report.x12 for report in reports if report.kind == kind]


def segments(x12: str) -> Iterator[list[str]]:
    """Each segment as its elements (element separator ISA04, terminator ISA106)."""
    separator, terminator = x12[3], x12[105]
    for text in x12.split(terminator):
        if text.strip():
            yield text.strip().split(separator)


def element(values: list[str], position: int) -> str:
    """The element at `position` (1-based), empty when absent."""
    return values[position] if position < len(values) else ""


def remittance_imbalances(x12: str) -> list[str]:
    """Every balancing rule the 835 breaks (empty when it balances):

    per line SVC02 = SVC03 + its CAS; per claim CLP03 = CLP04 + claim and line CAS;
    CLP05 = the PR adjustments; BPR02 = sum of CLP04 - sum of PLB amounts.
    """
    problems: list[str] = []
    total_paid, plb_total, bpr_amount = Decimal(0), Decimal(0), None
    claims: list[dict[str, Any]] = []
    line: dict[str, Any] | None = None
    for values in segments(x12):
        tag = values[0]
        if tag == "BPR":
            bpr_amount = Decimal(values[2])
        elif tag == "CLP":
            line = None
            claims.append(
                {
                    "id": values[1],
                    "charge": Decimal(values[3]),
                    "paid": Decimal(values[4]),
                    "patient": Decimal(element(values, 5) or 0),
                    "adjusted": Decimal(0),
                    "patient_adjusted": Decimal(0),
                    "lines": [],
                }
            )
            total_paid += Decimal(values[4])
        elif tag == "SVC":
            line = {"charge": Decimal(values[2]), "paid": Decimal(values[3]), "adjusted": 0}
            claims[-1]["lines"].append(line)
        elif tag == "CAS":
            amounts = [Decimal(values[i]) for i in range(3, len(values), 3) if values[i]]
            target = line if line is not None else claims[-1]
            target["adjusted"] += sum(amounts)
            if line is not None:
                claims[-1]["adjusted"] += sum(amounts)
            if values[1] == "PR":
                claims[-1]["patient_adjusted"] += sum(amounts)
        elif tag == "PLB":
            plb_total += sum(Decimal(values[i]) for i in range(4, len(values), 2) if values[i])
    for claim in claims:
        for number, service in enumerate(claim["lines"], 1):
            if service["charge"] != service["paid"] + service["adjusted"]:
                problems.append(f"{claim['id']} line {number}: {service}")
        if claim["charge"] != claim["paid"] + claim["adjusted"]:
            problems.append(f"{claim['id']}: CLP03 != CLP04 + adjustments")
        if claim["patient"] != claim["patient_adjusted"]:
            problems.append(f"{claim['id']}: CLP05 != PR adjustments")
    if bpr_amount != total_paid - plb_total:
        problems.append(f"BPR02 {bpr_amount} != {total_paid} - {plb_total}")
    return problems


def claim_payments(x12: str) -> dict[str, dict[str, Any]]:
    """CLP and its SVC/CAS/LQ/REF/AMT of an 835, keyed by CLP01, as plain values."""
    found: dict[str, dict[str, Any]] = {}
    claim: dict[str, Any] | None = None
    target: dict[str, Any] | None = None
    for values in segments(x12):
        tag = values[0]
        if tag == "CLP":
            claim = {"clp": values[1:], "cas": [], "lines": []}
            found[values[1]] = claim
            target = claim
        elif claim is None:
            continue
        elif tag == "SVC":
            target = {"svc": values[1:], "cas": [], "lq": [], "ref_6r": None, "allowed": None}
            claim["lines"].append(target)
        elif tag == "CAS" and target is not None:
            target["cas"].extend(
                f"{values[1]}-{values[i]}:{values[i + 1]}" for i in range(2, len(values), 3)
            )
        elif tag == "LQ" and target is not None:
            target["lq"].append(values[2])
        elif tag == "REF" and values[1] == "6R" and target is not None:
            target["ref_6r"] = values[2]
        elif tag == "AMT" and values[1] == "B6" and target is not None:
            target["allowed"] = values[2]
        elif tag == "PLB":
            claim = None
    return found


def claim_statuses(x12: str) -> dict[str, tuple[str, str | None]]:
    """A 277CA's 2200D: TRN02 -> (STC01, REF*1K)."""
    found: dict[str, tuple[str, str | None]] = {}
    current: str | None = None
    level = ""
    for values in segments(x12):
        tag = values[0]
        if tag == "HL":
            level, current = values[3], None
        elif tag == "TRN" and level == "PT":
            current = values[2]
            found[current] = ("", None)
        elif current is not None and tag == "STC":
            found[current] = (values[1], found[current][1])
        elif current is not None and tag == "REF" and values[1] == "1K":
            found[current] = (found[current][0], values[2])
    return found
