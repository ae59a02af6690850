"""``init_app``: what every service's Flask app gets, whatever it does."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from shared.db import database_reachable
from shared.web.audit import audit_blueprint, record_requests
from shared.web.auth import check_every_route_declares_access, public
from shared.web.context import ServiceContext, service_context
from shared.web.headers import send_security_headers
from shared.web.limits import limit_requests
from shared.web.openapi import build_openapi
from shared.web.problems import register_problem_handlers
from shared.web.proxy import TrustedProxy
from shared.web.ratelimit import limit_public_endpoints
from shared.web.settings import WebSettings

log = logging.getLogger("shared.web")
access = logging.getLogger("shared.web.access")

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "endpoint", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer a request", ["service", "endpoint"]
)


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
    if context.openapi_document is None:
        context.openapi_document = build_openapi(current_app, context.title)
    return jsonify(context.openapi_document)


def init_app(app: Flask, context: ServiceContext, web: WebSettings | None = None) -> None:
    """Install ids, limits, problem handlers, headers, audit, health, metrics and OpenAPI.

    Call it last in the factory, after the service's blueprints are registered; ``web``
    defaults to the MEDMASSAGE_* settings of the environment. Refuses to start when a
    route declares no access.
    """
    web = web or WebSettings.from_environment()
    app.extensions["medmassage"] = context
    if web.trusted_proxy_header:
        app.wsgi_app = TrustedProxy(  # type: ignore[method-assign]
            app.wsgi_app, web.trusted_proxy_header, web.trusted_proxy_hops)
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

    limit_requests(app, web.max_body_bytes)
    limit_public_endpoints(app, web.public_rate_per_minute)
    record_requests(app)
    send_security_headers(app)
    check_every_route_declares_access(app)
