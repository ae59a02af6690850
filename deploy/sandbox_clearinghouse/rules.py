"""Which claims the sandbox payer front end rejects, loaded from JSON so tests can choose."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.sandbox_clearinghouse.submission import SubmittedClaim


@dataclass(frozen=True)
class Verdict:
    """The claim-level STC of a 277CA: category:status code:entity, action and free text."""

    category: str
    status_code: str
    entity: str
    message: str = ""

    @property
    def accepted(self) -> bool:
        """A2 = accepted into adjudication; every other category we send is a rejection."""
        return self.category == "A2"


ACCEPTED = Verdict("A2", "20", "PR")  # 20: accepted for processing


@dataclass(frozen=True)
class RejectionRules:
    """Member ids, payer ids and prior-authorization demands that make a claim bounce."""

    reject_member_ids: frozenset[str] = frozenset()
    reject_payer_ids: frozenset[str] = frozenset()
    reject_when_missing_prior_auth_for_payers: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "RejectionRules":
        """Build rules from the JSON shape, refusing keys we do not know (typos hide rules)."""
        unknown = set(data) - {
            "reject_member_ids",
            "reject_payer_ids",
            "reject_when_missing_prior_auth_for_payers",
        }
        if unknown:
            raise ValueError(f"unknown rule keys: {sorted(unknown)}")
        return cls(**{key: frozenset(values) for key, values in data.items()})

    @classmethod
    def from_file(cls, path: str | Path) -> "RejectionRules":
        """Load rules from a JSON file."""
        return cls.from_mapping(json.loads(Path(path).read_text()))

    def judge(self, claim: SubmittedClaim) -> Verdict:
        """Return the front end's verdict on one claim; the first matching rule wins."""
        # Status code 21 = missing or invalid information; the entity says whose.
        if claim.payer_id in self.reject_payer_ids:
            return Verdict("A3", "21", "PR", "Payer id is not accepted by this clearinghouse")
        if claim.member_id in self.reject_member_ids:
            return Verdict("A7", "21", "IL", "Subscriber member id not found")
        if (
            claim.payer_id in self.reject_when_missing_prior_auth_for_payers
            and not claim.has_prior_authorization
        ):
            return Verdict("A6", "21", "PR", "Prior authorization number required by payer")
        return ACCEPTED
