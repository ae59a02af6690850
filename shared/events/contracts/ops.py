"""Events the ops tooling publishes: the audit record of every look at PHI on the bus."""

from marshmallow import fields, validate

from shared.events.contracts.base import Contract, why
from shared.events.registry import define_event


class PhiViewedPayload(Contract):
    """Who saw which events of a topic unredacted (``medmassage-ops tail --show-phi``)."""

    actor = fields.String(
        required=True, metadata=why("The admin's staff login, from their verified token.")
    )
    topic = fields.String(required=True, metadata=why("The topic whose payloads were shown."))
    count = fields.Integer(
        required=True, validate=validate.Range(min=0), metadata=why("How many events were shown.")
    )
    event_ids = fields.List(
        fields.String(),
        required=True,
        metadata=why("Which events were shown: their subjects are the clients."),
    )
    viewed_at = fields.AwareDateTime(required=True)


PHI_VIEWED = define_event(
    "ops.phi.viewed",
    1,
    PhiViewedPayload,
    "An admin was shown unredacted event payloads; published before they are shown.",
    keyed_by="the actor (the admin's staff login)",
    publisher="medmassage-ops, directly (acks=all); nothing is shown if it fails",
)
