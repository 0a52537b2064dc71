"""What every domain service provides, so the runtime can treat all of them alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from shared.platform.envelope import Envelope, EventContract, PublicEvent, PublicEventSet
from shared.platform.eventstore import ServiceApplication
from shared.platform.querytables import QueryProjection

Reaction = tuple[PublicEventSet, type[PublicEvent], Callable[[Envelope, Any], None]]
"""(the other service's public events, one of them, handler(envelope, event))."""


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    application_class: type[ServiceApplication]
    contract: EventContract
    router: Callable[[], APIRouter]
    """Builds the service's HTTP routes; they find the application on `request.app.state`."""
    reactions: Callable[[ServiceApplication], list[Reaction]] | None = None
    """The events of other services this one reacts to (consumed from their topics, never over HTTP);
    the runtime runs them in a consumer group `shequ-<name>-reactions` (see shared/consumer.py)."""
    query_tables: type[QueryProjection] | None = None
    """The service's query tables (its list endpoints read them; the runtime runs their projection)."""
