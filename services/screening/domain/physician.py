"""The referring physician's name, recorded in parts so no reader has to split it.

Claims renders the referring provider (2310A NM1*DN) from the last and first name; a
payer matches them against its ordering/referring file, so "Anna Smith MD" read as last
name "MD" is a denial. The referral API takes the parts. The old single ``physician_name``
is still read, but only when it can be split one way: an optional "Dr." title, exactly
two name words (first, then last), and an optional credential from a fixed list
("Anna Smith MD", "Dr. Ada Okafor", "Anna Smith, M.D."). Anything else ("Maria de la
Cruz", "Smith, Anna", "Anna Maria Smith") is refused and the parts are asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Credentials a referring clinician signs with, compared without dots, hyphens or case.
CREDENTIALS = frozenset({
    "MD", "DO", "DC", "DPM", "DPT", "PT", "OD", "DDS", "DMD", "MBBS", "NP", "FNP", "APRN",
    "CNP", "DNP", "PA", "PAC", "RN", "PHD",
})
_TITLES = frozenset({"dr", "dr.", "doctor"})
# A name word: letters, possibly joined by a hyphen or an apostrophe (O'Neil, Smith-Jones).
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")


@dataclass(frozen=True)
class PhysicianName:
    """A physician's name in the parts NM1 needs, and as it is shown."""

    last_name: str
    first_name: str
    credential: str | None
    display: str


def composed(last_name: str, first_name: str, credential: str | None) -> str:
    """The display name built from the parts: "Anna Smith, MD"."""
    name = f"{first_name.strip()} {last_name.strip()}"
    return f"{name}, {credential.strip()}" if credential else name


def split_unambiguous(written: str) -> PhysicianName | None:
    """The parts of a one-line name when it can be split only one way, else None."""
    words = written.replace(",", " , ").split()
    if words and words[0].casefold() in _TITLES:
        words = words[1:]
    credential = None
    if words and _credential_key(words[-1]) in CREDENTIALS:
        credential = _credential_key(words.pop())
        if words and words[-1] == ",":
            words.pop()
    # A name word that is also a credential ("Anna Do", "Smith MD") could be read either
    # way: that is exactly the guess this refuses to make.
    if len(words) == 2 and all(_NAME_WORD.fullmatch(word)
                               and _credential_key(word) not in CREDENTIALS for word in words):
        first, last = words
        return PhysicianName(last, first, credential, written.strip())
    return None


def mentions(display: str, last_name: str, first_name: str) -> bool:
    """Whether a display name names the same person as the parts (case aside)."""
    shown = display.casefold()
    return last_name.strip().casefold() in shown and first_name.strip().casefold() in shown


def _credential_key(word: str) -> str:
    return re.sub(r"[.\-]", "", word).upper()
