"""The page after sign-in: where each of the person's roles does its work."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from services.console.guard import page
from shared.web.auth import public

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def root() -> Response:
    """The console's address leads to the home page (or to sign-in)."""
    return redirect(url_for("home.index"))


@bp.get("/home")
@page()
def index() -> str:
    """Links to each role's pages."""
    return render_template("home.html")
