"""Bearer tokens for API tests, signed with the development key the test apps use."""

from __future__ import annotations

from shared.config import DEV_JWT_SECRET
from shared.web.auth import issue_token


def auth(role: str, subject: str = "tester") -> dict[str, str]:
    """An Authorization header for a caller holding ``role``."""
    return {"Authorization": f"Bearer {issue_token(DEV_JWT_SECRET, subject, [role])}"}
