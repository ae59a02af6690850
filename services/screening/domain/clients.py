"""Recognising the same client entered twice."""

import unicodedata
from datetime import date


def client_identity_key(
    last_name: str, first_name: str, birth_date: date, member_id: str | None
) -> str:
    """A key equal for two entries of one client despite case, spacing and accent forms."""
    member = "".join((member_id or "").split()).upper()
    return "|".join((_name(last_name), _name(first_name), birth_date.isoformat(), member))


def name_search_key(name: str) -> str:
    """A name as the front desk searches it: case, spacing and accents ignored."""
    # Decompose, then drop the combining marks: "Ōkafor" is found by typing "okafor".
    decomposed = unicodedata.normalize("NFKD", _name(name))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _name(name: str) -> str:
    # NFKC so a composed and a decomposed "é" compare equal; casefold for "ß" and friends.
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
