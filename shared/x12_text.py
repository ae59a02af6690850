"""Free text as the X12 basic character set can carry it, for names and addresses in X12.

Names and addresses keep the person's own spelling everywhere else (screening, display);
only when a claim is rendered are they reduced to what every payer accepts (X12.6 basic
character set: upper-case letters, digits, space and ``! " & ' ( ) + , - . / ; ? =``), our
delimiters ``* : ~ ^`` never among them. Accents are taken off (NFKD), a few letters
Unicode does not decompose are spelled out, anything else becomes a space.
"""

import re
import unicodedata

_NOT_BASIC = re.compile(r"""[^A-Z0-9!"&'()+,\-./;?= ]""")
_SPACES = re.compile(r" {2,}")
# Letters that Unicode does not decompose into a base letter plus an accent.
_TRANSLITERATIONS = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH"}
)  # fmt: skip


def to_x12_text(value: str) -> str:
    """``value`` in the X12 basic character set, upper case, single-spaced and trimmed."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_TRANSLITERATIONS))
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    basic = _NOT_BASIC.sub(" ", ascii_text.upper())
    return _SPACES.sub(" ", basic).strip()
