"""What the claims rules refuse, by kind (``shared.errors``); the HTTP mapping is shared."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Refused


class ClaimNotFound(NotFound):
    """No claim has this id."""

    title = "No such claim"

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"Claim {claim_id} does not exist.")


class NotBatched(NotFound):
    """The claim is in no interchange yet, so there is no 837P to show."""

    title = "Not batched yet"
    slug = "not-batched"

    def __init__(self) -> None:
        super().__init__("The claim is in no interchange yet.")


class NotOnPaperYet(Conflict):
    """A claim still waiting for review (or no billing setup) has no complete form yet."""

    title = "Not complete yet"
    slug = "not-on-paper-yet"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"The claim is {status}: it has no complete form until its scrub passes."
        )


class CannotResubmit(Conflict):
    """Only a rejected or an adjudicated claim not replaced yet can be resubmitted."""

    title = "Cannot resubmit"
    slug = "cannot-resubmit"

    def __init__(self, why: str) -> None:
        super().__init__(
            f"Only a rejected or adjudicated claim can be resubmitted, once; {why}."
        )


class CannotVoid(Conflict):
    """Only an adjudicated claim, with the payer's claim control number, can be voided."""

    title = "Cannot void"
    slug = "cannot-void"

    def __init__(self, why: str) -> None:
        super().__init__(f"Only an adjudicated claim can be voided, once; {why}.")


class NothingOwed(Refused):
    """Nothing is left on the claim to move to the patient or to write off."""

    title = "Nothing owed"
    slug = "nothing-owed"


class ExceptionNotFound(NotFound):
    """No remittance exception has this id."""

    title = "No such remittance exception"

    def __init__(self, exception_id: str) -> None:
        super().__init__(f"Remittance exception {exception_id} does not exist.")


class AlreadyResolved(Conflict):
    """The remittance exception was resolved already."""

    title = "Already resolved"
    slug = "already-resolved"

    def __init__(self, exception_id: int) -> None:
        super().__init__(f"Remittance exception {exception_id} was resolved already.")


class InterchangeNotFound(NotFound):
    """No interchange has this control number."""

    title = "No such interchange"

    def __init__(self, number: str) -> None:
        super().__init__(f"Interchange {number} does not exist.")


class NotHeld(Conflict):
    """Only an interchange held for a person can be sent again by one."""

    title = "Not held"
    slug = "not-held"

    def __init__(self, number: int, status: str) -> None:
        super().__init__(f"Interchange {number:09d} is {status}, not held.")


class BillingProviderNotSetUp(NotFound):
    """Billing has not set up the clinic's billing provider yet."""

    title = "Not set up"

    def __init__(self) -> None:
        super().__init__("No billing provider yet.")


class PayerNotFound(NotFound):
    """The payer is not set up for billing."""

    title = "No such payer"

    def __init__(self, payer_id: str) -> None:
        super().__init__(f"Payer {payer_id} is not set up.")


class InvalidBillingProvider(Refused):
    """The billing provider's data cannot be written into an 837P."""

    title = "Cannot bill under this provider"
    slug = "invalid-setup"


class UnknownPayers(Refused):
    """Fees name payers that are not set up; ``payers`` lists them."""

    title = "Unknown payer"
    slug = "unknown-payer"

    def __init__(self, payers: list[str]) -> None:
        super().__init__("Set up the payers first.", payers=payers)
