"""What is still owed on a claim and by whom, write-offs, and A/R aging buckets."""

from datetime import date
from decimal import Decimal

import pytest

from services.claims.domain.balances import (
    AGING_BUCKETS,
    Balance,
    Ledger,
    Receivable,
    age_in_days,
    aging,
    aging_bucket,
    open_balance,
    write_off_amount,
)
from services.claims.domain.errors import NothingOwed
from services.claims.domain.lifecycle import State
from shared.errors import InvalidInput

D = Decimal
EXPECTED = D("90.89")


def test_a_claim_nothing_was_posted_on_is_owed_by_the_payer_in_full():
    assert open_balance(State.ACCEPTED, Ledger(EXPECTED)) == Balance(EXPECTED, D("0.00"))


def test_what_the_patient_owes_is_theirs_and_the_payer_owes_the_rest_of_the_expected():
    ledger = Ledger(EXPECTED, paid=D("56.71"), patient_responsibility=D("20.00"))

    assert open_balance(State.PARTIALLY_PAID, ledger) == Balance(D("14.18"), D("20.00"))


def test_a_payer_allowing_more_than_our_fee_schedule_owes_nothing_more():
    ledger = Ledger(EXPECTED, paid=D("100.00"))

    assert open_balance(State.PAID, ledger) == Balance(D("0.00"), D("0.00"))


def test_a_balance_moved_to_the_patient_leaves_the_payer():
    ledger = Ledger(EXPECTED, paid=D("85.89"), moved_to_patient=D("5.00"))

    assert open_balance(State.PATIENT_BALANCE, ledger) == Balance(D("0.00"), D("5.00"))


@pytest.mark.parametrize("state", [State.CLOSED, State.VOIDED])
def test_a_closed_or_voided_claim_owes_nothing(state):
    ledger = Ledger(EXPECTED, patient_responsibility=D("20.00"))

    assert open_balance(state, ledger).total == D("0.00")


def test_a_reversal_nets_out_what_it_takes_back():
    ledger = Ledger(EXPECTED, paid=D("90.89") - D("90.89"))

    assert open_balance(State.ACCEPTED, ledger).payer == EXPECTED


def test_a_write_off_takes_the_whole_balance_unless_told_less():
    balance = Balance(D("14.18"), D("20.00"))

    assert write_off_amount(balance, None) == D("34.18")
    assert write_off_amount(balance, D("10.00")) == D("10.00")


def test_a_write_off_of_more_than_is_open_or_of_nothing_is_refused():
    with pytest.raises(InvalidInput) as refusal:
        write_off_amount(Balance(D("5.00")), D("5.01"))
    assert refusal.value.errors == {"amount": ["More than the open balance of 5.00."]}
    with pytest.raises(NothingOwed):
        write_off_amount(Balance(), None)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"),
     (91, "91-120"), (120, "91-120"), (121, "120+"), (4000, "120+")],
)  # fmt: skip
def test_every_age_falls_in_exactly_one_bucket(days, bucket):
    assert aging_bucket(days) == bucket


def test_a_visit_in_the_future_is_aged_as_today():
    assert age_in_days(date(2026, 3, 10), date(2026, 3, 1)) == 0


def test_aging_sums_each_payers_balances_by_bucket_and_leaves_out_what_owes_nothing():
    as_of = date(2026, 6, 30)
    receivables = [
        Receivable("C1", "ACME01", date(2026, 6, 20), Balance(D("90.89"))),
        Receivable("C2", "ACME01", date(2026, 6, 1), Balance(D("0.00"), D("20.00"))),
        Receivable("C3", "BLUE01", date(2026, 1, 2), Balance(D("5.00"))),
        Receivable("C4", "BLUE01", date(2026, 6, 29), Balance()),
    ]

    acme, blue = aging(receivables, as_of)

    assert acme.payer_id == "ACME01" and blue.payer_id == "BLUE01"
    assert acme.buckets["0-30"] == Balance(D("90.89"), D("20.00"))
    assert acme.claims["0-30"] == 2
    assert blue.buckets["120+"] == Balance(D("5.00"))
    assert sum(blue.claims.values()) == 1
    assert [name for name, _, _ in AGING_BUCKETS] == list(acme.buckets)
    assert acme.total.total + blue.total.total == D("115.89")
