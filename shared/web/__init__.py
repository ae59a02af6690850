"""HTTP plumbing every service's app factory uses: problems, auth, schemas, ids, health."""

from shared.web.app import init_app
from shared.web.auth import ROLES, allow, public
from shared.web.context import ServiceContext, service_context
from shared.web.io import Answer, load_body, load_query, respond
from shared.web.openapi import api, build_openapi
from shared.web.problems import Problem
from shared.web.transactions import reads, writes

__all__ = [
    "ROLES",
    "Answer",
    "Problem",
    "ServiceContext",
    "allow",
    "api",
    "build_openapi",
    "init_app",
    "load_body",
    "load_query",
    "public",
    "reads",
    "respond",
    "service_context",
    "writes",
]
