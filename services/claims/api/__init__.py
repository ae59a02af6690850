"""The claims service's HTTP API: billing setup, claims, interchanges and reports."""

from services.claims.api.claims import bp as claims_bp
from services.claims.api.interchanges import bp as interchanges_bp
from services.claims.api.setup import bp as setup_bp

BLUEPRINTS = [setup_bp, claims_bp, interchanges_bp]
