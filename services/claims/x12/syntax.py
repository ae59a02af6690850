"""X12 delimiters, free-text cleaning and segment splitting shared by writer and readers."""

from dataclasses import dataclass
from typing import TypeAlias

from shared.x12_text import transliterate

ELEMENT_SEPARATOR = "*"
COMPONENT_SEPARATOR = ":"
REPETITION_SEPARATOR = "^"
SEGMENT_TERMINATOR = "~"

# ISA is fixed width: the element separator is its 4th character, the component
# separator ISA16 is the 105th and the segment terminator the 106th.
_ISA_LENGTH = 106

# A segment's id and elements. A tuple rather than a list: a tuple of strings drops out of
# the garbage collector's books at its first look, and a large 835 has hundreds of thousands.
Segment: TypeAlias = tuple[str, ...]


class X12SyntaxError(ValueError):
    """The text is not an X12 interchange we can read."""


def clean_text(value: str, max_length: int) -> str:
    """Return free text reduced to the X12 basic character set and cut to `max_length`."""
    return transliterate(value, max_length)


def segment(*elements: str) -> str:
    """Join a segment id and its elements, dropping trailing empty elements."""
    values = list(elements)
    while values and values[-1] == "":
        values.pop()
    return ELEMENT_SEPARATOR.join(values) + SEGMENT_TERMINATOR


def composite(*components: str) -> str:
    """Join the components of a composite element, dropping trailing empty components."""
    values = list(components)
    while values and values[-1] == "":
        values.pop()
    return COMPONENT_SEPARATOR.join(values)


@dataclass(frozen=True)
class Segments:
    """An interchange split into segments of elements, and the separators it uses."""

    segments: list[Segment]
    component_separator: str
    element_separator: str = ELEMENT_SEPARATOR

    def text(self, elements: Segment) -> str:
        """A segment as it stood in the interchange (without its terminator): evidence."""
        return self.element_separator.join(elements)

    def transaction_set_id(self) -> str:
        """ST01 of the (first) transaction set, or "" when there is none."""
        return next((element(s, 1) for s in self.segments if s[0] == "ST"), "")


def split_segments(text: str) -> Segments:
    """Split an interchange into segments of elements, using the delimiters its ISA declares."""
    text = text.lstrip()
    if not text.startswith("ISA") or len(text) < _ISA_LENGTH:
        raise X12SyntaxError("an interchange starts with a 106-character ISA segment")
    element_separator = text[3]
    terminator = text[_ISA_LENGTH - 1]
    segments = []
    for raw in text.split(terminator):
        raw = raw.strip()
        if raw:
            segments.append(tuple(raw.split(element_separator)))
    return Segments(
        segments, component_separator=text[_ISA_LENGTH - 2], element_separator=element_separator
    )


def element(elements: Segment, position: int) -> str:
    """Element ``position`` of a segment (1 = the first after the id), or "" when absent."""
    return elements[position] if position < len(elements) else ""
