"""Console sessions: a random token in a cookie, its hash on the server, an idle timeout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

# What a session lets its holder do so far (a password alone does not finish sign-in when
# the account has a second factor or must change its password).
SIGNED_IN = "signed_in"
AWAITING_CODE = "awaiting_code"
MUST_ENROL = "must_enrol"
MUST_CHANGE_PASSWORD = "must_change_password"
STAGES = (SIGNED_IN, AWAITING_CODE, MUST_ENROL, MUST_CHANGE_PASSWORD)


@dataclass(frozen=True)
class Session:
    """A server-side session; only the hash of its token is stored."""

    token_hash: str
    username: str
    stage: str
    created_at: datetime
    last_seen_at: datetime

    def idle_at(self, now: datetime, idle_timeout: timedelta) -> bool:
        """Whether the session has been unused too long (OWASP ASVS 3.3.2)."""
        return now - self.last_seen_at > idle_timeout


def new_token() -> str:
    """The cookie value: 256 random bits."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps: a stolen table gives no usable cookie."""
    return hashlib.sha256(token.encode()).hexdigest()
