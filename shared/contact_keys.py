"""An email address as a lookup key, for services that must find a client by it but must
not hold it (scheduling's sign-in by emailed link: docs/ARCHITECTURE.md, "Auth").

The key is SHA-256 of the address trimmed and casefolded, so "Maria@Example.org " and
"maria@example.org" find the same client. XXX: an unsalted hash of a guessable address
can be confirmed by whoever holds it; it is kept only where the address itself is not,
and never shown.
"""

from __future__ import annotations

import hashlib


def email_key(email: str) -> str:
    """The lookup key of an email address."""
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()
