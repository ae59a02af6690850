"""What online intake refuses, in words a new client can act on."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Refused

_INVITATION_REASONS = {
    "invalid": "This intake link is not valid. Please use the whole link from the clinic's "
               "message, or ask the clinic for a new one.",
    "expired": "This intake link has expired. Please ask the clinic for a new one.",
    "used": "This intake link has already been used. If you need to change your answers, "
            "please call the clinic.",
    "upload_expired": "The time to upload documents for this intake has passed. Please "
                      "bring or send them to the clinic.",
}


class InvitationRefused(Refused):
    """An intake link (or upload token) that is forged, expired or already used."""

    title = "Intake link not usable"
    slug = "intake-link-refused"

    def __init__(self, reason: str) -> None:
        super().__init__(_INVITATION_REASONS[reason], reasons=[f"intake_link_{reason}"])


class InvitationRequired(Refused):
    """The clinic takes intake only from the links it sends."""

    title = "Intake by invitation only"
    slug = "intake-invitation-required"

    def __init__(self) -> None:
        super().__init__("Please use the intake link the clinic sent you, or call the clinic.",
                         reasons=["intake_invitation_required"])


class AlreadyRegistered(Conflict):
    """The person is already a client; a public page does not say which record."""

    title = "Already registered"
    slug = "already-registered"

    def __init__(self) -> None:
        super().__init__("The clinic already has your details. Please call the front desk to "
                         "update your health questionnaire.", reasons=["already_registered"])


class ConsentChanged(Conflict):
    """The consent text changed since the page was loaded: the client must read the new one."""

    title = "Consent text changed"
    slug = "consent-changed"

    def __init__(self, current_version: str) -> None:
        super().__init__("The consent text has changed. Please reload the page, read it and "
                         "sign again.", errors={"consent.version": ["Read the new text."]},
                         current_version=current_version)


class SubmissionNotFound(NotFound):
    """No intake submission with this id."""

    title = "Intake not found"
    slug = "intake-not-found"

    def __init__(self, submission_id: str) -> None:
        super().__init__(f"No intake submission {submission_id}.")


class SubmissionNotPending(Conflict):
    """The intake was confirmed already."""

    title = "Intake already confirmed"
    slug = "intake-already-confirmed"

    def __init__(self, screening_id: str | None) -> None:
        super().__init__("This intake was confirmed already.", screening_id=screening_id)
