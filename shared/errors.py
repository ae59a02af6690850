"""The kinds of refusal a domain can state, free of HTTP: ``shared.web`` maps each kind once.

A service's own refusals subclass one of these and say, as class attributes, how a person
should read them (``title``, ``slug``); an instance adds the detail and machine-readable
members (``reasons``, ``errors`` per field, ...). The HTTP status follows from the kind
alone (``shared.web.problems``), so every service answers the same refusal the same way.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the rules refuse; subclass one of the kinds below, never this one."""

    title: str = "Refused"
    slug: str = "refused"

    def __init__(
        self, detail: str | None = None, *, errors: dict[str, list[str]] | None = None,
        **members: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.members = members


class InvalidInput(DomainError):
    """Input that is well-formed but wrong for a rule only the domain knows (field errors)."""

    title = "Invalid request"
    slug = "validation-error"

    @classmethod
    def field(cls, name: str, message: str) -> InvalidInput:
        """One field's error."""
        return cls("Some fields are missing or wrong; see errors.", errors={name: [message]})


class NotFound(DomainError):
    """The record named does not exist (or is not the caller's to see)."""

    title = "Not found"
    slug = "not-found"


class Conflict(DomainError):
    """The request clashes with the record's current state or with another request."""

    title = "Conflict"
    slug = "conflict"


class Refused(DomainError):
    """A business rule refuses the request as it stands (a reason says which)."""

    title = "Refused by a business rule"
    slug = "refused"
