"""The client's own credential for self-service (docs/ARCHITECTURE.md, "Auth").

Two ways in, one credential out:

- an emailed **sign-in link**: the client types their email address; if it is a client's
  (scheduling keeps only a SHA-256 of each address, ``screening.client.sign_in_key``), a
  link with a 256-bit random secret is emailed to them by notifications. Scheduling keeps
  only the secret's hash; the link works once, for ``sign_in_link_minutes``;
- the **booking code** the front desk already issues (``domain/booking_codes.py``).

Either is exchanged for a **client token**: signed (HMAC-SHA256, ``shared/signed_tokens``)
by scheduling's own key, naming the client and the ``self_service`` scope, valid
``client_token_minutes``. Every self-service view takes the client from the token and
never from the request, so a client reaches only their own visits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from shared.signed_tokens import TokenRefused, sign, verify

CLIENT_TOKEN = "medmassage.scheduling.client-token"
SELF_SERVICE = "self_service"
LINK_BYTES = 32
# One link a minute per client at most: asking again does not flood their inbox.
LINK_INTERVAL = timedelta(minutes=1)


def new_link_secret() -> str:
    """A fresh sign-in link secret (URL-safe, 256 random bits)."""
    return secrets.token_urlsafe(LINK_BYTES)


def link_hash(secret: str) -> str:
    """What is stored of a sign-in link: the SHA-256 of its secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def client_token(key: str, client_id: str) -> str:
    """A client token for self-service."""
    return sign(key, CLIENT_TOKEN, {"sub": client_id, "scope": SELF_SERVICE})


def client_of(key: str, token: str, lifetime: timedelta) -> str:
    """The client a genuine, current self-service token names; TokenRefused otherwise."""
    claims = verify(key, CLIENT_TOKEN, token, lifetime)
    if (not isinstance(claims, dict) or claims.get("scope") != SELF_SERVICE
            or not isinstance(claims.get("sub"), str)):
        raise TokenRefused(expired=False)
    return claims["sub"]
