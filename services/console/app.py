"""The console's composition root: the Flask app, its sign-in guard, pages and migrations."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, g, jsonify, render_template
from werkzeug.exceptions import HTTPException

from services.console import guard
from services.console.config import ConsoleConfig, load_config
from services.console.views import BLUEPRINTS, words
from shared.db import database_reachable, make_engine
from shared.runtime import Service
from shared.service import migrate_database
from shared.tokens import public_jwks
from shared.web.auth import check_every_route_declares_access, public
from shared.web.headers import send_security_headers

MIGRATIONS = Path(__file__).with_name("migrations")


def create_app(config: ConsoleConfig | None = None) -> Flask:
    """The console app (tests, gunicorn 'services.console.app:create_app()'); never migrates."""
    config = config or load_config()
    app = Flask("services.console")
    app.extensions["console.config"] = config
    engine = app.extensions["console.engine"] = make_engine(config.settings.database_url)
    guard.install(app)
    words.register(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.get("/healthz")
    @public
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/readyz")
    @public
    def readyz() -> Response:
        ready = database_reachable(engine)
        response = jsonify(status="ready" if ready else "not_ready", checks={"database": ready})
        response.status_code = 200 if ready else 503
        return response

    @app.get("/.well-known/jwks.json")
    @public
    def jwks() -> Response:
        """The public key of the staff tokens, as the services' MEDMASSAGE_JWT_PUBLIC_KEYS."""
        return jsonify(public_jwks(config.signing_key))

    @app.errorhandler(HTTPException)
    def _error_page(exc: HTTPException) -> tuple[str, int]:
        return render_template("error.html", title=exc.name, detail=exc.description,
                               status=exc.code), exc.code or 500

    @app.context_processor
    def _who() -> dict[str, object]:
        return {"account": g.get("account"), "clinic_name": config.clinic_name,
                "oidc": config.oidc}

    send_security_headers(app)
    check_every_route_declares_access(app)
    return app


def migrate(config: ConsoleConfig | None = None) -> None:
    """Bring the console's database (accounts, sessions, audit) up to date."""
    migrate_database((config or load_config()).settings, MIGRATIONS)


def build(config: ConsoleConfig | None = None) -> Service:
    """The console process: HTTP only (it runs no consumers: it keeps no clinic data)."""
    config = config or load_config()
    return Service(settings=config.settings, app=create_app(config),
                   migrate=lambda: migrate(config))
