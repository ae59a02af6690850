"""The SMS provider's callbacks: delivery reports and texts clients send (STOP, START).

The provider signs each callback body with the shared secret (``X-Sandbox-Signature``,
hex HMAC-SHA256); a callback without a valid signature changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from services.notifications.api.common import config
from services.notifications.api.schemas import DeliveryStatusSchema, InboundSmsSchema, ReplySchema
from services.notifications.commands import choices, sending
from services.notifications.domain.links import BadSignature, check_provider_signature
from shared.errors import InvalidInput
from shared.uow import UnitOfWork
from shared.web import api, load_body, public, respond, writes

bp = Blueprint("notifications_provider", __name__)
SIGNATURE_HEADER = "X-Sandbox-Signature"


def _signed() -> None:
    try:
        check_provider_signature(config().sms_callback_secret, request.get_data(),
                                 request.headers.get(SIGNATURE_HEADER, ""))
    except BadSignature as exc:
        raise InvalidInput.field(SIGNATURE_HEADER, "Missing or wrong signature.") from exc


@bp.post("/sms/status")
@public
@api("The SMS provider's delivery report", request=DeliveryStatusSchema, status=204,
     errors=(400,))
@writes
def delivery_status(uow: UnitOfWork) -> Response:
    """Delivered, failed or undelivered: recorded on the message it names."""
    _signed()
    report = load_body(DeliveryStatusSchema)
    sending.record_delivery(uow, report["reference"] or "", report["id"], report["status"],
                            report["error"])
    return Response(status=204)


@bp.post("/sms/inbound")
@public
@api("A text a client sent to the clinic's number", request=InboundSmsSchema,
     response=ReplySchema, errors=(400,))
@writes
def inbound(uow: UnitOfWork) -> Response:
    """STOP opts the number out of SMS; START opts it back in."""
    _signed()
    text = load_body(InboundSmsSchema)
    return respond(ReplySchema, {"intent": choices.sms_reply(uow, text["from_"], text["body"])})
