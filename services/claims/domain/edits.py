"""NCCI-style procedure-to-procedure edits: which code pairs need a modifier on the same day.

Default (docs/DOMAIN.md §Edits): 97140 (column 1) with 97124 (column 2) on separate body
regions puts XS (or 59) on the column-2 code. On the same region the pair is not distinct and a
billing specialist has to decide, so the claim goes to review.

The table can differ by payer: an edit naming a payer replaces, for that payer, the edits of the
same pair that name none. Which distinct-procedure modifier goes on the line, 59 or XS, is the
payer's setting; only one of 59/XE/XP/XS/XU ever goes on a line (NCCI policy manual ch. 1
§E: 59 is not reported with an X{EPSU} modifier on the same line).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from services.claims.domain.records import CodingEdit, Payer, Reason

DISTINCT_PROCEDURE_MODIFIERS = ("59", "XE", "XP", "XS", "XU")
# The two a payer chooses between for "separate structure": the general 59 or the specific XS.
SEPARATE_STRUCTURE = ("59", "XS")


@dataclass(frozen=True)
class EditOutcome:
    """Modifiers to add per code, the column-1 code each modified code was distinct from,
    and reasons the pair cannot be billed as it stands."""

    modifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: tuple[Reason, ...] = ()
    distinct_from: dict[str, str] = field(default_factory=dict)


def edits_for(edits: Iterable[CodingEdit], payer_id: str | None, day: date) -> list[CodingEdit]:
    """The edits in force for ``payer_id`` on ``day``: its own for a pair, else the general."""
    in_effect = [edit for edit in edits if edit.in_effect_on(day)]
    own_pairs = {
        (edit.column1, edit.column2)
        for edit in in_effect
        if payer_id is not None and edit.payer_id == payer_id
    }
    chosen = [
        edit
        for edit in in_effect
        if (edit.payer_id == payer_id and payer_id is not None)
        or (edit.payer_id is None and (edit.column1, edit.column2) not in own_pairs)
    ]
    return sorted(chosen, key=lambda edit: (edit.column1, edit.column2, edit.effective_from))


def modifier_for(edit: CodingEdit, payer: Payer | None) -> str:
    """The modifier this payer takes for the edit: its own choice of 59 or XS."""
    if payer is not None and payer.distinct_modifier and edit.modifier in SEPARATE_STRUCTURE:
        return payer.distinct_modifier
    return edit.modifier


def apply_coding_edits(
    regions_by_code: dict[str, frozenset[str]],
    edits: Iterable[CodingEdit],
    day: date,
    payer: Payer | None = None,
) -> EditOutcome:
    """Check every edit in force for the payer on ``day`` against the codes billed that day."""
    modifiers: dict[str, tuple[str, ...]] = {}
    distinct_from: dict[str, str] = {}
    reasons: list[Reason] = []
    for edit in edits_for(edits, payer.payer_id if payer else None, day):
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
        # One distinct-procedure modifier per line: a second edit on the same code says
        # nothing the first did not.
        if not any(m in DISTINCT_PROCEDURE_MODIFIERS for m in current):
            modifiers[edit.column2] = (*current, modifier_for(edit, payer))
            distinct_from[edit.column2] = edit.column1
    return EditOutcome(modifiers=modifiers, reasons=tuple(reasons), distinct_from=distinct_from)
