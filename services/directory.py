"""Every service but grid learns the community directory from grid's public events.

Delivered by Kafka through the consumer kit (a reaction of each service), or,
when the embedded platform starts, from grid's stored events mapped through
grid's public contract (`bootstrap.warm_start`): the same handler, the same
idempotent learning.
"""

from __future__ import annotations

from services.grid.events import CommunityDetailsUpdated, CommunityRegistered
from services.grid.events import public_events as grid_events
from shared.platform.directory import learn
from shared.platform.envelope import Envelope
from shared.platform.eventstore import ServiceApplication
from shared.platform.service import Reaction


def directory_reactions(app: ServiceApplication) -> list[Reaction]:
    def learned(envelope: Envelope, event: CommunityRegistered) -> None:
        learn(app, event.community_id, event.name, event.residents)

    return [(grid_events, CommunityRegistered, learned), (grid_events, CommunityDetailsUpdated, learned)]
