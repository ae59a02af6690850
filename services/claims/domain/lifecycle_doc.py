"""The claim lifecycle drawn for people: docs/CLAIM_LIFECYCLE.md holds exactly this text.

Rendered from ``lifecycle.TRANSITIONS``, so the document cannot drift from the code
(tests/unit/claims/test_lifecycle.py compares them).
"""

from __future__ import annotations

from services.claims.domain.lifecycle import TRANSITIONS, State, Transition

_ORDER = list(State)


def mermaid() -> str:
    """The machine as a Mermaid state diagram, one arrow per (from, to) with its steps."""
    arrows: dict[tuple[str, str], list[str]] = {}
    for transition in TRANSITIONS.values():
        for start, end in _arrows(transition):
            arrows.setdefault((start, end), []).append(transition.step.value)
    lines = ["stateDiagram-v2"]
    for (start, end), steps in arrows.items():
        lines.append(f"    {start} --> {end}: {', '.join(steps)}")
    return "\n".join(lines) + "\n"


def steps_table() -> str:
    """Every step as a Markdown table row: from, to, the events it announces, what it means."""
    rows = ["| step | from | to | announces | when |", "| --- | --- | --- | --- | --- |"]
    for transition in TRANSITIONS.values():
        sources = ", ".join(s.value for s in _sorted(transition.sources)) or "(new claim)"
        target = transition.target.value if transition.target else "(stays)"
        events = ", ".join(f"`{event}`" for event in transition.events) or "-"
        rows.append(
            f"| `{transition.step.value}` | {sources} | {target} | {events} | "
            f"{transition.meaning} |"
        )
    return "\n".join(rows) + "\n"


def _arrows(transition: Transition) -> list[tuple[str, str]]:
    if not transition.sources:
        assert transition.target is not None  # a creating step names the state it creates
        return [("[*]", transition.target.value)]
    return [
        (source.value, transition.target_from(source).value)
        for source in _sorted(transition.sources)
    ]


def _sorted(states: frozenset[State]) -> list[State]:
    return sorted(states, key=_ORDER.index)
