"""The client's answers to the health-history questionnaire, as screening reads them."""

from dataclasses import dataclass

from services.screening.domain.errors import InvalidQuestionnaire
from shared.vocabulary import BODY_REGIONS

INJURY_KINDS: frozenset[str] = frozenset({"fracture", "wound", "burn"})


@dataclass(frozen=True)
class Injury:
    """A fracture, wound or burn the client reports, where it is and whether it has healed."""

    kind: str
    body_region: str
    healed: bool

    def __post_init__(self) -> None:
        if self.kind not in INJURY_KINDS:
            raise InvalidQuestionnaire(f"unknown injury kind {self.kind!r}")
        if self.body_region not in BODY_REGIONS:
            raise InvalidQuestionnaire(f"unknown body region {self.body_region!r}")


@dataclass(frozen=True)
class Questionnaire:
    """Conditions (codes of the rules file), medications as written, injuries, platelets."""

    conditions: frozenset[str] = frozenset()
    medications: tuple[str, ...] = ()
    injuries: tuple[Injury, ...] = ()
    platelet_count: int | None = None  # per microlitre, when a recent lab value is known
    notes: str = ""

    def __post_init__(self) -> None:
        # Callers may pass lists or sets; the answers are kept immutable.
        object.__setattr__(self, "conditions", frozenset(self.conditions))
        object.__setattr__(self, "medications", tuple(self.medications))
        object.__setattr__(self, "injuries", tuple(self.injuries))
        if self.platelet_count is not None and self.platelet_count < 0:
            raise InvalidQuestionnaire("a platelet count cannot be negative")

    def unhealed_injuries(self) -> tuple[Injury, ...]:
        """The injuries that have not healed yet; a healed one restricts nothing."""
        return tuple(injury for injury in self.injuries if not injury.healed)
