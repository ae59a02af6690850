"""How to reach a client for reminders: a phone number in E.164 and their time zone."""

from __future__ import annotations

import functools
import re
import zoneinfo

_DIALLED = re.compile(r"\+?[0-9 ()\-.]{7,24}")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# NANP: +1, then an area code and an exchange that do not start with 0 or 1.
_NANP = re.compile(r"\+1[2-9][0-9]{2}[2-9][0-9]{6}")


def e164_phone(written: str) -> str | None:
    """The number in E.164 (+15185550100), or None when it cannot be read as one.

    A number written with its + and country code is taken as it is. One without is read
    as a North American (NANP) number, the clinic's own: 10 digits, or 11 starting with 1.
    Anything else must be written with + and its country code: guessing a country would
    text a stranger.
    """
    if not _DIALLED.fullmatch(written.strip()):
        return None
    digits = re.sub(r"[^0-9]", "", written)
    if written.strip().startswith("+"):
        number = f"+{digits}"
    elif len(digits) == 10:
        number = f"+1{digits}"
    elif len(digits) == 11 and digits.startswith("1"):
        number = f"+{digits}"
    else:
        return None
    if not _E164.fullmatch(number):
        return None
    return number if not number.startswith("+1") or _NANP.fullmatch(number) else None


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is a zone of the IANA time zone database (America/New_York)."""
    return name in _zones()
