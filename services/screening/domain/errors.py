"""What the screening domain refuses, as kinds of shared.errors that shared.web maps to answers.

Titles and slugs are the problem types the API has always answered with.
"""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, InvalidInput, NotFound, Refused


class RulesFileError(ValueError):
    """A rules or medications file names something the software does not know.

    Not a refusal of a request: the service refuses to start with such a file.
    """


class InvalidQuestionnaire(InvalidInput):
    """A questionnaire answer is not one the rules can judge."""


class InvalidClearance(InvalidInput):
    """A physician clearance is incomplete, names an invalid NPI, or is dated ahead."""


class InvalidReferral(InvalidInput):
    """A referral failed validation; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Some fields are missing or wrong; see errors.", errors=errors)


class NotBillable(Refused):
    """Something entered could not be carried on a claim; ``errors`` names each field.

    An identifier X12 cannot carry, a name with no letters X12 can write, a diagnosis
    that is not a billable ICD-10-CM code, a referral whose diagnoses and regions do not
    match, a secondary payer without a primary: each would be refused by the payer later,
    in an interchange shared with other clients' claims, so it is refused here
    (docs/DOMAIN.md §Identifiers).
    """

    title = "Not billable as entered"
    slug = "not-billable"

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("A claim could not carry some fields as entered; see errors.",
                         errors=errors)


class ClearanceNotNeeded(Refused):
    """A clearance was given while no current screening waits for one."""

    title = "No screening awaits clearance"
    slug = "clearance-not-needed"


class ReferralClosed(Refused):
    """A revoked or expired referral cannot be amended, revoked or expired again."""

    title = "Referral closed"
    slug = "referral-closed"


class ClientNotFound(NotFound):
    """No client was registered under this id."""

    title = "Client not found"
    slug = "client-not-found"

    def __init__(self, client_id: str) -> None:
        super().__init__(f"No client {client_id}.")


class ScreeningNotFound(NotFound):
    """The client has no screening with this id."""

    title = "Screening not found"
    slug = "screening-not-found"

    def __init__(self, screening_id: str) -> None:
        super().__init__(f"No screening {screening_id} for this client.")


class ReferralNotFound(NotFound):
    """The client has no referral with this id."""

    title = "Referral not found"
    slug = "referral-not-found"

    def __init__(self, referral_id: str) -> None:
        super().__init__(f"No referral {referral_id} for this client.")


class DuplicateClient(Conflict):
    """The same person (name, birth date, member id) is already registered."""

    title = "Client already registered"
    slug = "duplicate-client"

    def __init__(self, existing_client_id: str) -> None:
        super().__init__("A client with this name, birth date and member id exists.",
                         existing_client_id=existing_client_id)


class ReferralChanged(Conflict):
    """Someone else changed the referral between reading and writing it."""

    title = "Referral changed meanwhile"
    slug = "referral-conflict"

    def __init__(self) -> None:
        super().__init__("Read it again and retry.")
