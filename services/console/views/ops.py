"""Ops pages."""

from flask import Blueprint

from services.console.guard import page

bp = Blueprint("ops", __name__, url_prefix="/ops")


@bp.get("/")
@page("ops")
def board() -> str:
    return "board"
