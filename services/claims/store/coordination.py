"""Secondary payers: which claims have one, and the secondary claim of a primary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from services.claims.store.tables import claims, clients

_IDS_PER_QUERY = 500  # ids bound in one IN (...): well under SQLite's variable limit
VOID_FREQUENCY = "8"


def claims_with_a_secondary(connection: Connection, claim_ids: Iterable[str]) -> set[str]:
    """Of these claims, the primary ones (no void) whose client has a secondary payer now.

    One query per few hundred claims: posting a large 835 asks it once.
    """
    wanted = sorted(set(claim_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        chunk = wanted[start : start + _IDS_PER_QUERY]
        found.update(
            connection.execute(
                select(claims.c.claim_id)
                .join(clients, clients.c.client_id == claims.c.client_id)
                .where(
                    claims.c.claim_id.in_(chunk),
                    claims.c.primary_claim_id.is_(None),
                    claims.c.frequency != VOID_FREQUENCY,
                    clients.c.secondary_payer_id.is_not(None),
                )
            ).scalars()
        )
    return found


def secondary_of(connection: Connection, primary_claim_id: str) -> Any | None:
    """The first secondary claim made for a primary claim, or None."""
    return connection.execute(
        select(claims)
        .where(claims.c.primary_claim_id == primary_claim_id)
        .order_by(claims.c.created_at)
        .limit(1)
    ).first()


def next_attempt(connection: Connection, session_id: str, first: int) -> int:
    """The next attempt number of a session's claims in the series starting at ``first``."""
    last = connection.execute(
        select(func.max(claims.c.attempt)).where(
            claims.c.session_id == session_id, claims.c.attempt >= first
        )
    ).scalar()
    return first if last is None else int(last) + 1
