"""Therapist pages."""

from flask import Blueprint

from services.console.guard import page

bp = Blueprint("therapist", __name__, url_prefix="/therapist")


@bp.get("/today")
@page("therapist")
def today() -> str:
    return "today"
