"""Every service but grid learns the community directory from grid's public events.

Delivered by Kafka through the consumer kit (a reaction of each service), or,
when the embedded platform starts, from grid's stored events mapped through
grid's public contract: the same handler, the same idempotent learning.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from services.grid.contract import CommunityDetailsUpdated, CommunityRegistered
from services.grid.contract import contract as grid_contract
from services.grid.domain import Community
from shared.platform.directory import learn
from shared.platform.envelope import Envelope
from shared.platform.eventstore import ServiceApplication
from shared.platform.service import Reaction


def directory_reactions(app: ServiceApplication) -> list[Reaction]:
    def learned(envelope: Envelope, event: CommunityRegistered) -> None:
        learn(app, event.community_id, event.name, event.residents)

    return [(grid_contract, CommunityRegistered, learned), (grid_contract, CommunityDetailsUpdated, learned)]


def teach_from_grid_store(grid: ServiceApplication, learners: list[ServiceApplication]) -> int:
    """Warm start for one process: replay grid's directory events, as published, into the learners."""
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
        decoded = grid_contract.decode(envelope)
        for public, handle in handlers:
            if type(decoded) is public:
                handle(envelope, decoded)
                taught += 1
    return taught
