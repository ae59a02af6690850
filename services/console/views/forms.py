"""Helpers pages share: the database, the clock, and refusals shown next to their fields."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from sqlalchemy import Connection

from services.console.apis.base import ApiProblem
from shared.db import read_only, utcnow, write_transaction
from shared.errors import DomainError


def now() -> datetime:
    """The console's clock."""
    return utcnow()


@contextmanager
def writing() -> Iterator[Connection]:
    """A write transaction on the console's database."""
    with write_transaction(current_app.extensions["console.engine"]) as connection:
        yield connection


@contextmanager
def reading() -> Iterator[Connection]:
    """A read-only connection to the console's database."""
    with read_only(current_app.extensions["console.engine"]) as connection:
        yield connection


def problem_view(error: ApiProblem | DomainError) -> dict[str, Any]:
    """What a template needs to show a refusal: a summary, reasons, messages per field."""
    if isinstance(error, ApiProblem):
        return {"message": error.message, "reasons": error.reasons,
                "fields": error.field_errors()}
    return {"message": error.detail or error.title, "reasons": [],
            "fields": dict(error.errors or {})}


def render_form(template: str, error: ApiProblem | DomainError | None = None,
                status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a form page, with the refusal (if any) at the top and next to its fields."""
    problem = problem_view(error) if error else None
    if error is not None and status == 200:
        status = error.status if isinstance(error, ApiProblem) else 422
        status = status if 400 <= status < 500 else 422
    return render_template(template, problem=problem, **context), status
