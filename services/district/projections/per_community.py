"""What the per-community read models share: one document per community, for the public event types listed."""

from __future__ import annotations

from typing import Any

from shared.platform.envelope import Envelope


class PerCommunity:
    """A read model keeping one document per community (keyed by the envelope's community id), for the
    event types in `types`; a model that follows a whole service overrides `handles` instead."""

    types: frozenset[str] = frozenset()

    def handles(self, event_type: str) -> bool:
        return event_type in self.types

    def document_id(self, envelope: Envelope, event: Any) -> str:
        return envelope.communityid

    def indexes(self) -> list[tuple[str, int]]:
        return [("community_id", 1)]


def welfare_types(*names: str) -> frozenset[str]:
    return frozenset(f"shequ.welfare.{name}.v1" for name in names)
