"""Unsubscribe links: work without a login (the link is signed), one click per RFC 8058.

GET shows a page with one button (a link scanner that follows links must not unsubscribe
anyone); POST unsubscribes: the page's button, or a mail client's one-click request
(``List-Unsubscribe=One-Click``).
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response

from services.notifications.api.common import config
from services.notifications.commands import choices
from services.notifications.domain.links import BadSignature, read_unsubscribe_token
from shared.errors import InvalidInput
from shared.uow import UnitOfWork
from shared.web import api, public, writes

bp = Blueprint("notifications_unsubscribe", __name__)
PAGE_POLICY = "default-src 'none'; form-action 'self'; base-uri 'none'"


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
            f"{body}</main></body></html>")
    return Response(html, status=status, mimetype="text/html",
                    headers={"Content-Security-Policy": PAGE_POLICY})


def _read(token: str) -> tuple[str, str, str]:
    try:
        return read_unsubscribe_token(config().secret, token)
    except BadSignature as exc:
        raise InvalidInput.field("token", "This unsubscribe link is not valid.") from exc


@bp.get("/unsubscribe/<token>")
@public
@api("The unsubscribe page of an email's link", content_type="text/html", errors=(400,))
def unsubscribe_page(token: str) -> Response:
    """A page naming the address, with one button to unsubscribe it."""
    _, _, address = _read(token)
    return _page("Unsubscribe", (
        f"<p>Stop emails from {escape(config().clinic_name)} to "
        f"<strong>{escape(address)}</strong>?</p>"
        '<form method="post"><button type="submit">Unsubscribe</button></form>'))


@bp.post("/unsubscribe/<token>")
@public
@api("Unsubscribe the address of an email's link (one click)", content_type="text/html",
     errors=(400,))
@writes
def unsubscribe(uow: UnitOfWork, token: str) -> Response:
    """No more email to that address; saying it twice changes nothing."""
    client_id, channel, address = _read(token)
    choices.unsubscribe(uow, client_id, channel, address)
    return _page("Unsubscribed", (
        f"<p>{escape(address)} will get no more emails from {escape(config().clinic_name)}. "
        f"Appointment questions: {escape(config().clinic_phone)}.</p>"))
