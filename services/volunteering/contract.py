"""How volunteering's stored events become its public events (`services.volunteering.events`).

The producer's side: names, phone numbers, suspension reasons and the text of
residents' needs are in stored events and are never copied.
"""

from __future__ import annotations

from services.volunteering import events as public
from services.volunteering.domain import Activity, HelpRequest, PointsLedger, Team, Volunteer
from shared.platform.envelope import EventContract

contract = EventContract(public.public_events)
contract.withholds(PointsLedger.Opened)  # the first award or redemption says everything the district needs


def _hours(event: object) -> float:
    return round(event.minutes / 60, 2)  # type: ignore[attr-defined]


for stored, published in ((Volunteer.Registered, public.VolunteerRegistered),
                          (Volunteer.Suspended, public.VolunteerSuspended),
                          (Volunteer.Reinstated, public.VolunteerReinstated)):
    contract.copies(stored, published, id_field="volunteer_id")
for stored, published in ((Team.Formed, public.TeamFormed), (Team.VolunteerJoined, public.VolunteerJoinedTeam),
                          (Team.VolunteerLeft, public.VolunteerLeftTeam),
                          (Team.LeaderAppointed, public.TeamLeaderAppointed)):
    contract.copies(stored, published, id_field="team_id")
for stored, published in ((Activity.Published, public.ActivityPublished), (Activity.SignedUp, public.VolunteerSignedUp),
                          (Activity.SignUpCancelled, public.SignUpCancelled),
                          (Activity.CheckedIn, public.VolunteerCheckedIn),
                          (Activity.Completed, public.ActivityCompleted)):
    contract.copies(stored, published, id_field="activity_id")
contract.copies(Activity.CheckedOut, public.VolunteerCheckedOut, id_field="activity_id", hours=_hours)
contract.copies(Activity.Cancelled, public.ActivityCancelled, id_field="activity_id",
                released_sign_ups=lambda e: e.released)
for stored, published in ((HelpRequest.Received, public.HelpRequestReceived),
                          (HelpRequest.Matched, public.HelpRequestMatched),
                          (HelpRequest.Declined, public.HelpRequestDeclined),
                          (HelpRequest.Expired, public.HelpRequestExpired)):
    contract.copies(stored, published, id_field="help_request_id")
contract.copies(HelpRequest.Fulfilled, public.HelpRequestFulfilled, id_field="help_request_id", hours=_hours)
# A ledger's id is derived from its volunteer's; the events carry the volunteer id itself.
contract.copies(PointsLedger.Awarded, public.PointsAwarded)
contract.copies(PointsLedger.Redeemed, public.PointsRedeemed)
