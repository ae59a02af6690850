"""The notifications service's HTTP API: preferences, message log, unsubscribe, SMS callbacks."""

from services.notifications.api.messages import bp as messages_bp
from services.notifications.api.preferences import bp as preferences_bp
from services.notifications.api.provider import bp as provider_bp
from services.notifications.api.unsubscribe import bp as unsubscribe_bp

BLUEPRINTS = [preferences_bp, messages_bp, unsubscribe_bp, provider_bp]
