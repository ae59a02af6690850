"""HTTP plumbing every service's app factory uses: problems, auth, schemas, ids, health."""

from shared.web.app import ServiceContext, init_app, service_context
from shared.web.auth import ROLES, allow, public
from shared.web.idempotency import idempotent, unit_of_work
from shared.web.io import load_body, load_query, respond
from shared.web.openapi import api, build_openapi
from shared.web.problems import Problem

__all__ = [
    "ROLES",
    "Problem",
    "ServiceContext",
    "allow",
    "api",
    "build_openapi",
    "idempotent",
    "init_app",
    "load_body",
    "load_query",
    "public",
    "respond",
    "service_context",
    "unit_of_work",
]
