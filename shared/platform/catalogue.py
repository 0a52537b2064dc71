"""The public event catalogue, generated from the typed public event models.

One source of truth: each service's `PublicEventSet` (its `PublicEvent` models).
From it this module builds

- one JSON Schema (2020-12) per public event type, for the envelope's `data`
  (`docs/events/<type>.json`),
- the JSON Schema of the CloudEvents envelope (`docs/events/envelope.json`),
- one AsyncAPI 3.0 document describing every topic, its key, the envelope and
  every message (`docs/asyncapi.yaml`),
- each service's part of it, served at `GET /<service>/events/catalogue`.

Output is deterministic (sorted keys, no timestamps), so regenerating on a clean
checkout gives no diff. The committed files are also the compatibility baseline
(see `shared.platform.compat`); writing and checking them is `bootstrap.contract`
(`make contract`).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


from shared.platform.envelope import Envelope, PublicEvent, PublicEventSet

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://shequ.example/events/"
ENVELOPE_FILE = "envelope.json"
TOPIC_PATTERN = "shequ.{service}.v1"  # mirrors Settings.topic_for
DEAD_LETTER_TOPIC = "shequ.district.dlq"  # Settings.dead_letter_topic's default
KAFKA_BINDING_VERSION = "0.5.0"

# Kafka record headers the relay sets on every message (see shared.platform.relay).
RELAY_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ce_type": {"type": "string", "description": "The CloudEvents `type` (same as the envelope's)"},
        "ce_id": {"type": "string", "description": "The CloudEvents `id`: stable per stored event, the dedup key"},
        "shequ_position": {"type": "string", "description": "Position of the stored event in the service's log"},
        "correlation_id": {"type": "string", "description": "Request correlation id, when the change had one"},
    },
    "required": ["ce_type", "ce_id", "shequ_position"],
}
DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "dlq_reason": {"type": "string", "description": "Why the projector could not apply the message"},
        "dlq_topic": {"type": "string", "description": "Topic the message was read from"},
        "dlq_partition": {"type": "string"},
        "dlq_offset": {"type": "string"},
        "dlq_at": {"type": "string", "description": "When it was dead-lettered (ISO 8601)"},
    },
    "required": ["dlq_reason", "dlq_topic", "dlq_partition", "dlq_offset", "dlq_at"],
}
AGGREGATE_KEY: dict[str, Any] = {
    "type": "string",
    "description": "The aggregate id (the envelope's `subject`): every event of one aggregate is in one "
                   "partition, in order.",
}


def topic_for(service: str) -> str:
    return TOPIC_PATTERN.format(service=service)


def schema_uri(name: str) -> str:
    return f"{BASE_URI}{name}.json"


def _own_doc(cls: type) -> str | None:
    """The class's own docstring (pydantic would inherit PublicEvent's)."""
    doc = cls.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if doc else None


# -- JSON Schemas -------------------------------------------------------------------


def event_schema(contract: PublicEventSet, public: type[PublicEvent]) -> dict[str, Any]:
    """JSON Schema 2020-12 of one public event's data (what `PublicEventSet.decode` accepts)."""
    type_name = contract.type_name(public)
    schema = public.model_json_schema(mode="validation")
    schema["$schema"] = SCHEMA_DIALECT
    schema["$id"] = schema_uri(type_name)
    schema["title"] = type_name
    schema["description"] = _own_doc(public) or f"{public.event_name} (event of the {contract.service} service)."
    schema["x-shequ-service"] = contract.service
    schema["x-shequ-event"] = public.event_name
    schema["x-shequ-version"] = public.version
    schema["x-shequ-topic"] = topic_for(contract.service)
    return schema


def envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema(mode="validation")
    schema["$schema"] = SCHEMA_DIALECT
    schema["$id"] = schema_uri("envelope")
    schema["title"] = "shequ CloudEvent"
    schema["description"] = (
        "A CloudEvents 1.0 event in structured JSON mode, as shequ publishes it: the whole Kafka message "
        "value. `type` names the event and its version (`shequ.<service>.<Event>.v<n>`); `data` validates "
        "against that type's schema. Attributes that are null are left out."
    )
    return schema


def contract_schemas(contract: PublicEventSet) -> dict[str, dict[str, Any]]:
    return {name: event_schema(contract, public) for name, public in sorted(contract.public_types.items())}


def all_schemas(contracts: Iterable[PublicEventSet]) -> dict[str, dict[str, Any]]:
    """Every public event type's schema, by type name."""
    schemas: dict[str, dict[str, Any]] = {}
    for contract in contracts:
        schemas.update(contract_schemas(contract))
    return dict(sorted(schemas.items()))


# -- AsyncAPI 3.0 -------------------------------------------------------------------------


def _message_id(type_name: str) -> str:
    return type_name.replace("shequ.", "", 1)  # grid.CaseReported.v1


def asyncapi_document(contracts: Sequence[PublicEventSet]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": {"$ref": f"./events/{ENVELOPE_FILE}"}}
    for contract in sorted(contracts, key=lambda c: c.service):
        service = contract.service
        channel_messages: dict[str, Any] = {}
        for type_name, public in sorted(contract.public_types.items()):
            message_id = _message_id(type_name)
            schemas[type_name] = {
                "description": f"The envelope of a {type_name} event; `data` is the event's own schema.",
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": type_name},
                            "source": {"const": contract.source},
                            "data": {"$ref": f"./events/{type_name}.json"},
                        },
                    },
                ],
            }
            messages[message_id] = {
                "name": type_name,
                "title": f"{public.event_name} v{public.version}",
                "summary": _own_doc(public) or f"{public.event_name} (event of the {service} service).",
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/RelayHeaders"},
                "payload": {"$ref": f"#/components/schemas/{type_name}"},
                "correlationId": {"$ref": "#/components/correlationIds/correlationId"},
                "bindings": {"kafka": {"key": AGGREGATE_KEY, "bindingVersion": KAFKA_BINDING_VERSION}},
                "traits": [{"$ref": "#/components/messageTraits/CloudEventsStructured"}],
            }
            channel_messages[message_id] = {"$ref": f"#/components/messages/{message_id}"}
        channels[service] = {
            "address": topic_for(service),
            "title": f"{service} events",
            "description": (
                f"Every public event of the {service} service, keyed by aggregate id. Published by the "
                f"{service} relay from its event store (at least once; drop duplicates by envelope `id`)."
            ),
            "messages": channel_messages,
            "bindings": {"kafka": {"topic": topic_for(service), "bindingVersion": KAFKA_BINDING_VERSION}},
        }
        refs = [{"$ref": f"#/channels/{service}/messages/{m}"} for m in channel_messages]
        operations[f"publish_{service}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{service}"},
            "summary": f"The {service} relay publishes each stored event's public envelope.",
            "messages": refs,
        }
        operations[f"project_{service}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{service}"},
            "summary": f"The district projector applies {service} events to its read models.",
            "messages": refs,
        }
    messages["DeadLetter"] = {
        "name": "DeadLetter",
        "title": "Dead-lettered message",
        "summary": "A message the projector could not decode or apply, copied unchanged (same key and value).",
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original message value, unchanged (possibly not even JSON)."},
        "bindings": {"kafka": {"key": {"type": "string", "description": "The original message key"},
                               "bindingVersion": KAFKA_BINDING_VERSION}},
    }
    channels["deadLetter"] = {
        "address": DEAD_LETTER_TOPIC,
        "title": "District dead letters",
        "description": "Messages the district projector rejected, with the reason in the headers.",
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        "bindings": {"kafka": {"topic": DEAD_LETTER_TOPIC, "bindingVersion": KAFKA_BINDING_VERSION}},
    }
    operations["dead_letter"] = {
        "action": "send",
        "channel": {"$ref": "#/channels/deadLetter"},
        "summary": "The district projector dead-letters a message it cannot decode (contract violation) or apply.",
        "messages": [{"$ref": "#/channels/deadLetter/messages/DeadLetter"}],
    }
    schemas["RelayHeaders"] = RELAY_HEADERS
    schemas["DeadLetterHeaders"] = DEAD_LETTER_HEADERS
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "shequ public events",
            "version": "1.0.0",
            "description": (
                "Every public event of the shequ community-governance platform. Each domain service publishes "
                "to its own Kafka topic `shequ.<service>.v1`, keyed by aggregate id. The message value is a "
                "CloudEvents 1.0 envelope in structured JSON mode (`components.schemas.CloudEvent`); its "
                "`type` is `shequ.<service>.<Event>.v<n>` and its `data` validates against that type's JSON "
                "Schema in `docs/events/`. Generated by `make contract` from the public event models; do not "
                "edit by hand. Versioning and retirement: `docs/events/README.md`."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "correlationIds": {
                "correlationId": {
                    "description": "The request that caused the change (also the envelope's `correlationid`).",
                    "location": "$message.header#/correlation_id",
                },
            },
            "messageTraits": {
                "CloudEventsStructured": {
                    "description": "CloudEvents 1.0, structured mode: the whole envelope is the message value; "
                                   "the Kafka key is the envelope's `subject` (aggregate id).",
                    "externalDocs": {"url": "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/"
                                            "bindings/kafka-protocol-binding.md"},
                },
            },
        },
    }


# -- one service's part (GET /events/catalogue) -------------------------------------------


def service_catalogue(contract: PublicEventSet) -> dict[str, Any]:
    return {
        "service": contract.service,
        "source": contract.source,
        "topic": topic_for(contract.service),
        "key": AGGREGATE_KEY,
        "dead_letter_topic": DEAD_LETTER_TOPIC,
        "envelope": envelope_schema(),
        "events": [
            {"type": name, "event": public.event_name, "version": public.version,
             "schema": event_schema(contract, public)}
            for name, public in sorted(contract.public_types.items())
        ],
    }
