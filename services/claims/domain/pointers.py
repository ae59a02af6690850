"""Which diagnoses each service line points at (SV107): those of the regions it treated.

Medical massage treats only the areas related to the diagnosis (docs/DOMAIN.md §Medical
massage): the referral maps each diagnosis to the body regions it covers, and a line points
at the diagnoses covering its own regions, principal first. A referral without the map
(recorded before it existed) keeps the old reading: every diagnosis covers every region.
A line that carries a distinct-procedure modifier (XS/59) is billed *because* it treated a
separate structure, so it points away from its column-1 line's diagnoses where the map
gives it any other.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.claims.domain.records import Referral

MAX_POINTERS = 4  # SV107 carries at most four diagnosis pointers


def pointers_for_regions(referral: Referral | None, regions: frozenset[str]) -> tuple[int, ...]:
    """1-based positions of every diagnosis of the referral covering any of ``regions``."""
    if referral is None:
        return ()
    diagnoses = referral.diagnoses
    if not referral.diagnosis_regions:
        return tuple(range(1, len(diagnoses) + 1))
    covers = dict(referral.diagnosis_regions)
    return tuple(
        position
        for position, diagnosis in enumerate(diagnoses, start=1)
        if covers.get(diagnosis, frozenset()) & regions
    )


def line_pointers(
    referral: Referral | None,
    regions_by_code: Mapping[str, frozenset[str]],
    distinct_from: Mapping[str, str],
) -> dict[str, tuple[int, ...]]:
    """Pointers per code (at most 4, principal first); a code modified as distinct from
    another leaves out the diagnoses that one points at, unless that would leave none."""
    every = {code: pointers_for_regions(referral, regions)
             for code, regions in regions_by_code.items()}
    pointers = {code: found[:MAX_POINTERS] for code, found in every.items()}
    for code, column1 in distinct_from.items():
        apart = tuple(p for p in every.get(code, ()) if p not in pointers.get(column1, ()))
        if apart:
            pointers[code] = apart[:MAX_POINTERS]
    return pointers
