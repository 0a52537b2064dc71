"""The aggregate base of every domain: each event says which community it belongs to and who caused it
(the audit trail is the event log itself)."""

from __future__ import annotations

from dataclasses import KW_ONLY
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from shared.kernel import clock


class CommunityAggregate(Aggregate):
    """An aggregate that belongs to one community."""

    community_id: str

    class Event(Aggregate.Event):
        community_id: str
        _: KW_ONLY
        actor: dict | None = None

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        pass

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("community_id", self.community_id)
        super().trigger_event(event_class, **kwargs)
