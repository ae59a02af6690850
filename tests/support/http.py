"""Bearer tokens for API tests, signed with the development key the test apps accept."""

from __future__ import annotations

import functools
from datetime import timedelta

from shared.tokens import SigningKey, development_signing_key


@functools.cache
def signing_key() -> SigningKey:
    """The published development key (shared/dev_keys), loaded once."""
    return development_signing_key()


def staff_token(subject: str, *roles: str, hours: float = 8) -> str:
    """A staff token for ``subject`` granting ``roles``."""
    return signing_key().sign(subject, roles, timedelta(hours=hours))


def auth(role: str, subject: str = "tester") -> dict[str, str]:
    """An Authorization header for a caller holding ``role``."""
    return {"Authorization": f"Bearer {staff_token(subject, role)}"}
