"""What X12 can carry: identifiers checked as entered, names transliterated when rendered.

Two rules, because a wrong identifier and a foreign letter are different problems
(docs/DOMAIN.md §Identifiers):

- **Identifiers** (member id, group number, authorization number, payer id) are sent to
  the payer exactly as entered, so they are *checked*, never rewritten: only the X12
  basic character set minus the delimiters this project writes with, and the element's
  length. One bad character in one NM109 made a clearinghouse's 999 reject the whole
  interchange, every other client's claim with it. The one rewrite is letter case: the
  basic set has no lower case and payers' ids are not case-sensitive, so ``w123`` is
  kept as ``W123``.
- **Names and addresses** keep the person's own spelling for display ("Zoë Ångström")
  and are *transliterated* only when written into X12 ("ZOE ANGSTROM").

The basic character set (X12.6, the same set pyx12 checks 5010 data against): A-Z, 0-9,
space and ``! " & ' ( ) * + , - . / : ; ? =``. Our delimiters are ``*`` (element), ``:``
(component), ``^`` (repetition) and ``~`` (segment); the first two are in the basic set,
so they are refused in identifiers and blanked in transliterated text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

DELIMITERS = "*:^~"
# The basic character set without our delimiters.
_SAFE = re.compile(r"""[A-Z0-9!"&'()+,\-./;?= ]*""")
_NOT_SAFE = re.compile(r"""[^A-Z0-9!"&'()+,\-./;?= ]""")
_SPACES = re.compile(r" {2,}")
_LETTER_OR_DIGIT = re.compile(r"[A-Z0-9]")
# Letters Unicode does not decompose into a base letter plus marks: spelled out by hand.
_SPELLED_OUT = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS",
     "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
     "\u0131": "i", "ħ": "h", "Ħ": "H"}
)  # fmt: skip


@dataclass(frozen=True)
class Element:
    """An 837P (005010X222A1) data element an identifier is written into, and its sizes."""

    name: str
    min_length: int
    max_length: int


# Sizes from the X12 data element dictionary (pyx12's map for 5010: element 67
# "Identification Code" AN 2/80, element 127 "Reference Identification" AN 1/50).
MEMBER_ID = Element("NM109 (2010BA subscriber primary identifier)", 2, 80)
PAYER_ID = Element("NM109 (2010BB payer identifier)", 2, 80)
GROUP_NUMBER = Element("SBR03 (subscriber group or policy number)", 1, 50)
AUTHORIZATION_NUMBER = Element("REF02 of REF*G1 (prior authorization number)", 1, 50)


def as_identifier(value: str) -> str:
    """The identifier as kept and sent: outer spaces (only) trimmed, ASCII letters upper-cased."""
    return "".join(char.upper() if "a" <= char <= "z" else char for char in value.strip(" "))


def identifier_problem(value: str, element: Element) -> str | None:
    """Why ``as_identifier(value)`` cannot go into ``element``, or None when it can.

    The message names the offending character by its code point only when it is not
    printable, and never repeats the value (a member id is PHI).
    """
    kept = as_identifier(value)
    bad = _NOT_SAFE.search(kept)
    if bad:
        return (f"Contains {_describe(bad.group())}, which an X12 claim cannot carry: use "
                f"capital letters A-Z, digits, spaces and ! \" & ' ( ) + , - . / ; ? = only.")
    if not element.min_length <= len(kept) <= element.max_length:
        return (f"Must be {element.min_length}-{element.max_length} characters long "
                f"({element.name}).")
    return None


def is_x12_safe(value: str) -> bool:
    """Whether ``value`` holds only basic-set characters other than our delimiters."""
    return _SAFE.fullmatch(value) is not None


# Remembered by value: an 837P carries the same names and address lines on claim after
# claim (the clinic's, the payer's, the referring physician's, a client's on every visit),
# and each claim's model checks them as it is assembled and read back (docs/PERFORMANCE.md,
# "Claims"). Bounded, so a process's memory does not grow with its clients.
@functools.lru_cache(maxsize=4096)
def transliterate(value: str, max_length: int | None = None) -> str:
    """``value`` in the X12 basic character set: how a name or an address line is rendered.

    Letters lose their accents ("Zoë Ångström" -> "ZOE ANGSTROM"); letters Unicode does
    not decompose are spelled out (ø -> O, ß -> SS); everything else outside the basic
    set, our delimiters included, becomes a space; spaces are collapsed and the ends
    trimmed; then the text is cut to ``max_length``. Scripts with no Latin reading
    (Cyrillic, Han, ...) leave nothing: check ``has_x12_reading`` where a name is required.
    """
    decomposed = unicodedata.normalize("NFKD", value.translate(_SPELLED_OUT))
    ascii_only = "".join(char for char in decomposed
                         if not unicodedata.combining(char) and char.isascii())
    basic = _NOT_SAFE.sub(" ", ascii_only.upper())
    text = _SPACES.sub(" ", basic).strip()
    return text[:max_length].rstrip() if max_length is not None else text


def has_x12_reading(value: str) -> bool:
    """Whether ``transliterate(value)`` keeps at least one letter or digit."""
    return _LETTER_OR_DIGIT.search(transliterate(value)) is not None


def _describe(char: str) -> str:
    if char == " " or (char.isprintable() and not unicodedata.category(char).startswith("Z")):
        return f"'{char}' (U+{ord(char):04X})"
    return f"the invisible character U+{ord(char):04X}"
