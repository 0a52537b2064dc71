"""The embedded platform's warm start: services learn grid's community directory before serving.

Here, in the composition root, because it reads grid's stored events and maps
them through grid's producer contract; the services themselves only know
grid's public events (`services.directory`).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from services.directory import directory_reactions
from services.grid.contract import contract as grid_contract
from services.grid.domain import Community
from shared.platform.eventstore import ServiceApplication


def teach_from_grid_store(grid: ServiceApplication, learners: list[ServiceApplication]) -> int:
    """Replay grid's directory events, as published, into the learners; how many were handled."""
    taught = 0
    handlers: list[tuple[type, Any]] = []
    for learner in learners:
        handlers += [(public, handle) for _, public, handle in directory_reactions(learner)]
    topics = [get_topic(Community.Registered), get_topic(Community.DetailsUpdated)]
    for notification in grid.recorder.select_notifications(1, 1_000_000, topics=topics):
        event = grid.mapper.to_domain_event(notification)
        envelope = grid_contract.to_envelope(event)
        if envelope is None:
            continue
        decoded = grid_contract.events.decode(envelope)
        for public, handle in handlers:
            if type(decoded) is public:
                handle(envelope, decoded)
                taught += 1
    return taught
