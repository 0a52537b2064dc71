"""The public event envelope: CloudEvents 1.0, structured JSON mode.

Public events are a deliberate mapping from stored events, so internal changes don't
break consumers and private fields are withheld. Two halves: `PublicEventSet` (a
service's public events, all a consumer needs) and `EventContract` (the producer's
mapping from stored events onto that set).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import to_json

from shared.kernel.directory import KnownCommunity
from shared.platform.idempotency import IdempotencyRecord

ENVELOPE_NAMESPACE = uuid.UUID("8a4f5a0e-6b1c-4f3e-9d7a-5b2c1e0f9a11")
TYPE_PATTERN = r"^shequ\.[a-z]+\.[A-Z][A-Za-z]+\.v[1-9][0-9]*$"
_TYPE_RE = re.compile(TYPE_PATTERN)


class Envelope(BaseModel):
    """A CloudEvents 1.0 event as shequ publishes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=128)
    source: str = Field(pattern=r"^/shequ/[a-z]+$")
    type: str = Field(pattern=TYPE_PATTERN)
    subject: str = Field(min_length=1, max_length=128, description="Aggregate id")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    communityid: str = Field(min_length=1, max_length=64)
    aggregateversion: int = Field(ge=1)
    actorrole: str | None = Field(default=None, max_length=32)
    actorid: str | None = Field(default=None, max_length=64, description="Pseudonymous actor id")
    correlationid: str | None = Field(default=None, max_length=128)
    data: dict[str, Any]

    @property
    def service(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    @property
    def event_name(self) -> str:
        """`CaseReported` of `shequ.grid.CaseReported.v1`."""
        return self.type.split(".")[2]

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        """Raises `InvalidEnvelope` with a readable reason."""
        try:  # fast path: pydantic-core parses and validates in one pass
            return cls.model_validate_json(raw)
        except ValidationError:
            pass  # find out why, below, for a readable reason
        try:
            payload = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidEnvelope(f"not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise InvalidEnvelope("not a JSON object")
        try:
            return cls.model_validate(payload)
        except ValidationError as exc:
            raise InvalidEnvelope(f"not a shequ CloudEvent: {_brief(exc)}") from None


class InvalidEnvelope(ValueError):
    pass


def decode_message(raw: bytes, contracts: Mapping[str, PublicEventSet]) -> tuple[Envelope, PublicEvent]:
    """A consumed message's envelope and its public event, by the contract of the service that sent it."""
    envelope = Envelope.from_bytes(raw)
    contract = contracts.get(envelope.service)
    if contract is None:
        raise InvalidEnvelope(f"unknown source {envelope.source}")
    return envelope, contract.decode(envelope)


def envelope_id(service: str, aggregate_id: str, aggregate_version: int) -> str:
    """Stable for a given stored event, so a re-published event keeps its id.

    It is `uuid5(ENVELOPE_NAMESPACE, "service/aggregate/version")`, computed from the digest directly:
    the relay makes one per event, and two UUID objects per event were a tenth of its mapping time.
    """
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{service}/{aggregate_id}/{aggregate_version}".encode(),
                                    usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    hexed = digest.hex()
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


_NAMESPACE_BYTES = ENVELOPE_NAMESPACE.bytes


class PublicEvent(BaseModel):
    """Base of every public event payload (the envelope's `data`).

    A subclass's `event_name` is its class name (e.g. "CaseReported") unless its body sets one, as a
    later version's class does (`CaseReportedV2`: `event_name = "CaseReported"`, `version = 2`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_name: ClassVar[str]
    version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_name" not in cls.__dict__:
            cls.event_name = cls.__name__


class PublicEventSet:
    """One service's public events as a consumer sees them: their type names and how to decode them.

    Built in the service's `events` module, which imports no domain: what consumers, other
    services' reactions and the district read side depend on.
    """

    def __init__(self, service: str, events: Iterable[type[PublicEvent]]) -> None:
        self.service = service
        self.source = f"/shequ/{service}"
        self.public_types: dict[str, type[PublicEvent]] = {}
        for public in events:
            type_name = self.type_name(public)
            if not _TYPE_RE.match(type_name):
                raise ValueError(f"bad public event type {type_name}")
            if type_name in self.public_types:
                raise ValueError(f"{type_name} listed twice in the {service} events")
            self.public_types[type_name] = public
        self._typed_envelopes: dict[type[PublicEvent], type[Envelope]] = {}

    def type_name(self, public: type[PublicEvent]) -> str:
        return f"shequ.{self.service}.{public.event_name}.v{public.version}"

    def includes(self, public: type[PublicEvent]) -> bool:
        return self.public_types.get(self.type_name(public)) is public

    def check(self, raw: bytes, public: type[PublicEvent]) -> None:
        """Raise `ValidationError` unless `raw` is a valid envelope whose data is exactly a `public` event:
        what `decode(Envelope.from_bytes(raw), strict=True)` checks, in one parse of the bytes."""
        typed = self._typed_envelopes.get(public)
        if typed is None:
            typed = self._typed_envelopes[public] = create_model(
                f"{public.__name__}Envelope", __base__=Envelope, data=(public, ...))
        typed.model_validate_json(raw)

    def decode(self, envelope: Envelope, *, strict: bool = False) -> PublicEvent:
        """Validate an envelope's data against its public event model.

        Consumers read tolerantly: fields added later (optional, same version)
        are ignored, so a producer can be deployed before its consumers. The
        relay checks strictly: it never publishes a field the model lacks.
        """
        public = self.public_types.get(envelope.type)
        if public is None:
            raise InvalidEnvelope(f"unknown event type {envelope.type}")
        if not strict:
            fields = _FIELD_NAMES.get(public)
            if fields is None:  # cached: pydantic's model_fields is a computed property, costly per message
                fields = _FIELD_NAMES[public] = frozenset(public.model_fields)
            data = {k: v for k, v in envelope.data.items() if k in fields}
        else:
            data = envelope.data
        try:
            return public.model_validate(data)
        except ValidationError as exc:
            raise InvalidEnvelope(f"{envelope.type} data invalid: {_brief(exc)}") from None


class Outgoing(NamedTuple):
    """One public event as the relay sends it: the envelope's bytes, and what its key and headers repeat."""

    subject: str
    type: str
    id: str
    correlationid: str | None
    public: type[PublicEvent]
    value: bytes


@dataclass(frozen=True)
class PublicMapping:
    """How one stored event class becomes one public event (or nothing)."""

    public: type[PublicEvent]
    convert: Callable[[Any], PublicEvent]


class EventContract:
    """The producer's side: which stored event class becomes which of its public events.

    Lives beside the domain (`services/<service>/contract.py`); only the relay and the
    service's own tools (trace, warm start) need it.
    """

    def __init__(self, events: PublicEventSet) -> None:
        self.events = events
        self.service = events.service
        self._mappings: dict[type, PublicMapping] = {}
        self._private: set[type] = set()
        self._resolved: dict[type, PublicMapping | None] = {}

    def publishes(self, stored: type, public: type[PublicEvent]) -> Callable[[Callable[[Any], PublicEvent]], Callable]:
        """Decorator registering a converter from a stored event class."""
        if not self.events.includes(public):
            raise ValueError(f"{public.__qualname__} is not among the {self.service} public events")

        def register(convert: Callable[[Any], PublicEvent]) -> Callable[[Any], PublicEvent]:
            self._mappings[stored] = PublicMapping(public, convert)
            self._resolved.clear()
            return convert

        return register

    def copies(self, stored: type, public: type[PublicEvent], *, id_field: str | None = None,
               **computed: Callable[[Any], Any]) -> None:
        """Publish `stored` as `public` field by field, the common case of a converter.

        The aggregate id goes to `id_field`; each field in `computed` comes from its function of
        the stored event; every other field from the stored attribute of the same name, or keeps
        its default when the stored event (an older version) has no such attribute.
        """
        fields = tuple(public.model_fields)  # read once: a computed property, costly per event
        unknown = ({id_field} - {None}) | set(computed)
        if unknown - set(fields):
            raise ValueError(f"{public.__qualname__} has no field(s) {sorted(unknown - set(fields))}")
        copied = tuple(name for name in fields if name != id_field and name not in computed)

        def convert(event: Any) -> PublicEvent:
            values = {name: getattr(event, name) for name in copied if hasattr(event, name)}
            if id_field is not None:
                values[id_field] = str(event.originator_id)
            values.update((name, compute(event)) for name, compute in computed.items())
            return public(**values)

        self.publishes(stored, public)(convert)

    def withholds(self, *stored: type) -> None:
        """Declare stored events that are deliberately not published."""
        self._private.update(stored)
        self._resolved.clear()

    def unpublished(self) -> set[type[PublicEvent]]:
        """Public events no stored event maps to (a catalogue entry nothing would ever send)."""
        return set(self.events.public_types.values()) - {m.public for m in self._mappings.values()}

    def to_envelope(self, event: Any) -> Envelope | None:
        """The public envelope of a stored event, None if it is withheld."""
        published = self._envelope_fields(event)
        return None if published is None else Envelope(**published[1])

    def to_outgoing(self, event: Any) -> Outgoing | None:
        """What the relay sends for a stored event (None if withheld): the bytes `to_envelope(event).to_bytes()`
        would give, made without building and validating an `Envelope` first; the relay checks the bytes
        themselves as a consumer will (`PublicEventSet.check`)."""
        published = self._envelope_fields(event)
        if published is None:
            return None
        public, fields = published
        value = to_json({name: value for name, value in fields.items() if value is not None})
        return Outgoing(fields["subject"], fields["type"], fields["id"], fields["correlationid"], public, value)

    def _envelope_fields(self, event: Any) -> tuple[type[PublicEvent], dict[str, Any]] | None:
        """The event's public model and its envelope's fields, in the envelope's field order."""
        mapping = self.mapping_for(type(event))
        if mapping is None:
            return None
        data = mapping.convert(event)
        if not isinstance(data, mapping.public):
            raise TypeError(f"converter for {type(event).__qualname__} returned {type(data).__name__}")
        actor: Mapping[str, Any] = getattr(event, "actor", None) or {}
        aggregate_id = str(event.originator_id)
        return mapping.public, {
            "specversion": "1.0",
            "id": envelope_id(self.service, aggregate_id, event.originator_version),
            "source": self.events.source,
            "type": self.events.type_name(mapping.public),
            "subject": aggregate_id,
            "time": event.timestamp,
            "datacontenttype": "application/json",
            "communityid": event.community_id,
            "aggregateversion": event.originator_version,
            "actorrole": actor.get("role"),
            "actorid": actor.get("pseudonym"),
            "correlationid": actor.get("correlation_id"),
            "data": data.model_dump(mode="json"),
        }

    def mapping_for(self, stored: type) -> PublicMapping | None:
        """How events of a stored class are published; None if they are withheld. Raises `LookupError`
        for a class the contract does not mention. Resolved once per class (the relay asks per event)."""
        try:
            return self._resolved[stored]
        except KeyError:
            pass
        if issubclass(stored, _BOOKKEEPING):  # the service's own bookkeeping, never public
            mapping = None
        elif stored in self._mappings:
            mapping = self._mappings[stored]
        elif stored in self._private:
            mapping = None
        else:
            raise LookupError(
                f"{stored.__qualname__} has no public mapping in the {self.service} contract; "
                "publish it or declare it withheld"
            )
        self._resolved[stored] = mapping
        return mapping


_FIELD_NAMES: dict[type[PublicEvent], frozenset[str]] = {}


_BOOKKEEPING = (IdempotencyRecord.Event, KnownCommunity.Event)
"""Stored events of a service's own bookkeeping (idempotency records, its copy of the directory)."""


def _brief(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:5]
    )
