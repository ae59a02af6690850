"""Signed, expiring tokens of intake: the invitation link the clinic sends, and the upload
token a submission hands back for the client's documents.

Each token is an HMAC-SHA256-signed, timestamped id (``itsdangerous``, which Flask
itself uses for its sessions) under a key only screening holds
(SCREENING_INTAKE_LINK_KEY). The signature makes a token unforgeable and its age is
checked on every use; being *single-use* is the database's job (an invitation row is
marked used in the transaction that stores the intake), so a link that leaked after use
does nothing. Each kind of token has its own salt: an upload token is no invitation.
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

INVITATION = "medmassage.intake.invitation"
UPLOAD = "medmassage.intake.upload"
# A client uploads referral documents for a day after sending the intake.
UPLOAD_LIFETIME = timedelta(days=1)


class TokenRefused(Exception):
    """A token that is forged, altered, of another kind, or too old."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def sign(key: str, purpose: str, value: str) -> str:
    """A URL-safe token carrying ``value``, signed for ``purpose`` with ``key``."""
    return URLSafeTimedSerializer(key, salt=purpose).dumps(value)


def verify(key: str, purpose: str, token: str, max_age: timedelta) -> str:
    """The value a token carries if it is genuine, for ``purpose`` and younger than max_age."""
    serializer = URLSafeTimedSerializer(key, salt=purpose)
    try:
        value = serializer.loads(token, max_age=max_age.total_seconds())
    except SignatureExpired:
        raise TokenRefused(expired=True) from None
    except BadSignature:
        raise TokenRefused(expired=False) from None
    if not isinstance(value, str):
        raise TokenRefused(expired=False)
    return value
