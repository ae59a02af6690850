"""Who reads a client's screenings and referrals: the front desk and billing by role, a
therapist only for the clients they treat (SECURITY.md, "Who may see what").

A client a therapist treats is one with an appointment with them, past or booked (not
cancelled). Screening learns that from scheduling's appointment events, never by asking
scheduling: its care team projection (``store/care_team.py``).
"""

from __future__ import annotations

from collections.abc import Collection

# Roles that read every client's clinical records, each where its endpoints let it in.
READ_EVERY_CLIENT = frozenset({"front_desk", "billing", "admin"})


def reads_every_client(roles: Collection[str]) -> bool:
    """Whether the caller's roles read any client's records (else: their own clients')."""
    return not READ_EVERY_CLIENT.isdisjoint(roles)
