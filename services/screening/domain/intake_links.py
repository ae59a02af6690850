"""The signed tokens of intake: the invitation link the clinic sends, and the upload token
a submission hands back for the client's documents (``shared/signed_tokens.py``).

The key is screening's own (SCREENING_INTAKE_LINK_KEY). An invitation is *single-use*
because its row is marked used in the transaction that stores the intake, so a link that
leaked after use does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from shared.signed_tokens import TokenRefused, sign, verify

INVITATION = "medmassage.intake.invitation"
UPLOAD = "medmassage.intake.upload"
# A client uploads referral documents for a day after sending the intake.
UPLOAD_LIFETIME = timedelta(days=1)


def verify_id(key: str, purpose: str, token: str, max_age: timedelta) -> str:
    """The id a genuine, young enough token of ``purpose`` carries."""
    value = verify(key, purpose, token, max_age)
    if not isinstance(value, str):
        raise TokenRefused(expired=False)
    return value


__all__ = ["INVITATION", "UPLOAD", "UPLOAD_LIFETIME", "TokenRefused", "sign", "verify_id"]
