"""Generate docs/asyncapi.yaml (AsyncAPI 3) from the event catalogue.

``python -m shared.events.asyncapi > docs/asyncapi.yaml``; a test keeps the committed
file equal to what the catalogue says, so the document never drifts from the code.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.events.registry import EVENTS, EventRegistry

ENVELOPE = {
    "type": "object",
    "description": "CloudEvents 1.0, structured JSON mode. The Kafka key is `subject`.",
    "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
    "properties": {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "description": "Unique; consumers' idempotency key."},
        "source": {"type": "string", "description": "The producing service."},
        "type": {"type": "string", "description": "Equals the topic name."},
        "subject": {"type": "string", "description": "The client id (also the message key)."},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "correlationid": {"type": "string",
                          "description": "The request that started the flow."},
    },
}


def _payload_schemas(registry: EventRegistry) -> dict[str, Any]:
    spec = APISpec("events", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    for schema in dict.fromkeys(event_type.schema for event_type in registry):
        spec.components.schema(schema.__name__, schema=schema)
    return spec.to_dict()["components"]["schemas"]


def asyncapi_document(registry: EventRegistry = EVENTS) -> dict[str, Any]:
    """The AsyncAPI 3.0 document for every topic and its dead-letter topic."""
    schemas = _payload_schemas(registry)
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for event_type in registry:
        name = event_type.topic.replace(".", "_")
        payload_name = event_type.schema.__name__
        messages[name] = {
            "name": event_type.topic,
            "summary": event_type.description,
            "contentType": "application/cloudevents+json",
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {"type": "object", "properties": {
                    "data": {"$ref": f"#/components/schemas/{payload_name}"}}},
            ]},
        }
        channels[name] = {
            "address": event_type.topic,
            "description": f"{event_type.description} Keyed by {event_type.keyed_by}.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        channels[f"{name}_dlq"] = {
            "address": event_type.dead_letter_topic,
            "description": (
                "Messages of the topic above that could not be processed, unchanged, with "
                "headers dlq.reason, dlq.error, dlq.original_topic, dlq.original_partition, "
                "dlq.original_offset, dlq.consumer_group, dlq.attempts, dlq.failed_at."
            ),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"publish_{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": "Published by " + (
                event_type.publisher or f"{event_type.name.split('.')[0]} through its outbox"
            ) + ".",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "medmassage events",
            "version": "1.0.0",
            "description": (
                "Every topic is `<domain>.<event>.v<N>`; a breaking change is a new version. "
                "Consumers ignore unknown fields."
            ),
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"CloudEvent": ENVELOPE, **schemas},
        },
    }


def render(registry: EventRegistry = EVENTS) -> str:
    """The document as YAML text."""
    return yaml.safe_dump(asyncapi_document(registry), sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
