"""Who is calling: the staff member a request's verified token names, for ownership rules.

``@allow`` checks roles at the door; some records are further limited to the staff member
they belong to (a therapist's own sessions, their own clients' records). Views ask here
who the caller is and hand that to the rule, so no service reads ``flask.g`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g


@dataclass(frozen=True)
class Caller:
    """The verified subject (the staff member's login) and the roles their token grants."""

    subject: str
    roles: frozenset[str]

    def holds(self, role: str) -> bool:
        """Whether the token grants ``role``."""
        return role in self.roles


def current_caller() -> Caller:
    """The caller of an ``@allow`` view (their token was verified before the view ran)."""
    if "caller" not in g or "roles" not in g:
        raise RuntimeError("current_caller() is only known inside an @allow view")
    return Caller(g.caller, frozenset(g.roles))
