"""Signed unsubscribe links and provider callback signatures (HMAC-SHA256, stdlib only).

An unsubscribe link must work without a login (RFC 8058 one-click), so the link itself
carries who and which address, signed with the service's secret: it cannot be forged to
unsubscribe someone else, and it says nothing readable beyond the address it came to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json


class BadSignature(ValueError):
    """A token or callback whose signature does not match."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, purpose: str, payload: bytes) -> str:
    """The hex HMAC-SHA256 of ``payload`` for ``purpose`` (keys separated per use)."""
    key = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def provider_signature(secret: str, body: bytes) -> str:
    """The SMS provider's signature of a callback body: hex HMAC-SHA256 with the shared secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_provider_signature(secret: str, body: bytes, signature: str) -> None:
    """Raise BadSignature unless the provider signed ``body``."""
    if not hmac.compare_digest(provider_signature(secret, body), signature or ""):
        raise BadSignature("callback signature does not match")


def unsubscribe_token(secret: str, client_id: str, channel: str, address: str) -> str:
    """A token naming the client, channel and address to unsubscribe."""
    payload = json.dumps([client_id, channel, address], separators=(",", ":")).encode()
    return f"{_b64(payload)}.{sign(secret, 'unsubscribe', payload)[:32]}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str, str]:
    """(client_id, channel, address) from a token; BadSignature when forged or garbled."""
    encoded, _, signature = token.partition(".")
    try:
        payload = _unb64(encoded)
        client_id, channel, address = json.loads(payload)
    except (ValueError, TypeError) as exc:
        raise BadSignature("not a token") from exc
    if not hmac.compare_digest(sign(secret, "unsubscribe", payload)[:32], signature):
        raise BadSignature("signature does not match")
    if not all(isinstance(part, str) and part for part in (client_id, channel, address)):
        raise BadSignature("not a token")
    return client_id, channel, address
