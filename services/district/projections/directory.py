"""The district's community directory: one document per community, learnt from grid's directory events."""

from __future__ import annotations

from typing import Any

from services.district.projections.per_community import PerCommunity
from shared.platform.envelope import Envelope


class CommunityDirectory(PerCommunity):
    collection = "communities"
    types = frozenset({"shequ.grid.CommunityRegistered.v1", "shequ.grid.CommunityDetailsUpdated.v1"})

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id}

    def indexes(self) -> list[tuple[str, int]]:
        return [("district", 1)]

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        doc.update(event.model_dump(exclude={"community_id"}))
        doc.setdefault("registered_at", envelope.time.isoformat())
        doc["updated_at"] = envelope.time.isoformat()
