"""Messages to clients: what was sent, how delivery went (bounces first), and each client's
choice of channels."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from services.console.apis import current
from services.console.apis.base import ApiProblem
from services.console.guard import page
from services.console.views import clinic_time
from services.console.views.forms import render_form
from services.console.views.words import plain

bp = Blueprint("notifications", __name__, url_prefix="/messages")
# The notifications API's vocabulary (its GET /messages filters), in the order people scan it.
STATES = ("bounced", "failed", "scheduled", "sending", "sent", "delivered", "skipped",
          "cancelled")
KINDS = ("reminder", "booked", "rescheduled", "cancelled", "waitlist_offer",
         "referral_expiring", "referral_exhausted", "renewal_request")
CHANNELS = ("email", "sms")
CATEGORIES = ("reminders", "appointment_changes", "waitlist", "referral")
# Delivery that needs a person: the address is wrong or the provider gave up.
TROUBLE = ("bounced", "failed")
SHOWN = 200


@bp.get("/")
@page("front_desk")
def messages() -> tuple[str, int]:
    """Messages newest first, filtered by state, kind, channel or client; bounces counted."""
    notifications = current.notifications()
    filters = {name: request.args.get(name) or None
               for name in ("state", "kind", "channel", "client_id")}
    problem = None
    found, trouble, opt_outs = [], {}, []
    try:
        found = notifications.messages(**filters, limit=SHOWN)
        trouble = {state: len(notifications.messages(state=state, limit=500))
                   for state in TROUBLE}
        opt_outs = notifications.opt_outs(filters["client_id"])
    except ApiProblem as refused:
        problem = refused
    for message in found:
        for moment in ("created_at", "sent_at", "due_at"):
            if message.get(moment):
                message[f"local_{moment}"] = clinic_time.local(message[moment])
    return render_form("notifications/messages.html", problem, found=found, trouble=trouble,
                       opt_outs=opt_outs, filters=filters, shown=SHOWN,
                       state_options=[(s, plain(s)) for s in STATES],
                       kind_options=[(k, plain(k)) for k in KINDS])


@bp.post("/preferences/<client_id>")
@page("front_desk")
def preferences(client_id: str) -> Response | tuple[str, int]:
    """Save which channels each kind of message may use for the client (none: no messages)."""
    chosen = {category: [channel for channel in CHANNELS
                         if request.form.get(f"{category}.{channel}") == "yes"]
              for category in CATEGORIES}
    try:
        current.notifications().set_preferences(client_id, chosen)
    except ApiProblem as problem:
        return render_form("notifications/preferences_refused.html", problem,
                           client_id=client_id)
    return redirect(url_for("front_desk.client", client_id=client_id, done="preferences")
                    + "#messages")
