"""Screening precautions a therapist must respect when treating a client."""

from dataclasses import dataclass

from shared.vocabulary import PRESSURE_LEVELS


@dataclass(frozen=True)
class Restrictions:
    """Techniques and body regions to avoid, and the heaviest pressure allowed (if any)."""

    restricted_techniques: frozenset[str] = frozenset()
    restricted_regions: frozenset[str] = frozenset()
    pressure_limit: str | None = None

    def __post_init__(self) -> None:
        if self.pressure_limit is not None and self.pressure_limit not in PRESSURE_LEVELS:
            raise ValueError(f"unknown pressure level {self.pressure_limit!r}")

    def allows_pressure(self, pressure: str) -> bool:
        """Whether this pressure is at or under the limit (PRESSURE_LEVELS is lightest first)."""
        if self.pressure_limit is None:
            return True
        return PRESSURE_LEVELS.index(pressure) <= PRESSURE_LEVELS.index(self.pressure_limit)
