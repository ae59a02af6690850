"""What the screening domain refuses, as exceptions the HTTP layer can map to answers."""


class ScreeningError(Exception):
    """Base for every refusal of the screening domain."""


class RulesFileError(ScreeningError):
    """A rules or medications file names something the software does not know."""


class InvalidQuestionnaire(ScreeningError):
    """A questionnaire answer is not one the rules can judge."""


class InvalidClearance(ScreeningError):
    """A physician clearance is incomplete or names an invalid NPI."""


class ClearanceNotNeeded(ScreeningError):
    """A clearance was given for a screening that does not wait for one."""


class InvalidReferral(ScreeningError):
    """A referral failed validation; errors maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(f"invalid referral: {errors}")
        self.errors = errors


class ReferralClosed(ScreeningError):
    """A revoked or expired referral cannot be amended, revoked or expired again."""
