"""Look inside rendered X12 in tests: segments by id, elements by position."""

from services.claims.x12.syntax import split_segments


def segments(x12_text: str, segment_id: str | None = None) -> list[list[str]]:
    """All segments (or those with `segment_id`) as lists of elements, id first."""
    found = split_segments(x12_text).segments
    return [list(s) for s in found if segment_id is None or s[0] == segment_id]


def only(x12_text: str, segment_id: str) -> list[str]:
    """The one segment with `segment_id`; fails the test if there are none or several."""
    found = segments(x12_text, segment_id)
    assert len(found) == 1, f"expected one {segment_id}, found {len(found)}"
    return found[0]


def names(x12_text: str, entity: str) -> list[list[str]]:
    """The NM1 segments for one entity identifier code (NM101), e.g. "IL" for the subscriber."""
    return [nm1 for nm1 in segments(x12_text, "NM1") if nm1[1] == entity]
