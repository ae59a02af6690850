"""Booking codes: the credential a client types into the widget to book for themselves.

A code is 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
``XXXX-XXXXXX`` so it can be read out on the phone; case, spaces and dashes do not matter
when it is typed. The first 4 characters are its lookup id (stored as they are, so a
typed code is found); the other 6 are its secret (stored only as a SHA-256 hash). Knowing
which code a guess was aimed at is what lets wrong guesses be counted per code:
``MAX_MISSES`` wrong secrets revoke it, and the client asks the front desk for a new one.

31^10 (about 2^49.5) codes exist; a guess at a code whose lookup id is right still has one
chance in 31^6 (about 887 million) per try, and five tries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LOOKUP_LENGTH = 4
SECRET_LENGTH = 6
LENGTH = LOOKUP_LENGTH + SECRET_LENGTH
MAX_MISSES = 5
DEFAULT_DAYS = 30
_IGNORED = str.maketrans("", "", " -\t")


@dataclass(frozen=True)
class BookingCode:
    """A code as the client holds it: the lookup id and the secret."""

    lookup: str
    secret: str

    def __str__(self) -> str:
        return f"{self.lookup}-{self.secret}"

    def secret_hash(self) -> str:
        """What is stored of the secret: SHA-256 of it, salted with its lookup id."""
        return hash_secret(self.lookup, self.secret)


def hash_secret(lookup: str, secret: str) -> str:
    """SHA-256 (hex) of a code's secret, with its lookup id in front as salt."""
    return hashlib.sha256(f"{lookup}:{secret}".encode()).hexdigest()


def new_code(choose: Callable[[str], str] = secrets.choice) -> BookingCode:
    """A fresh random code (``choose`` picks one character; the CSPRNG by default)."""
    characters = "".join(choose(ALPHABET) for _ in range(LENGTH))
    return BookingCode(characters[:LOOKUP_LENGTH], characters[LOOKUP_LENGTH:])


def parse_code(text: str) -> BookingCode | None:
    """The code a client typed, whatever its case, spaces and dashes; None if it is none."""
    characters = text.translate(_IGNORED).upper()
    if len(characters) != LENGTH or not all(c in ALPHABET for c in characters):
        return None
    return BookingCode(characters[:LOOKUP_LENGTH], characters[LOOKUP_LENGTH:])


class Verdict(Enum):
    """What presenting a code comes to."""

    ACCEPTED = "accepted"
    UNKNOWN = "unknown"  # no code has this lookup id (or the text is no code at all)
    EXPIRED = "expired"
    REVOKED = "revoked"  # by the front desk, or earlier by too many wrong secrets
    WRONG_SECRET = "wrong_secret"  # counted; the code lives on
    LOCKED_OUT = "locked_out"  # this wrong secret was one too many: the code is revoked now


@dataclass(frozen=True)
class StoredCode:
    """What scheduling keeps of a client's code: never the code itself."""

    client_id: str
    lookup: str
    secret_hash: str
    expires_at: datetime
    misses: int
    revoked: bool


def judge(stored: StoredCode | None, code: BookingCode, now: datetime) -> Verdict:
    """Decide a presented code against the stored one with its lookup id."""
    if stored is None:
        return Verdict.UNKNOWN
    if stored.revoked:
        return Verdict.REVOKED
    if not hmac.compare_digest(stored.secret_hash, code.secret_hash()):
        # Counted before expiry is told apart, so an expired code cannot be probed freely.
        return Verdict.LOCKED_OUT if stored.misses + 1 >= MAX_MISSES else Verdict.WRONG_SECRET
    if now >= stored.expires_at:
        return Verdict.EXPIRED
    return Verdict.ACCEPTED
