"""Learning the community directory into a service's own event store (see `shared.kernel.directory`)."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError

from shared.kernel.actor import Actor, pseudonym
from shared.kernel.directory import KnownCommunity, known_community_id


def learn(app: Any, community_id: str, name: str, residents: int) -> None:
    """Record (or refresh) a directory entry; a repeat with the same content stores nothing."""
    actor = Actor(subject="directory:grid", role="system", pseudonym=pseudonym("directory:grid"))
    try:
        entry: KnownCommunity = app.repository.get(known_community_id(community_id))
    except AggregateNotFoundError:
        entry = KnownCommunity(community_id=community_id, name=name, residents=residents)
    else:
        if (entry.name, entry.residents) == (name, residents):
            return
        entry.relearn(name=name, residents=residents)
    app.save(entry, actor=actor)
