"""Booking code rules: a format to read out on the phone, and guessing made hopeless."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.domain.booking_codes import (
    ALPHABET,
    LENGTH,
    LOOKUP_LENGTH,
    MAX_MISSES,
    SECRET_LENGTH,
    BookingCode,
    StoredCode,
    Verdict,
    hash_secret,
    judge,
    new_code,
    parse_code,
)

NOW = datetime(2026, 3, 2, 13, tzinfo=UTC)
CODE = BookingCode("AB3D", "EFGH23")


def stored(code: BookingCode = CODE, **changes: object) -> StoredCode:
    values = {"client_id": "c-1", "lookup": code.lookup, "secret_hash": code.secret_hash(),
              "expires_at": NOW + timedelta(days=30), "misses": 0, "revoked": False} | changes
    return StoredCode(**values)  # type: ignore[arg-type]


def test_the_alphabet_has_no_look_alikes_and_no_repeats():
    assert not set(ALPHABET) & set("01OIL")
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    assert ALPHABET.upper() == ALPHABET


def test_brute_force_is_hopeless():
    # At least 2^40 codes in all...
    assert math.log2(len(ALPHABET) ** LENGTH) >= 40
    # ...and a guess aimed at one real code (its lookup id known) has MAX_MISSES tries at a
    # secret of 31^6 values before the code is revoked: under one chance in 100 million.
    assert (LOOKUP_LENGTH, SECRET_LENGTH, MAX_MISSES) == (4, 6, 5)
    assert MAX_MISSES / len(ALPHABET) ** SECRET_LENGTH < 1e-8


def test_a_code_reads_as_four_then_six_characters_of_the_alphabet():
    code = new_code()
    assert len(str(code)) == LENGTH + 1 and str(code)[LOOKUP_LENGTH] == "-"
    assert all(c in ALPHABET for c in code.lookup + code.secret)


def test_new_codes_use_every_character_evenly():
    counts = Counter("".join(str(new_code()).replace("-", "") for _ in range(3000)))
    assert set(counts) == set(ALPHABET)
    expected = 3000 * LENGTH / len(ALPHABET)
    assert all(abs(n - expected) < expected * 0.25 for n in counts.values())


@pytest.mark.parametrize("typed", ["AB3D-EFGH23", "ab3defgh23", " ab3d efgh23 ", "AB3D--EFGH-23",
                                   "ab3d\tEFGH23"])
def test_case_spaces_and_dashes_are_ignored_when_a_code_is_typed(typed):
    assert parse_code(typed) == CODE


@pytest.mark.parametrize("typed", ["", "AB3D-EFGH2", "AB3D-EFGH234", "AB0D-EFGH23",
                                   "AB3D-EFGH2I", "eyJhbGciOiJIUzI1NiJ9.e30.x", "AB3D_EFGH23"])
def test_text_that_is_no_code_is_refused(typed):
    assert parse_code(typed) is None


def test_only_a_salted_hash_of_the_secret_is_kept():
    assert CODE.secret_hash() == hash_secret("AB3D", "EFGH23")
    assert CODE.secret not in CODE.secret_hash()
    # The same secret under another lookup id hashes differently.
    assert BookingCode("ZZZZ", "EFGH23").secret_hash() != CODE.secret_hash()


def test_the_right_code_is_accepted_until_it_expires():
    assert judge(stored(), CODE, NOW) is Verdict.ACCEPTED
    assert judge(stored(), CODE, NOW + timedelta(days=30)) is Verdict.EXPIRED


def test_an_unknown_lookup_id_and_a_revoked_code_are_refused():
    assert judge(None, CODE, NOW) is Verdict.UNKNOWN
    assert judge(stored(revoked=True), CODE, NOW) is Verdict.REVOKED


def test_the_fifth_wrong_secret_locks_the_code_out():
    wrong = BookingCode(CODE.lookup, "EFGH24")
    for misses in range(MAX_MISSES - 1):
        assert judge(stored(misses=misses), wrong, NOW) is Verdict.WRONG_SECRET
    assert judge(stored(misses=MAX_MISSES - 1), wrong, NOW) is Verdict.LOCKED_OUT


def test_wrong_secrets_count_against_an_expired_code_too():
    wrong = BookingCode(CODE.lookup, "EFGH24")
    later = NOW + timedelta(days=31)
    assert judge(stored(misses=MAX_MISSES - 1), wrong, later) is Verdict.LOCKED_OUT
