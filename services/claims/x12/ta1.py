"""Read a TA1 interchange acknowledgement: the receiver's verdict on our ISA/IEA envelope.

A clearinghouse answers a TA1 instead of a 999 when it could not open the envelope at
all (docs/DOMAIN.md §Acknowledgements). TA101 names our ISA13, TA104 is the verdict
(A accepted, E accepted with errors, R rejected) and TA105 the X12 interchange note code.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.claims.x12.syntax import X12SyntaxError, element, split_segments

# X12 TA105 interchange note codes (data element I18).
NOTE_CODES = {
    "000": "No error",
    "001": "The interchange control number in the header and trailer do not match",
    "002": "This standard as noted in the control standards identifier is not supported",
    "003": "This version of the controls is not supported",
    "004": "The segment terminator is invalid",
    "005": "Invalid interchange ID qualifier for sender",
    "006": "Invalid interchange sender ID",
    "007": "Invalid interchange ID qualifier for receiver",
    "008": "Invalid interchange receiver ID",
    "009": "Unknown interchange receiver ID",
    "010": "Invalid authorization information qualifier value",
    "011": "Invalid authorization information value",
    "012": "Invalid security information qualifier value",
    "013": "Invalid security information value",
    "014": "Invalid interchange date value",
    "015": "Invalid interchange time value",
    "016": "Invalid interchange standards identifier value",
    "017": "Invalid interchange version ID value",
    "018": "Invalid interchange control number value",
    "019": "Invalid acknowledgment requested value",
    "020": "Invalid test indicator value",
    "021": "Invalid number of included groups value",
    "022": "Invalid control structure",
    "023": "Improper (premature) end-of-file (transmission)",
    "024": "Invalid interchange content (e.g., invalid GS segment)",
    "025": "Duplicate interchange control number",
    "026": "Invalid data element separator",
    "027": "Invalid component element separator",
    "028": "Invalid delivery date in deferred delivery request",
    "029": "Invalid delivery time in deferred delivery request",
    "030": "Invalid delivery time code in deferred delivery request",
    "031": "Invalid grade of service code",
}
_VERDICTS = frozenset({"A", "E", "R"})


@dataclass(frozen=True)
class InterchangeAcknowledgement:
    """One TA1 segment."""

    control_number: str  # TA101: the ISA13 it answers
    status: str  # TA104: A, E or R
    note_code: str  # TA105
    segment: str  # the TA1 as received (evidence)

    @property
    def rejected(self) -> bool:
        """TA104 R: the interchange was not taken in; nothing inside it was read."""
        return self.status == "R"

    @property
    def note(self) -> str:
        """The note code's meaning, for a person."""
        return NOTE_CODES.get(self.note_code, f"interchange note code {self.note_code}")


def is_ta1(text: str) -> bool:
    """Whether ``text`` is an interchange that carries a TA1 (False for anything unreadable)."""
    try:
        return any(s[0] == "TA1" for s in split_segments(text).segments)
    except X12SyntaxError:
        return False


def parse_ta1(text: str) -> InterchangeAcknowledgement:
    """Read the (first) TA1 of an interchange; X12SyntaxError when there is none or it is bad."""
    interchange = split_segments(text)
    ta1 = next((s for s in interchange.segments if s[0] == "TA1"), None)
    if ta1 is None:
        raise X12SyntaxError("no TA1 segment")
    status = element(ta1, 4)
    if status not in _VERDICTS:
        raise X12SyntaxError(f"TA104 is not A, E or R: {status!r}")
    return InterchangeAcknowledgement(
        control_number=element(ta1, 1),
        status=status,
        note_code=element(ta1, 5),
        segment=interchange.text(ta1),
    )
