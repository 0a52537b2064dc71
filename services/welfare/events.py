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
    age_band: str


class PersonCategoryAdded(PublicEvent):
    person_id: str
    category: str
    age_band: str
    disability_type: str | None = None
    disability_grade: int | None = None


class PersonCategoryRemoved(PublicEvent):
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
    """A registered person moved out of the community."""


class PersonDied(PersonLeft):
    """A registered person died."""


class PersonErased(PersonEvent):
    """A person's record was erased on request; only the pseudonymous id remains."""


class AllowanceThresholdSet(PublicEvent):
    threshold_fen: int
    effective_from: str
    asset_limit_per_person_fen: int | None = None
    notice_days: int | None = None


class HouseholdRegistered(PublicEvent):
    household_id: str
    member_count: int
    income_per_person_fen: int


class MeansTestAssessed(PublicEvent):
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
    """A household's 低保 allowance was approved and is now paid monthly."""


class AllowanceAdjusted(AllowanceChanged):
    """A household's monthly allowance changed (review or change of circumstances)."""


class AllowanceSuspended(AllowanceChanged):
    """A household's allowance was suspended; `monthly_fen` is 0."""


class AllowanceResumed(AllowanceChanged):
    """A suspended allowance is paid again."""


class AllowanceEnded(AllowanceChanged):
    """A household's allowance was terminated."""


class ProgrammeDefined(PublicEvent):
    programme_id: str
    name: str
    kind: str
    amount_fen: int
    rule: dict[str, Any]


class ProgrammeEnrolment(PublicEvent):
    programme_id: str
    person_id: str


class PersonEnrolled(ProgrammeEnrolment):
    """A person was enrolled in a welfare programme."""


class PersonExited(ProgrammeEnrolment):
    """A person left a welfare programme."""


class CycleEvent(PublicEvent):
    cycle_id: str
    programme_id: str
    month: str


class PaymentCycleOpened(CycleEvent):
    """A payment cycle (one month's roll of a programme) was opened."""


class Entitlement(PublicEvent):
    person_id: str
    amount_fen: int
    categories: list[str]
    age_band: str


class EntitlementsCalculated(CycleEvent):
    count: int
    total_fen: int
    excluded_count: int
    entitlements: list[Entitlement]


class PaymentCycleApproved(CycleEvent):
    dropped_person_ids: list[str]


class PaymentCycleDisbursed(CycleEvent):
    on: str
    count: int
    total_fen: int


class PaymentCycleClosed(CycleEvent):
    """A payment cycle was closed: nothing more is paid from it."""


class ReliefDistributed(PublicEvent):
    relief_id: str
    occasion: str
    kind: str
    person_id: str | None = None
    household_id: str | None = None
    item_count: int
    value_fen: int
    on: str


class StationOpened(PublicEvent):
    station_id: str
    name: str
    capacity: int


class PlacementEvent(PublicEvent):
    station_id: str
    person_id: str


class PlacementStarted(PlacementEvent):
    monthly_wage_fen: int


class PlacementEnded(PlacementEvent):
    """A job seeker's placement ended."""


class WagePaid(PlacementEvent):
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
    on: str


class HouseholdCircumstancesRecorded(AllowanceApplicationEvent):
    """An investigation (`change` false) or a later change of circumstances, as of a date."""

    as_of: str
    change: bool
    member_count: int
    income_per_person_fen: int
    assets_per_person_fen: int
    threshold_fen: int
    passed: bool
    review_due: str | None = None


class AllowanceCommunityReviewed(AllowanceApplicationEvent):
    on: str
    passed: bool
    votes_for: int
    votes_against: int


class AllowanceNoticeStarted(AllowanceApplicationEvent):
    starts_on: str
    ends_on: str
    days: int


class AllowanceObjectionLodged(PublicEvent):
    household_id: str
    number: int
    on: str


class AllowanceObjectionResolved(AllowanceApplicationEvent):
    number: int
    on: str
    upheld: bool


class AllowanceApplicationApproved(AllowanceApplicationEvent):
    on: str
    from_date: str
    review_due: str


class AllowanceReviewed(PublicEvent):
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
    """A household appealed an allowance decision."""


class AllowanceAppealDecided(AllowanceAppealEvent):
    upheld: bool


# ---------------------------------------------------------------- employment services
# Seekers appear by their register entry's id (not the person's), with the group they count in.


class EmploymentEvent(PublicEvent):
    group: str


class JobSeekerEvent(EmploymentEvent):
    """Base of what happens to one entry of the job-seeker register."""

    seeker_id: str


class JobSeekerRegistered(JobSeekerEvent):
    registered_on: str


class JobSeekerRegisteredAgain(JobSeekerEvent):
    """Back on the register after withdrawing."""

    registered_on: str


class JobSeekerPlaced(JobSeekerEvent):
    referral_id: str


class JobSeekerSeekingAgain(JobSeekerEvent):
    on: str


class JobSeekerWithdrawn(JobSeekerEvent):
    on: str
    was: str


class VacancyPosted(PublicEvent):
    vacancy_id: str
    enterprise_id: str
    title: str
    positions: int
    monthly_wage_fen: int
    posted_on: str


class VacancyPositionFilled(PublicEvent):
    vacancy_id: str
    referral_id: str


class VacancyClosed(PublicEvent):
    vacancy_id: str
    on: str
    unfilled: int


class ReferralEvent(EmploymentEvent):
    referral_id: str


class JobReferralMade(ReferralEvent):
    seeker_id: str
    vacancy_id: str
    enterprise_id: str
    on: str


class JobInterviewRecorded(PublicEvent):
    referral_id: str
    on: str


class JobReferralAccepted(ReferralEvent):
    on: str


class JobReferralDeclined(ReferralEvent):
    on: str


class JobPlacementStarted(ReferralEvent):
    vacancy_id: str
    enterprise_id: str
    on: str
    monthly_wage_fen: int


class JobRetentionRecorded(ReferralEvent):
    months: int
    retained: bool
    on: str


class JobPlacementEnded(ReferralEvent):
    on: str


class TrainingCourseScheduled(PublicEvent):
    course_id: str
    title: str
    skill: str
    sessions: int
    min_attendance: int
    starts_on: str


class TrainingEnrolment(EmploymentEvent):
    course_id: str
    seeker_id: str


class TrainingAttendanceRecorded(PublicEvent):
    course_id: str
    session: int
    present: int


class TrainingCertificateAwarded(EmploymentEvent):
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
