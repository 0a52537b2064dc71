"""How welfare's stored events become its public events (`services.welfare.events`).

The producer's side: sealed personal records, the national-id dedupe index,
the payment ledger and record-read audit events are never published.
"""

from __future__ import annotations

from typing import Any

from services.welfare import events as public
from services.welfare.domain import (
    AllowanceRoll, Household, JobSeeker, LocalStandard, NationalIdClaim, PaymentCycle, PaymentLedger, Person,
    Programme, Referral, ReliefDistribution, Station, TrainingCourse, Vacancy,
)
from shared.platform.envelope import EventContract

contract = EventContract(public.public_events)
contract.withholds(
    Person.RecordRead, Person.HouseholdJoined, Person.HouseholdLeft, AllowanceRoll.Started, AllowanceRoll.Synced,
    NationalIdClaim.Claimed, NationalIdClaim.Reclaimed, NationalIdClaim.Released, PaymentLedger.Started,
    PaymentLedger.Claimed, PaymentLedger.Released,
)


def _disability(details_of: Any) -> dict[str, Any]:
    """The disability fields, from a function of the event giving the disabled category's details."""
    return {field: (lambda e, f=field: details_of(e).get(f)) for field in ("disability_type", "disability_grade")}


contract.copies(Person.Registered, public.PersonRegistered, id_field="person_id")
contract.copies(Person.CategoryAdded, public.PersonCategoryAdded, id_field="person_id")
contract.copies(Person.CategoryRemoved, public.PersonCategoryRemoved, id_field="person_id",
                **_disability(lambda e: e.details))
for stored, published in ((Person.MovedOut, public.PersonMovedOut), (Person.Died, public.PersonDied)):
    contract.copies(stored, published, id_field="person_id", categories=lambda e: sorted(e.categories),
                    **_disability(lambda e: e.categories.get("disabled", {})))
contract.copies(Person.Erased, public.PersonErased, id_field="person_id")

contract.copies(LocalStandard.Set, public.AllowanceThresholdSet)
contract.copies(LocalStandard.Changed, public.AllowanceThresholdSet)

contract.copies(Household.Registered, public.HouseholdRegistered, id_field="household_id",
                member_count=lambda e: len(e.members))
contract.copies(Household.MeansTestAssessed, public.MeansTestAssessed, id_field="household_id")
# `monthly_fen` is what is paid from now on (0 if nothing), `previous_fen` what was paid before.
for stored, published, monthly, previous in (
    (Household.AllowanceGranted, public.AllowanceGranted, lambda e: e.monthly_fen, lambda e: e.previous_fen),
    (Household.AllowanceAdjusted, public.AllowanceAdjusted, lambda e: e.monthly_fen if e.active else 0,
     lambda e: e.previous_fen),
    (Household.AllowanceSuspended, public.AllowanceSuspended, lambda e: 0, lambda e: e.previous_fen),
    (Household.AllowanceResumed, public.AllowanceResumed, lambda e: e.monthly_fen, lambda e: 0),
    (Household.AllowanceEnded, public.AllowanceEnded, lambda e: 0, lambda e: e.previous_fen),
):
    contract.copies(stored, published, id_field="household_id", monthly_fen=monthly, previous_fen=previous)

contract.copies(Programme.Defined, public.ProgrammeDefined, id_field="programme_id")
contract.copies(Programme.PersonEnrolled, public.PersonEnrolled, id_field="programme_id")
contract.copies(Programme.PersonExited, public.PersonExited, id_field="programme_id")


def _entitlements(event: Any) -> list[public.Entitlement]:
    return [public.Entitlement(person_id=r["person_id"], amount_fen=r["amount_fen"], categories=r["categories"],
                               age_band=r["age_band"]) for r in event.entitlements]


for stored, published in ((PaymentCycle.Opened, public.PaymentCycleOpened),
                          (PaymentCycle.Disbursed, public.PaymentCycleDisbursed),
                          (PaymentCycle.Closed, public.PaymentCycleClosed)):
    contract.copies(stored, published, id_field="cycle_id")
contract.copies(PaymentCycle.EntitlementsCalculated, public.EntitlementsCalculated, id_field="cycle_id",
                entitlements=_entitlements, count=lambda e: len(e.entitlements),
                total_fen=lambda e: sum(r["amount_fen"] for r in e.entitlements),
                excluded_count=lambda e: len(e.excluded))
contract.copies(PaymentCycle.Approved, public.PaymentCycleApproved, id_field="cycle_id",
                dropped_person_ids=lambda e: [d["person_id"] for d in e.dropped])

contract.copies(ReliefDistribution.Distributed, public.ReliefDistributed, id_field="relief_id",
                person_id=lambda e: e.recipient_person_id, household_id=lambda e: e.recipient_household_id,
                item_count=lambda e: len(e.items))

contract.copies(Station.Opened, public.StationOpened, id_field="station_id")
for stored, published in ((Station.PlacementStarted, public.PlacementStarted),
                          (Station.PlacementEnded, public.PlacementEnded), (Station.WagePaid, public.WagePaid)):
    contract.copies(stored, published, id_field="station_id")

# Employment services: the seeker's register entry, never the person's id; the withdrawal's reason is withheld.
contract.copies(JobSeeker.Registered, public.JobSeekerRegistered, id_field="seeker_id")
contract.copies(JobSeeker.RegisteredAgain, public.JobSeekerRegisteredAgain, id_field="seeker_id")
contract.copies(JobSeeker.Placed, public.JobSeekerPlaced, id_field="seeker_id")
contract.copies(JobSeeker.SeekingAgain, public.JobSeekerSeekingAgain, id_field="seeker_id")
contract.copies(JobSeeker.Withdrawn, public.JobSeekerWithdrawn, id_field="seeker_id")
contract.copies(Vacancy.Posted, public.VacancyPosted, id_field="vacancy_id")
contract.copies(Vacancy.PositionFilled, public.VacancyPositionFilled, id_field="vacancy_id")
contract.copies(Vacancy.Closed, public.VacancyClosed, id_field="vacancy_id")
for stored, published in ((Referral.Made, public.JobReferralMade),
                          (Referral.InterviewRecorded, public.JobInterviewRecorded),
                          (Referral.Accepted, public.JobReferralAccepted),
                          (Referral.Declined, public.JobReferralDeclined),
                          (Referral.PlacementStarted, public.JobPlacementStarted),
                          (Referral.RetentionRecorded, public.JobRetentionRecorded),
                          (Referral.PlacementEnded, public.JobPlacementEnded)):
    contract.copies(stored, published, id_field="referral_id")
contract.copies(TrainingCourse.Scheduled, public.TrainingCourseScheduled, id_field="course_id")
contract.copies(TrainingCourse.SeekerEnrolled, public.TrainingEnrolment, id_field="course_id")
contract.copies(TrainingCourse.AttendanceRecorded, public.TrainingAttendanceRecorded, id_field="course_id",
                present=lambda e: len(e.present))
contract.copies(TrainingCourse.CertificateAwarded, public.TrainingCertificateAwarded, id_field="course_id")

# The minimum-allowance cycle: counts, amounts and stages; grounds, findings and incomes withheld.
for stored, published, computed in (
    (Household.ApplicationReceived, public.AllowanceApplied, {}),
    (Household.CircumstancesRecorded, public.HouseholdCircumstancesRecorded,
     {"member_count": lambda e: len(e.incomes)}),
    (Household.CommunityReviewed, public.AllowanceCommunityReviewed, {}),
    (Household.PublicNoticeStarted, public.AllowanceNoticeStarted, {}),
    (Household.ObjectionLodged, public.AllowanceObjectionLodged, {}),
    (Household.ObjectionResolved, public.AllowanceObjectionResolved, {}),
    (Household.ApplicationApproved, public.AllowanceApplicationApproved, {}),
    (Household.AllowanceReviewed, public.AllowanceReviewed, {}),
    (Household.AppealLodged, public.AllowanceAppealLodged, {}),
    (Household.AppealDecided, public.AllowanceAppealDecided, {}),
):
    contract.copies(stored, published, id_field="household_id", **computed)
