"""A physician's clearance for a client whose screening waits for one."""

from dataclasses import dataclass
from datetime import date

from services.screening.domain.errors import InvalidClearance
from shared.identifiers import is_valid_npi
from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, TECHNIQUES


@dataclass(frozen=True)
class Clearance:
    """Who cleared the client, when, and any restrictions the physician added."""

    physician_name: str
    physician_npi: str
    cleared_on: date
    restricted_techniques: frozenset[str] = frozenset()
    restricted_regions: frozenset[str] = frozenset()
    pressure_limit: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "restricted_techniques", frozenset(self.restricted_techniques))
        object.__setattr__(self, "restricted_regions", frozenset(self.restricted_regions))
        if not self.physician_name.strip():
            raise InvalidClearance("the clearing physician's name is required")
        if not is_valid_npi(self.physician_npi):
            raise InvalidClearance(f"{self.physician_npi!r} is not a valid NPI")
        unknown = (self.restricted_techniques - TECHNIQUES) | (
            self.restricted_regions - BODY_REGIONS
        )
        if unknown:
            raise InvalidClearance(f"unknown techniques or body regions: {sorted(unknown)}")
        if self.pressure_limit is not None and self.pressure_limit not in PRESSURE_LEVELS:
            raise InvalidClearance(f"unknown pressure level {self.pressure_limit!r}")

    def check_dated_by(self, today: date) -> None:
        """Refuse a clearance dated after the clinic's today: nobody can have signed it yet."""
        if self.cleared_on > today:
            raise InvalidClearance.field("cleared_on", "Must not be in the future.")
