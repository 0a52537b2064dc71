"""The district's community directory: one document per community, learnt from grid's directory events."""

from __future__ import annotations

from typing import Any

from shared.platform.envelope import Envelope, PublicEvent


class CommunityDirectory:
    collection = "communities"
    _types = {"shequ.grid.CommunityRegistered.v1", "shequ.grid.CommunityDetailsUpdated.v1"}

    def handles(self, event_type: str) -> bool:
        return event_type in self._types

    def document_id(self, envelope: Envelope, event: PublicEvent) -> str:
        return envelope.communityid

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id}

    def indexes(self) -> list[tuple[str, int]]:
        return [("district", 1)]

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        doc.update(event.model_dump(exclude={"community_id"}))
        doc.setdefault("registered_at", envelope.time.isoformat())
        doc["updated_at"] = envelope.time.isoformat()
