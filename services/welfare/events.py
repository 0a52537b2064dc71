"""The welfare service's public events (topic `shequ.welfare.v1`, keyed by aggregate id).

What consumers import, without the domain. Never personal data: persons appear
only as their pseudonymous aggregate id, with categories, an age band,
disability type and grade, and amounts. The mapping from stored events (which
withholds the dedupe index, payment ledger and record-read audit events) is
`services.welfare.contract`.
"""

from __future__ import annotations

from typing import Any

from shared.platform.envelope import PublicEvent, PublicEventSet


class PersonEvent(PublicEvent):
    person_id: str


class PersonRegistered(PersonEvent):
    event_name = "PersonRegistered"
    age_band: str


class PersonCategoryAdded(PublicEvent):
    event_name = "PersonCategoryAdded"
    person_id: str
    category: str
    age_band: str
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonCategoryRemoved(PublicEvent):
    event_name = "PersonCategoryRemoved"
    person_id: str
    category: str
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonLeft(PersonEvent):
    """Base of a person leaving the register: the categories (and disability) they counted in."""

    categories: list[str]
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonMovedOut(PersonLeft):
    event_name = "PersonMovedOut"


class PersonDied(PersonLeft):
    event_name = "PersonDied"


class PersonErased(PersonEvent):
    event_name = "PersonErased"


class AllowanceThresholdSet(PublicEvent):
    event_name = "AllowanceThresholdSet"
    threshold_fen: int
    effective_from: str
    asset_limit_per_person_fen: int | None = None
    notice_days: int | None = None


class HouseholdRegistered(PublicEvent):
    event_name = "HouseholdRegistered"
    household_id: str
    member_count: int
    income_per_person_fen: int


class MeansTestAssessed(PublicEvent):
    event_name = "MeansTestAssessed"
    household_id: str
    passed: bool
    threshold_fen: int
    income_per_person_fen: int


class AllowanceChanged(PublicEvent):
    """Base of allowance events: `monthly_fen` is the amount now paid (0 if none), `previous_fen` before."""

    household_id: str
    monthly_fen: int
    previous_fen: int


class AllowanceGranted(AllowanceChanged):
    event_name = "AllowanceGranted"


class AllowanceAdjusted(AllowanceChanged):
    event_name = "AllowanceAdjusted"


class AllowanceSuspended(AllowanceChanged):
    event_name = "AllowanceSuspended"


class AllowanceResumed(AllowanceChanged):
    event_name = "AllowanceResumed"


class AllowanceEnded(AllowanceChanged):
    event_name = "AllowanceEnded"


class ProgrammeDefined(PublicEvent):
    event_name = "ProgrammeDefined"
    programme_id: str
    name: str
    kind: str
    amount_fen: int
    rule: dict[str, Any]


class ProgrammeEnrolment(PublicEvent):
    programme_id: str
    person_id: str


class PersonEnrolled(ProgrammeEnrolment):
    event_name = "PersonEnrolled"


class PersonExited(ProgrammeEnrolment):
    event_name = "PersonExited"


class CycleEvent(PublicEvent):
    cycle_id: str
    programme_id: str
    month: str


class PaymentCycleOpened(CycleEvent):
    event_name = "PaymentCycleOpened"


class Entitlement(PublicEvent):
    event_name = "Entitlement"
    person_id: str
    amount_fen: int
    categories: list[str]
    age_band: str


class EntitlementsCalculated(CycleEvent):
    event_name = "EntitlementsCalculated"
    count: int
    total_fen: int
    excluded_count: int
    entitlements: list[Entitlement]


class PaymentCycleApproved(CycleEvent):
    event_name = "PaymentCycleApproved"
    dropped_person_ids: list[str]


class PaymentCycleDisbursed(CycleEvent):
    event_name = "PaymentCycleDisbursed"
    on: str
    count: int
    total_fen: int


class PaymentCycleClosed(CycleEvent):
    event_name = "PaymentCycleClosed"


class ReliefDistributed(PublicEvent):
    event_name = "ReliefDistributed"
    relief_id: str
    occasion: str
    kind: str
    person_id: str | None = None
    household_id: str | None = None
    item_count: int
    value_fen: int
    on: str


class StationOpened(PublicEvent):
    event_name = "StationOpened"
    station_id: str
    name: str
    capacity: int


class PlacementEvent(PublicEvent):
    station_id: str
    person_id: str


class PlacementStarted(PlacementEvent):
    event_name = "PlacementStarted"
    monthly_wage_fen: int


class PlacementEnded(PlacementEvent):
    event_name = "PlacementEnded"


class WagePaid(PlacementEvent):
    event_name = "WagePaid"
    month: str
    wage_fen: int
    pension_insurance_fen: int
    medical_insurance_fen: int
    lunch_fen: int


# ---------------------------------------------------------------- the minimum-allowance (低保) cycle
# A household's application, stage by stage: `stage` is where it stands after the event. Grounds,
# findings and the members' incomes stay in the service; the envelope carries counts and amounts.


class AllowanceApplicationEvent(PublicEvent):
    household_id: str
    stage: str | None


class AllowanceApplied(AllowanceApplicationEvent):
    event_name = "AllowanceApplied"
    on: str


class HouseholdCircumstancesRecorded(AllowanceApplicationEvent):
    """An investigation (`change` false) or a later change of circumstances, as of a date."""

    event_name = "HouseholdCircumstancesRecorded"
    as_of: str
    change: bool
    member_count: int
    income_per_person_fen: int
    assets_per_person_fen: int
    threshold_fen: int
    passed: bool
    review_due: str | None = None


class AllowanceCommunityReviewed(AllowanceApplicationEvent):
    event_name = "AllowanceCommunityReviewed"
    on: str
    passed: bool
    votes_for: int
    votes_against: int


class AllowanceNoticeStarted(AllowanceApplicationEvent):
    event_name = "AllowanceNoticeStarted"
    starts_on: str
    ends_on: str
    days: int


class AllowanceObjectionLodged(PublicEvent):
    event_name = "AllowanceObjectionLodged"
    household_id: str
    number: int
    on: str


class AllowanceObjectionResolved(AllowanceApplicationEvent):
    event_name = "AllowanceObjectionResolved"
    number: int
    on: str
    upheld: bool


class AllowanceApplicationApproved(AllowanceApplicationEvent):
    event_name = "AllowanceApplicationApproved"
    on: str
    from_date: str
    review_due: str


class AllowanceReviewed(PublicEvent):
    event_name = "AllowanceReviewed"
    household_id: str
    on: str
    outcome: str
    review_due: str
    overdue: bool


class AllowanceAppealEvent(AllowanceApplicationEvent):
    """Base of an appeal against a decision on the application: when, and against which decision."""

    on: str
    against: str


class AllowanceAppealLodged(AllowanceAppealEvent):
    event_name = "AllowanceAppealLodged"


class AllowanceAppealDecided(AllowanceAppealEvent):
    event_name = "AllowanceAppealDecided"
    upheld: bool


# ---------------------------------------------------------------- employment services
# Seekers appear by their register entry's id (not the person's), with the group they count in.


class EmploymentEvent(PublicEvent):
    group: str


class JobSeekerEvent(EmploymentEvent):
    """Base of what happens to one entry of the job-seeker register."""

    seeker_id: str


class JobSeekerRegistered(JobSeekerEvent):
    event_name = "JobSeekerRegistered"
    registered_on: str


class JobSeekerRegisteredAgain(JobSeekerEvent):
    """Back on the register after withdrawing."""

    event_name = "JobSeekerRegisteredAgain"
    registered_on: str


class JobSeekerPlaced(JobSeekerEvent):
    event_name = "JobSeekerPlaced"
    referral_id: str


class JobSeekerSeekingAgain(JobSeekerEvent):
    event_name = "JobSeekerSeekingAgain"
    on: str


class JobSeekerWithdrawn(JobSeekerEvent):
    event_name = "JobSeekerWithdrawn"
    on: str
    was: str


class VacancyPosted(PublicEvent):
    event_name = "VacancyPosted"
    vacancy_id: str
    enterprise_id: str
    title: str
    positions: int
    monthly_wage_fen: int
    posted_on: str


class VacancyPositionFilled(PublicEvent):
    event_name = "VacancyPositionFilled"
    vacancy_id: str
    referral_id: str


class VacancyClosed(PublicEvent):
    event_name = "VacancyClosed"
    vacancy_id: str
    on: str
    unfilled: int


class ReferralEvent(EmploymentEvent):
    referral_id: str


class JobReferralMade(ReferralEvent):
    event_name = "JobReferralMade"
    seeker_id: str
    vacancy_id: str
    enterprise_id: str
    on: str


class JobInterviewRecorded(PublicEvent):
    event_name = "JobInterviewRecorded"
    referral_id: str
    on: str


class JobReferralAccepted(ReferralEvent):
    event_name = "JobReferralAccepted"
    on: str


class JobReferralDeclined(ReferralEvent):
    event_name = "JobReferralDeclined"
    on: str


class JobPlacementStarted(ReferralEvent):
    event_name = "JobPlacementStarted"
    vacancy_id: str
    enterprise_id: str
    on: str
    monthly_wage_fen: int


class JobRetentionRecorded(ReferralEvent):
    event_name = "JobRetentionRecorded"
    months: int
    retained: bool
    on: str


class JobPlacementEnded(ReferralEvent):
    event_name = "JobPlacementEnded"
    on: str


class TrainingCourseScheduled(PublicEvent):
    event_name = "TrainingCourseScheduled"
    course_id: str
    title: str
    skill: str
    sessions: int
    min_attendance: int
    starts_on: str


class TrainingEnrolment(EmploymentEvent):
    event_name = "TrainingEnrolment"
    course_id: str
    seeker_id: str


class TrainingAttendanceRecorded(PublicEvent):
    event_name = "TrainingAttendanceRecorded"
    course_id: str
    session: int
    present: int


class TrainingCertificateAwarded(EmploymentEvent):
    event_name = "TrainingCertificateAwarded"
    course_id: str
    seeker_id: str
    on: str


public_events = PublicEventSet("welfare", [
    PersonRegistered, PersonCategoryAdded, PersonCategoryRemoved, PersonMovedOut, PersonDied, PersonErased,
    AllowanceThresholdSet, HouseholdRegistered, MeansTestAssessed, AllowanceGranted, AllowanceAdjusted,
    AllowanceSuspended, AllowanceResumed, AllowanceEnded, ProgrammeDefined, PersonEnrolled, PersonExited,
    PaymentCycleOpened, EntitlementsCalculated, PaymentCycleApproved, PaymentCycleDisbursed, PaymentCycleClosed,
    ReliefDistributed, StationOpened, PlacementStarted, PlacementEnded, WagePaid,
    JobSeekerRegistered, JobSeekerRegisteredAgain, JobSeekerPlaced, JobSeekerSeekingAgain, JobSeekerWithdrawn, VacancyPosted,
    VacancyPositionFilled, VacancyClosed, JobReferralMade, JobInterviewRecorded, JobReferralAccepted,
    JobReferralDeclined, JobPlacementStarted, JobRetentionRecorded, JobPlacementEnded, TrainingCourseScheduled,
    TrainingEnrolment, TrainingAttendanceRecorded, TrainingCertificateAwarded,
    AllowanceApplied, HouseholdCircumstancesRecorded, AllowanceCommunityReviewed, AllowanceNoticeStarted,
    AllowanceObjectionLodged, AllowanceObjectionResolved, AllowanceApplicationApproved, AllowanceReviewed,
    AllowanceAppealLodged, AllowanceAppealDecided,
])
