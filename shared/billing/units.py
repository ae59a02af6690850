"""The 15-minute unit rules for timed codes (97124, 97140): how many units a visit bills.

Two counting methods exist and each payer uses one (docs/DOMAIN.md §Units):

- ``"cms"`` — CMS total-time "8-minute rule", Medicare Claims Processing Manual
  (Pub 100-04) ch.5 §20.2. The visit's total timed minutes set the total units; each
  code first gets its whole 15-minute units, then the units still left over go one at
  a time to the codes with the most leftover minutes. A code performed for under
  8 minutes can therefore still bill a unit (§20.2 example 3: 33 min 97110 + 7 min
  97140 bills 2 x 97110 and 1 x 97140).
- ``"per_code"`` — AMA/CPT "substantial portion": each code on its own, 1 unit from
  8 minutes and one more per further 15; a code under 8 minutes is not billed.

Both methods leave out codes that bill zero units, so a result lists only billable
lines. Results are sorted by code, so equal inputs give equal outputs in any order.
"""

from collections.abc import Mapping

UNIT_MINUTES = 15
CMS = "cms"
PER_CODE = "per_code"
COUNTING_METHODS: tuple[str, ...] = (CMS, PER_CODE)


def units_for_minutes(minutes: int) -> int:
    """Units the 8-minute table gives for these minutes: 8-22 = 1, 23-37 = 2, ..., < 8 = 0."""
    if minutes < 0:
        raise ValueError(f"minutes cannot be negative: {minutes}")
    # A unit is earned from just past half of it (8 of 15 minutes): round half up.
    return (minutes + UNIT_MINUTES // 2) // UNIT_MINUTES


def compute_units(minutes_by_code: Mapping[str, int], method: str = CMS) -> dict[str, int]:
    """Units to bill per timed code for one visit, counted by the payer's method."""
    if method not in COUNTING_METHODS:
        raise ValueError(
            f"unknown counting method {method!r}; expected one of {sorted(COUNTING_METHODS)}"
        )
    for code, minutes in minutes_by_code.items():
        if minutes < 0:
            raise ValueError(f"minutes for {code} cannot be negative: {minutes}")
    if method == PER_CODE:
        units = {code: units_for_minutes(minutes) for code, minutes in minutes_by_code.items()}
    else:
        units = _total_time_units(minutes_by_code)
    return {code: units[code] for code in sorted(units) if units[code] > 0}


def _total_time_units(minutes_by_code: Mapping[str, int]) -> dict[str, int]:
    """Pub 100-04 ch.5 §20.2: share the total-time units out among the codes."""
    total_units = units_for_minutes(sum(minutes_by_code.values()))
    # "If a service ... is performed for at least 15 minutes, that service shall be
    # billed for at least one unit": whole units first.
    units = {code: minutes // UNIT_MINUTES for code, minutes in minutes_by_code.items()}
    remaining = total_units - sum(units.values())
    # Remaining units go to the largest leftovers (§20.2 examples 1, 3 and 4). The
    # manual lets the biller pick when leftovers tie (example 2: "choose either code");
    # we pick the code with more total minutes, then the lower code number, so the same
    # record always produces the same claim. `remaining` never exceeds the number of
    # codes with leftover minutes, so no code gets more than one of these units.
    by_leftover = sorted(
        minutes_by_code,
        key=lambda code: (
            -(minutes_by_code[code] % UNIT_MINUTES),
            -minutes_by_code[code],
            code,
        ),
    )
    for code in by_leftover[:remaining]:
        units[code] += 1
    return units
