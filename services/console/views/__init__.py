"""The console's pages, one blueprint per kind of work."""

from services.console.views.admin import bp as admin
from services.console.views.auth import bp as auth
from services.console.views.billing import bp as billing
from services.console.views.front_desk import bp as front_desk
from services.console.views.home import bp as home
from services.console.views.intake import bp as intake
from services.console.views.notifications import bp as notifications
from services.console.views.ops import bp as ops
from services.console.views.therapist import bp as therapist
from services.console.views.waitlist import bp as waitlist

BLUEPRINTS = (auth, home, admin, front_desk, intake, waitlist, notifications, therapist, billing,
              ops)
