"""District read model of employment services (welfare's job-seeker register): one document per community.

Same protocol as `CommunityWelfare`. Seekers appear only by their register entry's id (never the person's),
and only in the set of seekers placed at least once, which the placement rate needs.
"""

from __future__ import annotations

from typing import Any

from services.district.projections.per_community import PerCommunity, welfare_types
from shared.platform.envelope import Envelope

RETENTION_MONTHS = ("3", "6")


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _group() -> dict[str, Any]:
    return {"seekers": 0, "seekers_placed": 0, "placements": 0,
            "retention": {m: {"checked": 0, "retained": 0} for m in RETENTION_MONTHS}}


_TALLIED = {
    "VacancyPositionFilled": ("vacancies", "filled"),
    "VacancyClosed": ("vacancies", "closed"),
    "JobReferralMade": ("referrals", "made"),
    "JobInterviewRecorded": ("referrals", "interviews"),
    "JobReferralAccepted": ("referrals", "accepted"),
    "JobReferralDeclined": ("referrals", "declined"),
    "TrainingCourseScheduled": ("training", "courses"),
    "TrainingEnrolment": ("training", "enrolments"),
    "TrainingCertificateAwarded": ("training", "certificates"),
}
"""Events that only count one more of something: event name -> (section, counter) of the document."""


class CommunityEmployment(PerCommunity):
    """Per community: seekers, placements, placement rate and retention at 3 and 6 months (by group),
    vacancies, referrals and training."""

    collection = "community_employment"
    types = welfare_types(
        "JobSeekerRegistered", "JobSeekerRegisteredAgain", "JobSeekerPlaced", "JobSeekerSeekingAgain", "JobSeekerWithdrawn",
        "VacancyPosted", "VacancyPositionFilled", "VacancyClosed", "JobReferralMade", "JobInterviewRecorded",
        "JobReferralAccepted", "JobReferralDeclined", "JobPlacementStarted", "JobRetentionRecorded",
        "JobPlacementEnded", "TrainingCourseScheduled", "TrainingEnrolment", "TrainingCertificateAwarded")

    def new_document(self, document_id: str, envelope: Envelope) -> dict[str, Any]:
        return {"_id": document_id, "community_id": document_id,
                "groups": {},  # group -> _group()
                "placed_seekers": {},  # seeker id -> group: placed at least once
                "seeking": 0, "withdrawn": 0, "in_work": 0,
                "vacancies": {"posted": 0, "positions": 0, "filled": 0, "closed": 0},
                "referrals": {"made": 0, "interviews": 0, "accepted": 0, "declined": 0},
                "training": {"courses": 0, "enrolments": 0, "certificates": 0}}

    def apply(self, doc: dict[str, Any], envelope: Envelope, event: Any) -> None:
        if envelope.event_name in _TALLIED:
            section, counter = _TALLIED[envelope.event_name]
            doc[section][counter] += 1
        else:
            getattr(self, f"_on_{envelope.event_name}")(doc, event)

    @staticmethod
    def _group(doc: dict[str, Any], group: str) -> dict[str, Any]:
        return doc["groups"].setdefault(group, _group())

    def _on_JobSeekerRegistered(self, doc: dict, event: Any) -> None:
        self._group(doc, event.group)["seekers"] += 1
        doc["seeking"] += 1

    def _on_JobSeekerRegisteredAgain(self, doc: dict, event: Any) -> None:
        doc["withdrawn"] -= 1
        doc["seeking"] += 1

    def _on_JobSeekerPlaced(self, doc: dict, event: Any) -> None:
        doc["seeking"] -= 1
        if event.seeker_id not in doc["placed_seekers"]:
            doc["placed_seekers"][event.seeker_id] = event.group
            self._group(doc, event.group)["seekers_placed"] += 1

    def _on_JobSeekerSeekingAgain(self, doc: dict, event: Any) -> None:
        doc["seeking"] += 1

    def _on_JobSeekerWithdrawn(self, doc: dict, event: Any) -> None:
        doc["withdrawn"] += 1
        doc["seeking"] -= event.was == "seeking"

    def _on_VacancyPosted(self, doc: dict, event: Any) -> None:
        doc["vacancies"]["posted"] += 1
        doc["vacancies"]["positions"] += event.positions

    def _on_JobPlacementStarted(self, doc: dict, event: Any) -> None:
        self._group(doc, event.group)["placements"] += 1
        doc["in_work"] += 1

    def _on_JobRetentionRecorded(self, doc: dict, event: Any) -> None:
        retention = self._group(doc, event.group)["retention"][str(event.months)]
        retention["checked"] += 1
        retention["retained"] += event.retained
        doc["in_work"] -= not event.retained

    def _on_JobPlacementEnded(self, doc: dict, event: Any) -> None:
        doc["in_work"] -= 1


def employment_rates(figures: dict[str, Any]) -> dict[str, Any]:
    """Sets every `rate` from its parts (per community, and again on the district's summed figures)."""
    for scope in (figures, *figures["by_group"].values()):
        scope["placement_rate"] = _ratio(scope["seekers_placed"], scope["seekers"])
        for retention in scope["retention"].values():
            retention["rate"] = _ratio(retention["retained"], retention["checked"])
    return figures


def employment_figures(doc: dict[str, Any]) -> dict[str, Any]:
    """The figures a district operator sees for one community (no ids)."""
    groups = {g: {"seekers": v["seekers"], "seekers_placed": v["seekers_placed"], "placements": v["placements"],
                  "retention": {m: dict(r) for m, r in v["retention"].items()}}
              for g, v in sorted(doc["groups"].items())}
    retention = {m: {"checked": sum(g["retention"][m]["checked"] for g in groups.values()),
                     "retained": sum(g["retention"][m]["retained"] for g in groups.values())}
                 for m in RETENTION_MONTHS}
    return employment_rates({
        "community_id": doc["community_id"],
        "seekers": sum(g["seekers"] for g in groups.values()),
        "seekers_seeking": doc["seeking"], "seekers_withdrawn": doc["withdrawn"],
        "seekers_placed": sum(g["seekers_placed"] for g in groups.values()),
        "placements": sum(g["placements"] for g in groups.values()), "in_work": doc["in_work"],
        "retention": retention, "by_group": groups,
        "vacancies": dict(doc["vacancies"]), "referrals": dict(doc["referrals"]), "training": dict(doc["training"]),
        "as_of": doc.get("as_of"),
    })
