"""OpenAPI 3 documents built from the views' declared schemas and roles."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from shared.web.auth import access_of

View = TypeVar("View", bound=Callable[..., Any])
_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
_PATH_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


def api(
    summary: str,
    *,
    request: type[Schema] | Schema | None = None,
    query: type[Schema] | Schema | None = None,
    response: type[Schema] | Schema | None = None,
    status: int = 200,
    content_type: str = "application/json",
    errors: tuple[int, ...] = (),
) -> Callable[[View], View]:
    """Describe a view for the OpenAPI document (it validates nothing by itself)."""

    def decorate(view: View) -> View:
        view.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "request": request,
            "query": query,
            "response": response,
            "status": status,
            "content_type": content_type,
            "errors": errors,
        }
        return view

    return decorate


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": {
            400: "Invalid request",
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not found",
            409: "Conflict",
            415: "Unsupported media type",
            422: "Refused by a business rule",
        }.get(status, "Error"),
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def build_openapi(app: Flask, title: str, version: str = "1.0.0") -> dict[str, Any]:
    """Walk the app's routes and describe each documented one."""
    spec = APISpec(
        title=title, version=version, openapi_version="3.0.3", plugins=[MarshmallowPlugin()]
    )
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    spec.components.schema(
        "Problem",
        {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "errors": {"type": "object", "additionalProperties": True},
            },
            "required": ["type", "title", "status"],
        },
    )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "openapi", None)
        if view is None or doc is None:
            continue
        path = _PATH_PARAM.sub(r"{\1}", rule.rule)
        roles = access_of(view)
        operations: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "summary": doc["summary"],
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "parameters": [
                    {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                    for name in _PATH_PARAM.findall(rule.rule)
                ],
                "responses": {},
            }
            if doc["query"] is not None:
                operation["parameters"].append({"in": "query", "schema": doc["query"]})
            if doc["request"] is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": doc["request"]}},
                }
            success: dict[str, Any] = {"description": "OK"}
            if doc["response"] is not None:
                success["content"] = {doc["content_type"]: {"schema": doc["response"]}}
            elif doc["content_type"] != "application/json":
                success["content"] = {doc["content_type"]: {"schema": {"type": "string"}}}
            operation["responses"][str(doc["status"])] = success
            statuses = set(doc["errors"])
            if doc["request"] is not None or doc["query"] is not None:
                statuses.add(400)
            if roles is not None:
                operation["security"] = [{"bearer": []}]
                operation["x-roles"] = sorted(roles)
                statuses |= {401, 403}
            else:
                operation["security"] = []
            for status in sorted(statuses):
                operation["responses"][str(status)] = _problem_response(status)
            operations[method.lower()] = operation
        spec.path(path=path, operations=operations)
    return _numeric_bounds(spec.to_dict())


def _numeric_bounds(node: Any) -> Any:
    """Make every minimum/maximum a JSON number (Decimal bounds come out as strings)."""
    if isinstance(node, dict):
        return {
            key: float(value) if key in _BOUNDS and isinstance(value, str | Decimal) else
            _numeric_bounds(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_numeric_bounds(item) for item in node]
    return node
