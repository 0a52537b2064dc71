"""The public event catalogue, generated from the typed public event models.

One source of truth: each service's `EventContract` (its `PublicEvent` models).
From it this module builds

- one JSON Schema (2020-12) per public event type, for the envelope's `data`
  (`docs/events/<type>.json`),
- the JSON Schema of the CloudEvents envelope (`docs/events/envelope.json`),
- one AsyncAPI 3.0 document describing every topic, its key, the envelope and
  every message (`docs/asyncapi.yaml`),
- each service's part of it, served at `GET /<service>/events/catalogue`.

Output is deterministic (sorted keys, no timestamps), so regenerating on a clean
checkout gives no diff. The committed files are also the compatibility baseline
(see `shared.compat`).

    python -m shared.catalogue write   # regenerate (refuses a breaking change)
    python -m shared.catalogue check   # exit 1 with a summary when out of date
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


from shared.envelope import Envelope, EventContract, PublicEvent

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://shequ.example/events/"
ENVELOPE_FILE = "envelope.json"
TOPIC_PATTERN = "shequ.{service}.v1"  # mirrors Settings.topic_for
DEAD_LETTER_TOPIC = "shequ.district.dlq"  # Settings.dead_letter_topic's default
KAFKA_BINDING_VERSION = "0.5.0"
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EVENTS_DIR = DOCS / "events"
ASYNCAPI_FILE = DOCS / "asyncapi.yaml"

# Kafka record headers the relay sets on every message (see shared.relay).
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


def event_schema(contract: EventContract, public: type[PublicEvent]) -> dict[str, Any]:
    """JSON Schema 2020-12 of one public event's data (what `contract.decode` accepts)."""
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


def contract_schemas(contract: EventContract) -> dict[str, dict[str, Any]]:
    return {name: event_schema(contract, public) for name, public in sorted(contract.public_types.items())}


def all_schemas(contracts: Iterable[EventContract]) -> dict[str, dict[str, Any]]:
    """Every public event type's schema, by type name."""
    schemas: dict[str, dict[str, Any]] = {}
    for contract in contracts:
        schemas.update(contract_schemas(contract))
    return dict(sorted(schemas.items()))


# -- AsyncAPI 3.0 -------------------------------------------------------------------------


def _message_id(type_name: str) -> str:
    return type_name.replace("shequ.", "", 1)  # grid.CaseReported.v1


def asyncapi_document(contracts: Sequence[EventContract]) -> dict[str, Any]:
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


def service_catalogue(contract: EventContract) -> dict[str, Any]:
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


# -- files ------------------------------------------------------------------------------


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _yaml(document: dict[str, Any]) -> str:
    # PyYAML is a tool dependency (`make contract`, the contract tests), not a runtime one: a production
    # install serves the catalogue as JSON and never writes YAML.
    import yaml

    class NoAliasDumper(yaml.SafeDumper):
        """Spells out repeated parts (the key schema) instead of YAML anchors, for readers and diffs."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    header = "# Generated by `make contract` (python -m shared.catalogue write); do not edit.\n"
    return header + yaml.dump(document, Dumper=NoAliasDumper, sort_keys=True, allow_unicode=True, width=100,
                              default_flow_style=False)


def default_contracts() -> list[EventContract]:
    from services.registry import domain_services

    return [d.contract for d in domain_services()]


def render(contracts: Sequence[EventContract] | None = None) -> dict[Path, str]:
    """Every generated file and its content, by path relative to the repository root."""
    contracts = list(contracts if contracts is not None else default_contracts())
    files = {Path("docs/events") / f"{name}.json": _json(schema) for name, schema in all_schemas(contracts).items()}
    files[Path("docs/events") / ENVELOPE_FILE] = _json(envelope_schema())
    files[Path("docs/asyncapi.yaml")] = _yaml(asyncapi_document(contracts))
    return dict(sorted(files.items()))


def generated_schemas(contracts: Sequence[EventContract] | None = None) -> dict[str, dict[str, Any]]:
    """Current schemas by name (event type, or `envelope`), as the compatibility gate compares them."""
    contracts = list(contracts if contracts is not None else default_contracts())
    return {**all_schemas(contracts), "envelope": envelope_schema()}


def out_of_date(root: Path = ROOT, files: dict[Path, str] | None = None) -> list[str]:
    """A summary line (and a short diff) per generated file that differs from what is on disk."""
    from shared.compat import retired_types

    files = files if files is not None else render()
    problems: list[str] = []
    for relative, content in files.items():
        path = root / relative
        if not path.exists():
            problems.append(f"missing: {relative}")
            continue
        on_disk = path.read_text(encoding="utf-8")
        if on_disk != content:
            diff = list(difflib.unified_diff(on_disk.splitlines(), content.splitlines(), f"a/{relative}",
                                             f"b/{relative}", lineterm="", n=1))
            shown = "\n".join("    " + line for line in diff[:40])
            more = f"\n    ... {len(diff) - 40} more diff lines" if len(diff) > 40 else ""
            problems.append(f"out of date: {relative}\n{shown}{more}")
    retired = retired_types(root / "docs/events/RETIRED.md")
    for path in sorted((root / "docs/events").glob("*.json")):
        relative = path.relative_to(root)
        if relative not in files and path.stem not in retired:
            problems.append(f"not generated any more: {relative} (restore the event, or retire it in "
                            "docs/events/RETIRED.md with a date)")
    return problems


def write(root: Path = ROOT, *, allow_breaking: bool = False) -> list[Path]:
    """Write every generated file; refuse (before writing anything) on a breaking change to the baseline."""
    from shared.compat import compare_with_baseline

    if not allow_breaking:
        breaking = compare_with_baseline(generated_schemas(), root / "docs/events")
        if breaking:
            raise BreakingChange(breaking)
    written = []
    for relative, content in render().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            written.append(relative)
    return written


class BreakingChange(Exception):
    def __init__(self, changes: Sequence[object]) -> None:
        super().__init__("\n".join(str(c) for c in changes))
        self.changes = list(changes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.catalogue", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="regenerate docs/events/*.json and docs/asyncapi.yaml")
    w.add_argument("--allow-breaking", action="store_true",
                   help="overwrite the baseline even if the change is breaking (needs review!)")
    sub.add_parser("check", help="exit 1 if the committed catalogue is not what the models generate")
    args = parser.parse_args(argv)
    if args.command == "write":
        try:
            written = write(allow_breaking=args.allow_breaking)
        except BreakingChange as exc:
            print("refusing to overwrite the baseline: breaking change(s) to the public contract:", file=sys.stderr)
            for change in exc.changes:
                print(f"  - {change}", file=sys.stderr)
            print("bump the event's version (a new ...v2 type; keep publishing v1 or retire it in "
                  "docs/events/RETIRED.md), or make the change additive.", file=sys.stderr)
            return 2
        print(f"catalogue: {len(written)} file(s) written" + "".join(f"\n  {p}" for p in written))
        return 0
    problems = out_of_date()
    if problems:
        print("the event catalogue is out of date; run `make contract` and commit the result:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("catalogue: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
