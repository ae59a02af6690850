"""Signed unsubscribe links (``shared/signed_tokens``) and the SMS provider's callback
signatures (its own scheme).

An unsubscribe link must work without a login (RFC 8058 one-click), so the link itself
carries who and which address, signed with the service's secret: it cannot be forged to
unsubscribe someone else. It never expires: CAN-SPAM (16 CFR 316.5) wants the opt-out to
work for at least 30 days after the message, and a client opening a year-old email to
stop the next ones should not be told to find a newer one. Unsubscribing twice is
harmless, so an old link is no risk.
"""

from __future__ import annotations

import hashlib
import hmac

from shared import signed_tokens

UNSUBSCRIBE = "notifications.unsubscribe"  # the purpose: no other token is taken for one


class BadSignature(ValueError):
    """A token or callback whose signature does not match."""


def provider_signature(secret: str, body: bytes) -> str:
    """The SMS provider's signature of a callback body: hex HMAC-SHA256 with the shared
    secret, as the provider computes it (not a token of ours)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_provider_signature(secret: str, body: bytes, signature: str) -> None:
    """Raise BadSignature unless the provider signed ``body``."""
    if not hmac.compare_digest(provider_signature(secret, body), signature or ""):
        raise BadSignature("callback signature does not match")


def unsubscribe_token(secret: str, client_id: str, channel: str, address: str) -> str:
    """A token naming the client, channel and address to unsubscribe."""
    return signed_tokens.sign(secret, UNSUBSCRIBE, [client_id, channel, address])


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str, str]:
    """(client_id, channel, address) from a token; BadSignature when forged or garbled."""
    try:
        value = signed_tokens.verify(secret, UNSUBSCRIBE, token, max_age=None)
    except signed_tokens.TokenRefused as refused:
        raise BadSignature("signature does not match") from refused
    if not (isinstance(value, list) and len(value) == 3
            and all(isinstance(part, str) and part for part in value)):
        raise BadSignature("not a token")
    client_id, channel, address = value
    return client_id, channel, address
