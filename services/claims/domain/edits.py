"""NCCI-style procedure-to-procedure edits: which code pairs need a modifier on the same day.

Default (docs/DOMAIN.md §Edits): 97140 (column 1) with 97124 (column 2) on separate body
regions puts XS (or 59) on the column-2 code. On the same region the pair is not distinct and a
billing specialist has to decide, so the claim goes to review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from services.claims.domain.records import CodingEdit, Reason


@dataclass(frozen=True)
class EditOutcome:
    """Modifiers to add per code, and reasons the pair cannot be billed as it stands."""

    modifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()


def apply_coding_edits(
    regions_by_code: dict[str, frozenset[str]], edits: Iterable[CodingEdit], day: date
) -> EditOutcome:
    """Check every edit in effect on ``day`` against the codes billed that day."""
    modifiers: dict[str, tuple[str, ...]] = {}
    reasons: list[Reason] = []
    in_effect = sorted(
        (edit for edit in edits if edit.in_effect_on(day)),
        key=lambda edit: (edit.column1, edit.column2, edit.effective_from),
    )
    for edit in in_effect:
        if edit.column1 not in regions_by_code or edit.column2 not in regions_by_code:
            continue
        pair = f"{edit.column1}/{edit.column2}"
        if not edit.modifier_allowed:
            reasons.append(
                Reason("coding_edit_not_billable", f"{pair} cannot be billed on the same day")
            )
            continue
        shared = regions_by_code[edit.column1] & regions_by_code[edit.column2]
        if shared or not regions_by_code[edit.column2]:
            reasons.append(
                Reason(
                    "coding_edit_same_region",
                    f"{pair} were not given on separate body regions; the pair is not distinct",
                )
            )
            continue
        current = modifiers.get(edit.column2, ())
        if edit.modifier not in current:
            modifiers[edit.column2] = (*current, edit.modifier)
    return EditOutcome(modifiers=modifiers, reasons=tuple(reasons))
