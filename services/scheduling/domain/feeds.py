"""A therapist's calendar subscription: a secret URL, since calendar apps send no tokens.

The secret is 256 random bits; only its SHA-256 is stored, so the database never holds
a working feed URL. An unsalted hash is enough for a secret this long (nobody can try
2^256 guesses), and it lets a presented secret be found by its hash in one look-up.
Creating a new secret replaces the old (rotation); revoking deletes it.
"""

from __future__ import annotations

import hashlib
import secrets

SECRET_BYTES = 32


def new_feed_secret() -> str:
    """A fresh feed secret, URL-safe."""
    return secrets.token_urlsafe(SECRET_BYTES)


def feed_secret_hash(secret: str) -> str:
    """What is stored of a feed secret: SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()
