"""The bare `eventsourcing` application the command-path benchmark compares against (module level: stable topics)."""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate


class Report(Aggregate):
    def __init__(self, community_id: str, category: str, description: str) -> None:
        self.community_id, self.category, self.description = community_id, category, description


class Bare(Application):
    name = "Bare"
