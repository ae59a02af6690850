"""Front desk pages."""

from flask import Blueprint

from services.console.guard import page

bp = Blueprint("front_desk", __name__, url_prefix="/front-desk")


@bp.get("/calendar")
@page("front_desk")
def calendar() -> str:
    return "calendar"


@bp.get("/clients")
@page("front_desk")
def clients() -> str:
    return "clients"
