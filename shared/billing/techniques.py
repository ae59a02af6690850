"""Which CPT code each massage technique bills under, and a session's minutes per code.

The map is clinic data (``technique_codes.json`` ships the default); a clinic may
point at its own file.
"""

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from shared.vocabulary import TECHNIQUES, TIMED_CODES

DEFAULT_TECHNIQUE_CODES = Path(__file__).with_name("technique_codes.json")


def load_technique_codes(path: str | Path | None = None) -> dict[str, str]:
    """Read a technique -> CPT code map; the clinic default when no path is given."""
    source = Path(path) if path is not None else DEFAULT_TECHNIQUE_CODES
    codes = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(codes, dict):
        raise ValueError(f"{source}: expected an object of technique -> code")
    unknown = sorted(set(codes) - TECHNIQUES)
    if unknown:
        raise ValueError(f"{source}: unknown techniques {unknown}")
    untimed = sorted({code for code in codes.values() if code not in TIMED_CODES})
    if untimed:
        # Units are counted in 15 minutes; only timed codes can take minutes.
        raise ValueError(f"{source}: not timed codes {untimed}")
    return dict(codes)


def minutes_by_code(
    technique_minutes: Mapping[str, int] | Iterable[tuple[str, int]],
    technique_codes: Mapping[str, str],
) -> dict[str, int]:
    """Add up a session's minutes per CPT code from its minutes per technique."""
    pairs = (
        technique_minutes.items() if isinstance(technique_minutes, Mapping) else technique_minutes
    )
    totals: dict[str, int] = {}
    for technique, minutes in pairs:
        if technique not in technique_codes:
            raise ValueError(f"no billing code for technique {technique!r}")
        code = technique_codes[technique]
        totals[code] = totals.get(code, 0) + minutes
    return totals
