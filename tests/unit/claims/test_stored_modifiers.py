"""A claim line's stored modifiers are read back as the general split reads them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.claims.store.claims import _modifiers

_MODIFIER = st.text(alphabet="ABCXSGP59,", max_size=3)


@given(st.lists(_MODIFIER, max_size=4).map(",".join))
def test_stored_modifiers_are_read_as_splitting_on_commas_and_dropping_empties_reads_them(
    stored: str,
) -> None:
    assert _modifiers(stored) == tuple(m for m in stored.split(",") if m)
