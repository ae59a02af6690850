"""Signed, timestamped tokens a service hands out and later takes back: links and sessions.

Each token is an id (or a small JSON value) signed with HMAC-SHA256 under a key only the
issuing service holds, with the time it was made (``itsdangerous``, which Flask itself
uses for its sessions). The signature makes it unforgeable; its age is checked on every
use. Each kind of token has its own ``purpose`` (the signing salt), so a token made for
one purpose is refused for any other. Being single-use or revocable is the database's
job, not the token's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenRefused(Exception):
    """A token that is forged, altered, of another purpose, or too old."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def sign(key: str, purpose: str, value: Any) -> str:
    """A URL-safe token carrying ``value`` (JSON-able), signed for ``purpose`` with ``key``."""
    return URLSafeTimedSerializer(key, salt=purpose).dumps(value)


def verify(key: str, purpose: str, token: str, max_age: timedelta | None) -> Any:
    """The value a token carries if it is genuine, for ``purpose`` and younger than max_age.

    ``max_age=None`` is for links that must keep working however old the message that
    carried them (an email's unsubscribe link): the signature is still checked.
    """
    serializer = URLSafeTimedSerializer(key, salt=purpose)
    try:
        return serializer.loads(
            token, max_age=None if max_age is None else max_age.total_seconds())
    except SignatureExpired:
        raise TokenRefused(expired=True) from None
    except BadSignature:
        raise TokenRefused(expired=False) from None
