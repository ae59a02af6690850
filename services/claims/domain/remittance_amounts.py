"""An amount in words as ``f"{amount:.2f}"`` writes it, without Decimal's formatter when it can.

Posting an 835 writes a dozen amounts per claim payment into its reasons, notes and
evidence; ``format(Decimal, ".2f")`` parses the format spec every time and costs about
nine times ``str()``. An amount read from an 835 already has two decimals, and then
``str()`` is exactly the same text (tests/unit/claims/test_remittance_amounts.py).
"""

from __future__ import annotations

from decimal import Decimal


def two_places(amount: Decimal) -> str:
    """``f"{amount:.2f}"``: the amount rounded to cents (half even), as plain digits."""
    text = str(amount)
    # "12.34", "-0.50": exactly two decimals and no exponent, so nothing to round or expand.
    if len(text) > 3 and text[-3] == "." and "E" not in text:
        return text
    return f"{amount:.2f}"
