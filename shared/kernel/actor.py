"""Who makes a change: stamped on every stored event, checked by every use case."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from shared.kernel.errors import Forbidden

ALL_COMMUNITIES = "*"
"""In a token's `communities` claim: every community of the district."""


class Role(StrEnum):
    COMMUNITY_STAFF = "community_staff"
    GRID_WORKER = "grid_worker"
    WELFARE_OFFICER = "welfare_officer"
    DISTRICT_OPERATOR = "district_operator"
    AUDITOR = "auditor"
    ADMIN = "admin"


def pseudonym(subject: str) -> str:
    """A stable pseudonymous id for an actor, safe to publish."""
    return hashlib.sha256(f"shequ-actor:{subject}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Actor:
    """Who is making a change; stamped on every stored event."""

    subject: str
    role: str
    pseudonym: str
    communities: tuple[str, ...] = ()
    correlation_id: str | None = None

    def as_event_metadata(self) -> dict[str, Any]:
        meta = asdict(self)
        meta["communities"] = list(self.communities)
        return meta

    def serves(self, community_id: str) -> bool:
        return ALL_COMMUNITIES in self.communities or community_id in self.communities

    def ensure_serves(self, community_id: str) -> None:
        """Forbidden (403) unless the actor serves this community: every use case checks it itself."""
        if not self.serves(community_id):
            raise Forbidden(f"the token does not cover community {community_id!r}")

    def ensure_acts_in(self, community_id: str) -> None:
        """`ensure_serves`, except that an admin acts in every community whatever its token lists
        (the rule of grid and volunteering; economy and welfare hold admins to their token)."""
        if self.role != Role.ADMIN:
            self.ensure_serves(community_id)


def ensure_community(actor: Actor, community_id: str) -> None:
    actor.ensure_serves(community_id)
