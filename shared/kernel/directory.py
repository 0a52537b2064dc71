"""The district's community directory, as each service other than grid knows it.

Grid owns the directory; every other service learns it from grid's public
events into `KnownCommunity` aggregates in its own event store, so it can refuse,
with a clear 422, records for a community the district does not have. Learning
is idempotent: the aggregate id is derived from the community id.
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import event

from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Invalid

DIRECTORY_NAMESPACE = uuid.UUID("2f1d8c3e-5a7b-4c9d-8e1f-3a2b4c5d6e7f")


class UnknownCommunity(Invalid):
    def __init__(self, community_id: str) -> None:
        super().__init__(
            f"community {community_id!r} is not in the district directory; communities are registered in the "
            "grid service (a newly registered community is known here within seconds)",
            field="community_id",
        )
        self.community_id = community_id


class KnownCommunity(CommunityAggregate):
    """This service's copy of one directory entry (no personal data); its community is itself."""

    @staticmethod
    def create_id(community_id: str) -> uuid.UUID:
        return uuid.uuid5(DIRECTORY_NAMESPACE, community_id)

    @event("Learned")
    def __init__(self, community_id: str, name: str, residents: int) -> None:
        self.community_id = community_id
        self.name = name
        self.residents = residents

    @event("Relearned")
    def relearn(self, name: str, residents: int) -> None:
        self.name = name
        self.residents = residents


def known_community_id(community_id: str) -> uuid.UUID:
    return KnownCommunity.create_id(community_id)
