"""The claims service's HTTP API: billing setup and claims."""

from services.claims.api.claims import bp as claims_bp
from services.claims.api.setup import bp as setup_bp

BLUEPRINTS = [setup_bp, claims_bp]
