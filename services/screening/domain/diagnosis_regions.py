"""Which prescribed body regions each diagnosis of a referral covers (docs/DOMAIN.md §Referral).

Medical massage treats only the areas related to the diagnosis. Claims points each
837P line at the diagnoses of the regions the line treated (SV107), so a neck line with
XS does not point at the low-back diagnosis. The map must therefore be complete both
ways: every diagnosis covers at least one prescribed region, and every prescribed region
is covered by at least one diagnosis (a line on a region no diagnosis covers would have
nothing to point at).

When the map is left out it is derived only where just one complete map exists: one
diagnosis (it covers every region) or one region (every diagnosis covers it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shared.identifiers import is_valid_icd10_cm, normalise_icd10_cm

DiagnosisRegions = tuple[tuple[str, tuple[str, ...]], ...]


def diagnosis_regions_of(
    diagnoses: Sequence[str],
    body_regions: Sequence[str],
    given: Sequence[dict[str, Any]] | None,
    problem: Callable[[str], None],
) -> DiagnosisRegions:
    """The map in diagnosis order, regions sorted; each inconsistency goes to ``problem``.

    ``diagnoses`` are canonical; ``given`` is the map as sent (None: left out).
    """
    regions = sorted(set(body_regions))
    if given is None:
        if len(diagnoses) == 1 or len(regions) == 1:
            return tuple((diagnosis, tuple(regions)) for diagnosis in diagnoses)
        problem("Say which prescribed body regions each diagnosis covers: with several "
                "diagnoses and several regions the referral does not tell.")
        return ()
    covered: dict[str, set[str]] = {}
    for entry in given:
        code = entry["diagnosis"]
        canonical = normalise_icd10_cm(code) if is_valid_icd10_cm(code) else code
        if canonical not in diagnoses:
            problem(f"{canonical} is not one of the referral's diagnoses.")
            continue
        if canonical in covered:
            problem(f"{canonical} is mapped twice; list all its regions in one entry.")
        for region in entry["body_regions"]:
            if region not in regions:
                problem(f"{region} is not one of the prescribed body regions ({canonical}).")
        covered.setdefault(canonical, set()).update(set(entry["body_regions"]) & set(regions))
    for diagnosis in diagnoses:
        if not covered.get(diagnosis):
            problem(f"{diagnosis} covers no prescribed body region.")
    for region in regions:
        if not any(region in found for found in covered.values()):
            problem(f"No diagnosis covers the prescribed region {region}.")
    return tuple((diagnosis, tuple(sorted(covered.get(diagnosis, ())))) for diagnosis in diagnoses)
