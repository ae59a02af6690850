"""Staff accounts: who may sign in, with which roles, and when an account is locked."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.errors import InvalidInput
from shared.tokens import ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# NIST SP 800-63B §5.1.1.2: at least 8 characters; staff hold PHI, so the clinic asks 12.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
ROLE_NAMES = {
    "front_desk": "Front desk",
    "therapist": "Therapist",
    "billing": "Billing",
    "ops": "Operations",
    "admin": "Administrator",
}


@dataclass(frozen=True)
class Account:
    """A staff member's console account."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    password_hash: str
    totp_secret: str | None = None
    failed_attempts: int = 0
    locked_until: datetime | None = None
    must_change_password: bool = False
    disabled: bool = False

    def locked_at(self, now: datetime) -> bool:
        """Whether the account refuses sign-in at ``now`` because of failed attempts."""
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime, threshold: int, period: timedelta) -> Account:
        """The account after one more failed sign-in: locked once failures reach ``threshold``.

        OWASP ASVS 2.2.1: lock the account (not the address) so guessing one password from
        many addresses is stopped; the lock ends by itself so an attacker cannot keep staff
        out for good, and an admin can end it sooner.
        """
        failures = self.failed_attempts + 1
        if failures >= threshold:
            return replace(self, failed_attempts=0, locked_until=now + period)
        return replace(self, failed_attempts=failures)

    def after_success(self) -> Account:
        """The account after a complete sign-in: the failure count starts again."""
        return replace(self, failed_attempts=0, locked_until=None)

    def may_use(self, role: str) -> bool:
        """Whether this account may use pages of ``role`` (admin may use every page)."""
        return role in self.roles or "admin" in self.roles


def check_username(username: str) -> str:
    """The username as stored (lower case), or InvalidInput saying what is wrong."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput("Invalid username", errors={
            "username": ["2 to 64 letters, digits, dots, dashes or underscores, "
                         "starting with a letter or digit."]})
    return name


def check_roles(roles: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Known roles, each once, at least one."""
    chosen = tuple(dict.fromkeys(role for role in roles if role))
    if not chosen:
        raise InvalidInput("No role", errors={"roles": ["Choose at least one role."]})
    unknown = sorted(set(chosen) - set(ROLES))
    if unknown:
        raise InvalidInput("Unknown role", errors={
            "roles": [f"Unknown role {', '.join(unknown)}; use {', '.join(ROLES)}."]})
    return chosen


def check_new_password(password: str, username: str) -> str:
    """A password the clinic accepts, or InvalidInput saying why not."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if username and username.lower() in password.lower():
        problems.append("Do not put the username in the password.")
    if problems:
        raise InvalidInput("Password not accepted", errors={"password": problems})
    return password
