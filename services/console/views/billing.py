"""Billing pages."""

from flask import Blueprint

from services.console.guard import page

bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.get("/queue")
@page("billing")
def queue() -> str:
    return "queue"
