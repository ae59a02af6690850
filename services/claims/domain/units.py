"""Units to bill per code, counted the way the payer counts them."""

from __future__ import annotations

from services.claims.domain.records import Session
from shared.billing.units import compute_units


def billable_units(session: Session, counting_method: str | None) -> dict[str, int]:
    """Units per code; recounted from the minutes when the payer's method differs.

    Scheduling counts with the clinic's default method; a payer that counts another way
    (per_code: each code on its own) gets the units its method gives for the same minutes.
    """
    if counting_method is None or counting_method == session.counting_method:
        return {c.code: c.units for c in sorted(session.codes, key=lambda c: c.code) if c.units > 0}
    return compute_units({c.code: c.minutes for c in session.codes}, counting_method)
