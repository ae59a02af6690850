"""The claims service's HTTP API: billing setup, claims, interchanges, reports, work queue."""

from services.claims.api.claims import bp as claims_bp
from services.claims.api.interchanges import bp as interchanges_bp
from services.claims.api.paper import bp as paper_bp
from services.claims.api.setup import bp as setup_bp
from services.claims.api.work import bp as work_bp

BLUEPRINTS = [setup_bp, claims_bp, paper_bp, interchanges_bp, work_bp]
