"""Small X12 writing helpers the sandbox's outgoing documents (TA1, 277CA, 835) share."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

ELEMENT_SEPARATOR = "*"
COMPONENT_SEPARATOR = ":"
REPETITION_SEPARATOR = "^"
SEGMENT_TERMINATOR = "~"


def segment(*elements: str) -> str:
    """One segment, trailing empty elements dropped."""
    values = list(elements)
    while values and values[-1] == "":
        values.pop()
    return ELEMENT_SEPARATOR.join(values) + SEGMENT_TERMINATOR


def composite(*components: str) -> str:
    """One composite element, trailing empty components dropped."""
    values = list(components)
    while values and values[-1] == "":
        values.pop()
    return COMPONENT_SEPARATOR.join(values)


def amount(value: Decimal) -> str:
    """An X12 R (decimal) value: no exponent, no trailing zeros, e.g. 60.00 -> "60"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@dataclass(frozen=True)
class Envelope:
    """Who an outgoing interchange is from and to, its control number and creation time."""

    sender_id: str  # ISA06: the clearinghouse (the 837's ISA08)
    receiver_id: str  # ISA08: the submitter (the 837's ISA06)
    control_number: int  # ISA13, GS06
    usage: str  # ISA15, copied from the 837
    created_at: datetime

    @property
    def day(self) -> str:
        """CCYYMMDD of the creation time."""
        return self.created_at.strftime("%Y%m%d")

    @property
    def time(self) -> str:
        """HHMM of the creation time."""
        return self.created_at.strftime("%H%M")

    def isa(self) -> str:
        """The fixed-width ISA; ISA14 0: we ask for no TA1 to our own documents."""
        return segment(
            *("ISA", "00", " " * 10, "00", " " * 10),
            *("ZZ", self.sender_id.ljust(15), "ZZ", self.receiver_id.ljust(15)),
            self.created_at.strftime("%y%m%d"),
            self.time,
            REPETITION_SEPARATOR,
            "00501",
            f"{self.control_number:09d}",
            "0",
            self.usage,
            COMPONENT_SEPARATOR,
        )

    def iea(self, groups: int) -> str:
        """The interchange trailer: how many functional groups, and ISA13 again."""
        return segment("IEA", str(groups), f"{self.control_number:09d}")

    def wrap(self, functional_id: str, guide: str, transaction: list[str]) -> str:
        """ISA/GS ... GE/IEA around one transaction set (ST...SE) of `guide`."""
        gs = segment(
            "GS",
            functional_id,
            self.sender_id,
            self.receiver_id,
            self.day,
            self.time,
            str(self.control_number),
            "X",
            guide,
        )
        ge = segment("GE", "1", str(self.control_number))
        return "".join([self.isa(), gs, *transaction, ge, self.iea(1)])


def transaction_set(kind: str, body: list[str], guide: str = "", number: str = "0001") -> list[str]:
    """ST ... SE around `body` (ST03 only where the guide uses it); SE01 counts ST and SE."""
    return [segment("ST", kind, number, guide), *body, segment("SE", str(len(body) + 2), number)]


def render_ta1(
    envelope: Envelope, interchange_number: str, date: str, time: str, note_code: str
) -> str:
    """A TA1 rejecting interchange `interchange_number` (its ISA13, ISA09 date, ISA10 time)."""
    ta1 = segment("TA1", interchange_number, date, time, "R", note_code)
    return envelope.isa() + ta1 + envelope.iea(0)
