"""What is still owed on a claim, by whom, and how old it is (A/R aging).

docs/DOMAIN.md §Prices: the fee schedule's allowed amount is what the clinic expects to be
paid for a claim; §Acknowledgements: 835 posting records what the payer paid and what the
patient owes. A claim's open balance has two parts:

- the payer's: the expected allowed amount less what the payer paid, what the patient owes
  and what billing moved to the patient, never below zero (a payer that allowed more than
  our fee schedule owes nothing more);
- the patient's: the patient responsibility posted from 835s plus what billing moved to the
  patient.

A closed claim (paid in full or written off) and a voided one owe nothing. Aging counts days
from the date of service: every claim has one (a parked claim has no submission date), a
corrected or replacement claim keeps the age of the visit it bills, and payers' timely
filing limits count from it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from services.claims.domain.errors import NothingOwed
from services.claims.domain.lifecycle import State
from shared.errors import InvalidInput

ZERO = Decimal("0.00")
SETTLED = frozenset({State.CLOSED, State.VOIDED})
AGING_BASIS = "date_of_service"
# (bucket, first day, last day); the last bucket has no end.
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
    ("120+", 121, None),
)


@dataclass(frozen=True)
class Ledger:
    """What a claim expects and what was posted on it (sums over its 835s and billing's moves)."""

    expected_allowed: Decimal
    paid: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    moved_to_patient: Decimal = ZERO
    # The patient's share under a primary, handed to the secondary payer's claim
    # (domain/coordination.py): owed by no one here until the secondary's 835.
    billed_to_secondary: Decimal = ZERO


@dataclass(frozen=True)
class Balance:
    """What is still owed on a claim: by the payer and by the patient."""

    payer: Decimal = ZERO
    patient: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Everything still owed on the claim."""
        return self.payer + self.patient

    def __add__(self, other: Balance) -> Balance:
        return Balance(self.payer + other.payer, self.patient + other.patient)


def open_balance(state: State | str, ledger: Ledger) -> Balance:
    """What is still owed on a claim in ``state`` with ``ledger`` posted (module docstring)."""
    if State(state) in SETTLED:
        return Balance()
    patient = ledger.patient_responsibility + ledger.moved_to_patient
    payer = ledger.expected_allowed - ledger.paid - patient
    return Balance(max(payer, ZERO), max(patient - ledger.billed_to_secondary, ZERO))


def write_off_amount(balance: Balance, asked: Decimal | None) -> Decimal:
    """What a write-off takes off the claim: the whole open balance, or less when asked.

    Less than the balance is what was not collected (patient payments are not recorded
    here); the claim is closed either way. More than is open, or nothing open, is refused.
    """
    if balance.total <= ZERO:
        raise NothingOwed("Nothing is open on the claim to write off.")
    if asked is None:
        return balance.total
    if asked > balance.total:
        raise InvalidInput.field("amount", f"More than the open balance of {balance.total:.2f}.")
    return asked


def age_in_days(since: date, as_of: date) -> int:
    """Whole days from ``since`` to ``as_of``; a day in the future counts as today."""
    return max((as_of - since).days, 0)


def aging_bucket(days: int) -> str:
    """The aging bucket a balance ``days`` old falls in."""
    for name, first, last in AGING_BUCKETS:
        if days >= first and (last is None or days <= last):
            return name
    raise ValueError(f"no bucket for {days} days")


@dataclass(frozen=True)
class Receivable:
    """One claim's open balance, whose payer it is billed to and when the visit was."""

    claim_id: str
    payer_id: str | None
    date_of_service: date
    balance: Balance


@dataclass
class AgingRow:
    """One payer's open balances by bucket."""

    payer_id: str | None
    buckets: dict[str, Balance] = field(
        default_factory=lambda: {name: Balance() for name, _, _ in AGING_BUCKETS}
    )
    claims: dict[str, int] = field(
        default_factory=lambda: {name: 0 for name, _, _ in AGING_BUCKETS}
    )

    @property
    def total(self) -> Balance:
        """The payer's open balances in every bucket."""
        return sum(self.buckets.values(), Balance())

    def add(self, bucket: str, balance: Balance) -> None:
        """Count one claim's balance in ``bucket``."""
        self.buckets[bucket] += balance
        self.claims[bucket] += 1


def aging(receivables: Iterable[Receivable], as_of: date) -> list[AgingRow]:
    """Open balances by payer and age bucket (claims owing nothing left out), by payer id."""
    rows: dict[str | None, AgingRow] = {}
    for receivable in receivables:
        if receivable.balance.total == ZERO:
            continue
        row = rows.setdefault(receivable.payer_id, AgingRow(receivable.payer_id))
        row.add(aging_bucket(age_in_days(receivable.date_of_service, as_of)), receivable.balance)
    return sorted(rows.values(), key=lambda row: row.payer_id or "")
