"""``init_app``: what every service's Flask app gets, whatever it does."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import Engine

from shared.config import Settings
from shared.db import database_reachable
from shared.web.audit import audit_blueprint, record_staff_request
from shared.web.auth import check_every_route_declares_access, public
from shared.web.openapi import build_openapi
from shared.web.problems import register_problem_handlers
from shared.web.ratelimit import limit_public_endpoints

log = logging.getLogger("shared.web")
access = logging.getLogger("shared.web.access")

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "endpoint", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer a request", ["service", "endpoint"]
)


@dataclass
class ServiceContext:
    """The service's settings and database engine, reachable from any request."""

    settings: Settings
    engine: Engine
    title: str
    extras: dict[str, Any] = field(default_factory=dict)
    # Metrics computed from this service's own database at scrape time (e.g. claims by
    # state); kept per app so several apps in one process never collide.
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)
    _broker_checked_at: float = 0.0
    _broker_ok: bool = False

    def broker_reachable(self) -> bool:
        """Whether a bootstrap server accepts TCP connections (cached for 5 s)."""
        now = time.monotonic()
        if now - self._broker_checked_at > 5:
            self._broker_ok = any(
                _tcp_open(address) for address in self.settings.kafka.bootstrap_servers.split(",")
            )
            self._broker_checked_at = now
        return self._broker_ok


def _tcp_open(address: str) -> bool:
    host, _, port = address.strip().rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def service_context() -> ServiceContext:
    """The current app's ServiceContext."""
    return current_app.extensions["medmassage"]


_system = Blueprint("system", __name__)


@_system.get("/healthz")
@public
def healthz() -> Response:
    """Alive: the process answers."""
    return jsonify(status="ok")


@_system.get("/readyz")
@public
def readyz() -> Response:
    """Ready: the database and the broker are reachable."""
    context = service_context()
    checks = {"database": database_reachable(context.engine), "broker": context.broker_reachable()}
    ready = all(checks.values())
    response = jsonify(status="ready" if ready else "not_ready", checks=checks)
    response.status_code = 200 if ready else 503
    return response


@_system.get("/metrics")
@public
def metrics() -> Response:
    """Prometheus metrics of this process."""
    own = generate_latest(service_context().metrics)
    return Response(generate_latest() + own, mimetype=CONTENT_TYPE_LATEST)


@_system.get("/openapi.json")
@public
def openapi() -> Response:
    """This service's OpenAPI 3 document."""
    context = service_context()
    if "openapi" not in context.extras:
        context.extras["openapi"] = build_openapi(current_app, context.title)
    return jsonify(context.extras["openapi"])


def init_app(app: Flask, context: ServiceContext) -> None:
    """Install ids, problem handlers, health, metrics and OpenAPI; check route access.

    Call it last in the factory, after the service's blueprints are registered.
    """
    app.extensions["medmassage"] = context
    app.config["JWT_SECRET"] = context.settings.jwt_secret
    app.json.sort_keys = False  # type: ignore[attr-defined]
    register_problem_handlers(app)
    app.register_blueprint(_system)
    app.register_blueprint(audit_blueprint)

    @app.before_request
    def _ids() -> None:
        g.started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        # The correlation id follows a flow across services through the events it causes.
        g.correlation_id = request.headers.get("X-Correlation-ID") or g.request_id

    @app.after_request
    def _record(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers["X-Correlation-ID"] = g.get("correlation_id", "")
        endpoint = request.endpoint or "unmatched"
        REQUESTS.labels(
            context.settings.service, request.method, endpoint, response.status_code
        ).inc()
        if "started" in g:
            elapsed = time.perf_counter() - g.started
            LATENCY.labels(context.settings.service, endpoint).observe(elapsed)
            # The path only, never the query string (searches carry names and birth dates).
            access.info("request", extra={
                "method": request.method, "path": request.path, "endpoint": endpoint,
                "status": response.status_code, "ms": round(elapsed * 1000, 1),
                "request_id": g.get("request_id"), "correlation_id": g.get("correlation_id")})
        return response

    limit_public_endpoints(app)
    record_staff_request(app)
    check_every_route_declares_access(app)
