"""RFC 9457 problem details: every error answer is ``application/problem+json``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from shared.errors import Conflict, DomainError, InvalidInput, NotFound, Refused

PROBLEM_CONTENT_TYPE = "application/problem+json"
log = logging.getLogger("shared.web")


def problem_document(
    status: int, title: str, detail: str | None = None, slug: str | None = None
) -> dict[str, Any]:
    """The members every problem document has (also for answers made outside Flask)."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    return body


def slug_of(title: str) -> str:
    """The problem type slug of a standard status title: "Not Found" -> "not-found"."""
    return title.lower().replace(" ", "-")


class Problem(Exception):
    """An error answer: raise it anywhere in a request to reply with problem+json.

    ``type`` is a short slug (``not-eligible``) turned into ``/problems/<slug>``;
    ``errors`` maps field names to messages for validation failures; ``extra`` adds
    machine-readable members such as ``reasons``.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        type: str | None = None,
        errors: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.errors = errors
        self.extra = extra

    def to_response(self) -> Response:
        """Render as an RFC 9457 document."""
        body = problem_document(self.status, self.title, self.detail, self.type)
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        body["instance"] = request.path
        if "request_id" in g:
            body["request_id"] = g.request_id
        response = Response(json.dumps(body), status=self.status, mimetype=PROBLEM_CONTENT_TYPE)
        if self.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="medmassage"'
        if self.status == 429 and "retry_after_seconds" in self.extra:
            response.headers["Retry-After"] = str(max(1, int(self.extra["retry_after_seconds"])))
        return response


# The one mapping from a kind of domain refusal to its HTTP status, for every service.
_STATUS_OF_KIND: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 400),
    (NotFound, 404),
    (Conflict, 409),
    (Refused, 422),
)


def problem_from(error: DomainError) -> Problem:
    """The problem document a domain refusal is answered with."""
    status = next(code for kind, code in _STATUS_OF_KIND if isinstance(error, kind))
    return Problem(status, error.title, error.detail, error.slug, errors=error.errors,
                   **error.members)


def register_problem_handlers(app: Flask) -> None:
    """Make every error, expected or not, leave the service as problem+json."""

    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        return problem.to_response()

    @app.errorhandler(DomainError)
    def _refused(error: DomainError) -> Response:
        return problem_from(error).to_response()

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        slug = slug_of(exc.name or "error")
        response = Problem(exc.code or 500, exc.name or "Error", exc.description, slug)
        answer = response.to_response()
        if exc.code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            answer.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return answer

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # The body says nothing about the cause (it may hold PHI); the log has the trace.
        log.error("unhandled error", exc_info=exc, extra={"path": request.path})
        return Problem(
            500,
            "Internal Server Error",
            "The error was logged; quote the request id.",
            "internal-error",
        ).to_response()
