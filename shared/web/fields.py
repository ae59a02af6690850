"""Text fields for request schemas: free text that cannot hide or break what it shows.

Refused in every text field:

- C0 and C1 control characters (U+0000-U+001F, U+007F-U+009F), NUL among them: they
  end C strings, corrupt X12 segments and terminals, and no name or address needs them;
- the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
  they reorder how the rest of the line is *shown* ("Trojan Source", CVE-2021-42574), so a
  name or a member id could read differently to the front desk than it is stored;
- lone surrogates (U+D800-U+DFFF, reachable through JSON ``\\ud800`` escapes): they are not
  characters and cannot be encoded as UTF-8, so the database would fail on them.

Single-line fields (names, addresses, ids) also refuse U+2028/U+2029, the Unicode line and
paragraph separators. Multi-line fields (notes) keep tab, line feed, carriage return and
those separators. The bidi *marks* U+200E, U+200F and U+061C stay allowed: they reorder
nothing by themselves (they act as one strong letter) and are what writers of Hebrew,
Arabic or Persian use to show a name mixing scripts correctly.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields

_HIDDEN = "\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_SINGLE_LINE = re.compile(f"[\x00-\x1f\u2028\u2029{_HIDDEN}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_HIDDEN}]")

SINGLE_LINE_MESSAGE = (
    "Must not contain control characters, line breaks or bidirectional override characters."
)
MULTI_LINE_MESSAGE = (
    "Must not contain control characters (other than tab and line breaks) or bidirectional "
    "override characters."
)


def is_single_line_text(value: str) -> bool:
    """Whether ``value`` holds none of the characters ``single_line_text`` refuses."""
    return _SINGLE_LINE.search(value) is None


def single_line_text(value: str) -> None:
    """Validator: refuse control, line-break, bidi override/isolate and surrogate characters."""
    if not is_single_line_text(value):
        raise ValidationError(SINGLE_LINE_MESSAGE)


def multi_line_text(value: str) -> None:
    """Validator: as ``single_line_text``, but tab and line breaks are allowed."""
    if _MULTI_LINE.search(value):
        raise ValidationError(MULTI_LINE_MESSAGE)


class Text(fields.String):
    """A string field that refuses hidden characters (see the module); use it for free text.

    ``multiline=True`` for notes that may hold line breaks. Other validators (length,
    pattern) run after this check, so a pattern's ``$`` cannot let a trailing newline in.
    """

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        (multi_line_text if self.multiline else single_line_text)(text)
        return text
