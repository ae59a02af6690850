"""Claim ids: what we put in CLM01, and how a payer's echo of it is recognised.

Many payers keep only the first 20 characters of CLM01 and echo those in the 277CA TRN02
and the 835 CLP01 (docs/DOMAIN.md §Acknowledgements, patient control number). New ids are
20 characters, so they come back whole; ids made before (38 characters, "C-" + a UUID) are
still recognised from their first 20.
"""

from __future__ import annotations

import base64
import secrets

ECHO_LENGTH = 20  # what such payers keep of CLM01
_RANDOM_CHARACTERS = ECHO_LENGTH - 1  # after the "C"


def new_claim_id() -> str:
    """A fresh claim id: "C" and 19 random base32 characters (95 bits), 20 in all.

    Upper-case letters and digits only, so a payer that upper-cases CLM01 echoes it as sent.
    """
    random = base64.b32encode(secrets.token_bytes(15)).decode("ascii")
    return "C" + random[:_RANDOM_CHARACTERS]


def echo_key(echo: str) -> str:
    """The part of an echo every match compares first (upper case, at most 20 characters)."""
    return echo.strip().upper()[:ECHO_LENGTH]


def echoes(claim_id: str, echo: str) -> bool:
    """Whether ``echo`` (a TRN02 or CLP01) names ``claim_id``: whole, or cut to 20 characters.

    Case-blind, because some payers upper-case what they echo. A shorter or longer piece
    of the id is not a match: only the whole id or exactly its first 20 characters.
    """
    ours, theirs = claim_id.upper(), echo.strip().upper()
    return theirs == ours or (len(theirs) == ECHO_LENGTH and ours.startswith(theirs))
