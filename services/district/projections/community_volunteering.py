"""District read model of volunteering: one document per community.

Same protocol as `CommunityGrid` (the runtime dedupes by aggregate version and
writes each touched document once per batch). Volunteers appear only by their
pseudonymous id. Durations are kept in minutes and shown as hours.
"""

from __future__ import annotations

import bisect
import statistics
from datetime import datetime, timedelta
from typing import Any

from services.district.projections.per_community import PerCommunity
from shared.platform.envelope import Envelope

ACTIVE_DAYS = 90
FULFIL_SAMPLE = 500  # most recent time-to-fulfil durations kept for the median


class CommunityVolunteering(PerCommunity):
    """Per community: volunteers, hours per month, activities, help requests, points, team hours."""

    collection = "community_volunteering"
    prefix = "shequ.volunteering."

    def handles(self, event_type: str) -> bool:
        return event_type.startswith(self.prefix)

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {
            "_id": document_id, "community_id": document_id,
            "volunteers": {},  # volunteer id -> {"suspended": bool, "last_active": "YYYY-MM-DD" | None}
            "registered": 0, "suspended": 0,
            "minutes_by_month": {},  # "YYYY-MM" -> minutes served (activities and help requests)
            "activities": {"published": 0, "held": 0, "cancelled": 0, "participants": 0},
            "help": {"received": 0, "fulfilled": 0, "declined": 0, "expired": 0, "from_grid": 0},
            "fulfil_minutes": [],  # bounded: [fulfilled at, minutes from received], ordered by time, most recent last
            "points": {"awarded": 0, "redeemed": 0},
            "teams": {},  # team id -> {"name", "purpose", "members", "minutes"}
        }

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        handler = getattr(self, f"_on_{envelope.event_name}", None)
        if handler is not None:
            handler(doc, envelope, event)

    # -- volunteers and teams -------------------------------------------------

    def _on_VolunteerRegistered(self, doc: dict, envelope: Envelope, event: Any) -> None:
        # Activity events of other aggregates may name a volunteer before its registration is read.
        volunteer = _volunteer(doc, event.volunteer_id)
        if not volunteer.get("registered"):
            volunteer["registered"] = True
            doc["registered"] += 1

    def _on_VolunteerSuspended(self, doc: dict, envelope: Envelope, event: Any) -> None:
        _volunteer(doc, event.volunteer_id)["suspended"] = True
        doc["suspended"] += 1

    def _on_VolunteerReinstated(self, doc: dict, envelope: Envelope, event: Any) -> None:
        _volunteer(doc, event.volunteer_id)["suspended"] = False
        doc["suspended"] -= 1

    def _on_TeamFormed(self, doc: dict, envelope: Envelope, event: Any) -> None:
        team = _team(doc, event.team_id)
        team.update(name=event.name, purpose=str(event.purpose))

    def _on_VolunteerJoinedTeam(self, doc: dict, envelope: Envelope, event: Any) -> None:
        _team(doc, event.team_id)["members"] += 1

    def _on_VolunteerLeftTeam(self, doc: dict, envelope: Envelope, event: Any) -> None:
        _team(doc, event.team_id)["members"] -= 1

    # -- activities -----------------------------------------------------------

    def _on_ActivityPublished(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["activities"]["published"] += 1

    def _on_VolunteerSignedUp(self, doc: dict, envelope: Envelope, event: Any) -> None:
        _active(doc, event.volunteer_id, envelope.time)

    def _on_VolunteerCheckedOut(self, doc: dict, envelope: Envelope, event: Any) -> None:
        _served(doc, event.volunteer_id, event.team_id, event.minutes, event.at)

    def _on_ActivityCompleted(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["activities"]["held"] += 1
        doc["activities"]["participants"] += event.participants

    def _on_ActivityCancelled(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["activities"]["cancelled"] += 1

    # -- help requests --------------------------------------------------------

    def _on_HelpRequestReceived(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["help"]["received"] += 1
        doc["help"]["from_grid"] += event.grid_case_id is not None

    def _on_HelpRequestFulfilled(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["help"]["fulfilled"] += 1
        took = max(0, int((envelope.time - event.received_at).total_seconds() // 60))
        # Ordered by the time of fulfilment, not of arrival: a rebuild keeps the sample live kept.
        kept = doc["fulfil_minutes"]
        bisect.insort(kept, [envelope.time.isoformat(), took])
        del kept[:-FULFIL_SAMPLE]
        _served(doc, event.volunteer_id, event.team_id, event.minutes, envelope.time)

    def _on_HelpRequestDeclined(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["help"]["declined"] += 1

    def _on_HelpRequestExpired(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["help"]["expired"] += 1

    # -- points ---------------------------------------------------------------

    def _on_PointsAwarded(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["points"]["awarded"] += event.points

    def _on_PointsRedeemed(self, doc: dict, envelope: Envelope, event: Any) -> None:
        doc["points"]["redeemed"] += event.points


def _volunteer(doc: dict, volunteer_id: str) -> dict[str, Any]:
    return doc["volunteers"].setdefault(volunteer_id, {"suspended": False, "last_active": None})


def _team(doc: dict, team_id: str) -> dict[str, Any]:
    return doc["teams"].setdefault(team_id, {"name": None, "purpose": None, "members": 0, "minutes": 0})


def _active(doc: dict, volunteer_id: str, when: datetime) -> None:
    volunteer = _volunteer(doc, volunteer_id)
    day = when.date().isoformat()
    if volunteer["last_active"] is None or day > volunteer["last_active"]:
        volunteer["last_active"] = day


def _served(doc: dict, volunteer_id: str | None, team_id: str | None, minutes: int, when: datetime) -> None:
    month = when.strftime("%Y-%m")
    doc["minutes_by_month"][month] = doc["minutes_by_month"].get(month, 0) + minutes
    if volunteer_id:
        _active(doc, volunteer_id, when)
    if team_id:
        _team(doc, team_id)["minutes"] += minutes


def _hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def volunteering_figures(doc: dict[str, Any], now: datetime, residents: int | None = None) -> dict[str, Any]:
    """A community's volunteering figures. `residents` (from grid) gives volunteers per 1,000 residents."""
    since = (now.date() - timedelta(days=ACTIVE_DAYS)).isoformat()
    active = sum(1 for v in doc["volunteers"].values() if v["last_active"] and v["last_active"] >= since)
    durations = [d[1] if isinstance(d, list) else d for d in doc["fulfil_minutes"]]
    help_ = doc["help"]
    leaderboard = sorted(
        ({"team_id": tid, "name": t["name"], "purpose": t["purpose"], "members": t["members"],
          "hours": _hours(t["minutes"])} for tid, t in doc["teams"].items()),
        key=lambda t: (-t["hours"], t["name"] or "", t["team_id"]),
    )
    return {
        "community_id": doc["community_id"],
        "registered_volunteers": doc["registered"],
        "suspended_volunteers": doc["suspended"],
        "active_volunteers_90d": active,
        "volunteers_per_1000_residents": round(doc["registered"] * 1000 / residents, 1) if residents else None,
        "hours_by_month": {m: _hours(v) for m, v in sorted(doc["minutes_by_month"].items())},
        "hours_total": _hours(sum(doc["minutes_by_month"].values())),
        "activities_held": doc["activities"]["held"],
        "activities_cancelled": doc["activities"]["cancelled"],
        "activity_participations": doc["activities"]["participants"],
        "help_requests": {
            **help_,
            "open": help_["received"] - help_["fulfilled"] - help_["declined"] - help_["expired"],
            "median_hours_to_fulfil": _hours(statistics.median(durations)) if durations else None,
        },
        "points": {**doc["points"], "outstanding": doc["points"]["awarded"] - doc["points"]["redeemed"]},
        "team_leaderboard": leaderboard,
        "as_of": doc.get("as_of"),
    }
