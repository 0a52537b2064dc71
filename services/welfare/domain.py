"""Welfare aggregates. Events are named in the past tense; money is integer fen; dates are ISO strings.

Personal data (name, id number, phone, address, birth date) only ever enters an
event as `sealed`: ciphertext under the person's own key (see privacy.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Conflict, Invalid

NAMESPACE = uuid.UUID("b0a7c1e2-5d4f-4a3b-8c9e-1f2a3b4c5d6e")


class Category(StrEnum):
    MINIMUM_ALLOWANCE_MEMBER = "minimum_allowance_member"
    EXTREME_POVERTY = "extreme_poverty"
    DISABLED = "disabled"
    ELDERLY_LIVING_ALONE = "elderly_living_alone"
    AGED_80_PLUS = "aged_80_plus"


class DisabilityType(StrEnum):
    PHYSICAL = "physical"
    INTELLECTUAL = "intellectual"
    MENTAL = "mental"
    VISUAL = "visual"
    HEARING = "hearing"
    SPEECH = "speech"
    MULTIPLE = "multiple"


class ProgrammeKind(StrEnum):
    CASH = "cash"
    IN_KIND = "in_kind"
    SERVICE = "service"
    MINIMUM_ALLOWANCE = "minimum_allowance"  # pays each household on the allowance roll its granted amount


class Occasion(StrEnum):
    FESTIVAL_VISIT = "festival_visit"
    CHARITY_SUPERMARKET = "charity_supermarket"
    EMERGENCY = "emergency"


def age_on(birth_date: str, on: str) -> int:
    born, day = date.fromisoformat(birth_date), date.fromisoformat(on)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int) -> str:
    if age >= 80:
        return "80+"
    if age < 18:
        return "0-17"
    if age < 30:
        return "18-29"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


# ---------------------------------------------------------------- persons


class PersonStatus(StrEnum):
    ACTIVE = "active"
    MOVED_OUT = "moved_out"
    DECEASED = "deceased"


class Person(CommunityAggregate):
    """A resident in the welfare registry. Personal fields are sealed; categories are not."""

    @classmethod
    def create_id(cls, person_id: uuid.UUID) -> uuid.UUID:  # type: ignore[override]
        return person_id

    @event("Registered")
    def __init__(self, community_id: str, person_id: uuid.UUID, sealed: str, age_band: str) -> None:
        self.community_id = community_id
        self.sealed = sealed
        self.age_band = age_band
        self.categories: dict[str, dict[str, Any]] = {}
        self.status = PersonStatus.ACTIVE
        self.erased = False
        self.household_id: str | None = None

    def _active(self, doing: str) -> None:
        if self.status != PersonStatus.ACTIVE:
            raise Conflict(f"person {self.id} is {self.status}; cannot {doing}")

    def add_category(self, category: Category, disability_type: DisabilityType | None = None,
                     disability_grade: int | None = None, age_band: str | None = None) -> None:
        self._active("add a category")
        if category in self.categories:
            raise Conflict(f"person {self.id} already has category {category}")
        if category == Category.DISABLED:
            if disability_type is None or disability_grade not in (1, 2, 3, 4):
                raise Invalid("a disability needs a type and a grade 1-4", field="disability_grade")
        elif disability_type is not None or disability_grade is not None:
            raise Invalid("disability type and grade belong to the disabled category only", field="disability_type")
        self._category_added(category=str(category), disability_type=disability_type and str(disability_type),
                             disability_grade=disability_grade, age_band=age_band or self.age_band)

    @event("CategoryAdded")
    def _category_added(self, category: str, disability_type: str | None, disability_grade: int | None,
                        age_band: str) -> None:
        self.categories[category] = {"disability_type": disability_type, "disability_grade": disability_grade}

    def remove_category(self, category: Category) -> None:
        self._active("remove a category")
        if category not in self.categories:
            raise Conflict(f"person {self.id} does not have category {category}")
        self._category_removed(category=str(category), details=self.categories[category])

    @event("CategoryRemoved")
    def _category_removed(self, category: str, details: dict[str, Any]) -> None:
        del self.categories[category]

    def join_household(self, household_id: uuid.UUID) -> None:
        self._active("join a household")
        if self.household_id is not None:
            raise Conflict(f"person {self.id} already belongs to household {self.household_id}")
        self._household_joined(household_id=str(household_id))

    @event("HouseholdJoined")
    def _household_joined(self, household_id: str) -> None:
        self.household_id = household_id

    def leave_household(self, household_id: uuid.UUID) -> None:
        if self.household_id != str(household_id):
            raise Conflict(f"person {self.id} does not belong to household {household_id}")
        self._household_left(household_id=str(household_id))

    @event("HouseholdLeft")
    def _household_left(self, household_id: str) -> None:
        self.household_id = None

    def move_out(self, on: str) -> None:
        self._active("move out")
        self._moved_out(on=on, categories=self.categories)

    @event("MovedOut")
    def _moved_out(self, on: str, categories: dict[str, dict[str, Any]]) -> None:
        self.status = PersonStatus.MOVED_OUT

    def record_death(self, on: str) -> None:
        self._active("record a death")
        self._died(on=on, categories=self.categories)

    @event("Died")
    def _died(self, on: str, categories: dict[str, dict[str, Any]]) -> None:
        self.status = PersonStatus.DECEASED

    def erase(self, reason: str) -> None:
        if self.erased:
            raise Conflict(f"person {self.id} is already erased")
        self._erased(reason=reason)

    @event("Erased")
    def _erased(self, reason: str) -> None:
        self.erased = True

    def record_read(self, purpose: str | None) -> None:
        self._record_read(purpose=purpose)

    @event("RecordRead")
    def _record_read(self, purpose: str | None) -> None:
        pass


class NationalIdClaim(CommunityAggregate):
    """Dedupe index entry: id is uuid5 of an HMAC of the id number; holds no plaintext."""

    @classmethod
    def create_id(cls, claim_id: uuid.UUID) -> uuid.UUID:  # type: ignore[override]
        return claim_id

    @event("Claimed")
    def __init__(self, community_id: str, claim_id: uuid.UUID, person_id: uuid.UUID) -> None:
        self.community_id = community_id
        self.person_id: uuid.UUID | None = person_id

    def claim(self, person_id: uuid.UUID, community_id: str) -> None:
        if self.person_id is not None:
            raise Conflict(f"a person with this national id number is already registered (person {self.person_id})")
        self._reclaimed(person_id=person_id, holder=community_id)

    @event("Reclaimed")
    def _reclaimed(self, person_id: uuid.UUID, holder: str) -> None:
        self.person_id = person_id

    @event("Released")
    def release(self) -> None:
        self.person_id = None


# ---------------------------------------------------------------- households


class AllowanceStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class LocalStandard(CommunityAggregate):
    """A community's minimum-allowance threshold (monthly income per person, fen). One per community."""

    @staticmethod
    def id_for(community_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"standard/{community_id}")

    @classmethod
    def create_id(cls, community_id: str) -> uuid.UUID:  # type: ignore[override]
        return cls.id_for(community_id)

    DEFAULT_NOTICE_DAYS = 7

    @event("Set")
    def __init__(self, community_id: str, threshold_fen: int, effective_from: str,
                 asset_limit_per_person_fen: int | None = None, notice_days: int = DEFAULT_NOTICE_DAYS) -> None:
        self.community_id = community_id
        self.threshold_fen = threshold_fen
        self.effective_from = effective_from
        self.asset_limit_per_person_fen = asset_limit_per_person_fen
        self.notice_days = notice_days

    @event("Changed")
    def change(self, threshold_fen: int, effective_from: str, asset_limit_per_person_fen: int | None = None,
               notice_days: int = DEFAULT_NOTICE_DAYS) -> None:
        self.threshold_fen = threshold_fen
        self.effective_from = effective_from
        self.asset_limit_per_person_fen = asset_limit_per_person_fen
        self.notice_days = notice_days


class ApplicationStage(StrEnum):
    """Where a household's minimum-allowance application stands (低保 as it is run)."""

    APPLIED = "applied"
    INVESTIGATED = "investigated"  # members, income and assets recorded as of a date
    REVIEWED = "reviewed"  # the community's review (民主评议) passed
    IN_NOTICE = "in_notice"  # public notice (公示): objections may be lodged
    APPROVED = "approved"
    REJECTED = "rejected"
    APPEALED = "appealed"


OPEN_STAGES = (ApplicationStage.APPLIED, ApplicationStage.INVESTIGATED, ApplicationStage.REVIEWED,
               ApplicationStage.IN_NOTICE, ApplicationStage.APPEALED)
REVIEW_INTERVAL_MONTHS = 12


@dataclass(frozen=True)
class Standard:
    """The community's rules a means test is judged by, as they stand when it is judged."""

    threshold_fen: int
    asset_limit_per_person_fen: int | None = None


def income_gap_fen(threshold_fen: int, income_per_person_fen: int, members: int) -> int:
    """The most the allowance can make up: the income gap to the threshold, for every member."""
    return max(0, threshold_fen - income_per_person_fen) * members


def days_after(day: str, days: int) -> str:
    return date.fromordinal(date.fromisoformat(day).toordinal() + days).isoformat()


class Household(CommunityAggregate):
    @event("Registered")
    def __init__(self, community_id: str, members: list[uuid.UUID], income_per_person_fen: int) -> None:
        self.community_id = community_id
        self.members = list(members)
        self.income_per_person_fen = income_per_person_fen
        self.means_test: dict[str, Any] | None = None
        self.allowance_status = AllowanceStatus.NONE
        self.monthly_fen = 0
        self.stage: ApplicationStage | None = None
        self.applicant: str | None = None
        self.circumstances: dict[str, Any] | None = None
        self.notice: dict[str, str] | None = None
        self.objections: list[dict[str, Any]] = []
        self.review_due: str | None = None
        self.appeal: dict[str, Any] | None = None

    @property
    def payee(self) -> str:
        """Who the allowance is paid to: the applicant, or the first member of a household registered without."""
        return self.applicant or str(self.members[0])

    # -- the application: apply, investigate, community review, public notice, objections, approval

    def _stage(self, *stages: ApplicationStage, doing: str) -> None:
        if self.stage not in stages:
            now = self.stage.value if self.stage else "without an application"
            raise Conflict(f"household {self.id} is {now}; cannot {doing} "
                           f"(needs {' or '.join(s.value for s in stages)})")

    def apply(self, applicant: uuid.UUID, on: str) -> None:
        if self.stage in OPEN_STAGES:
            raise Conflict(f"household {self.id} already has an application under way ({self.stage})")
        if self.allowance_status in (AllowanceStatus.ACTIVE, AllowanceStatus.SUSPENDED):
            raise Conflict(f"household {self.id} already has an allowance ({self.allowance_status})")
        if applicant not in self.members:
            raise Invalid(f"the applicant {applicant} is not a member of household {self.id}", field="applicant_id")
        self._applied(applicant=str(applicant), on=on, stage=ApplicationStage.APPLIED.value)

    @event("ApplicationReceived")
    def _applied(self, applicant: str, on: str, stage: str) -> None:
        self.stage, self.applicant = ApplicationStage(stage), applicant
        self.notice, self.objections, self.appeal = None, [], None

    def record_circumstances(self, change: bool, as_of: str, incomes: dict[str, int], assets_fen: int,
                             standard: Standard, reason: str) -> None:
        """The household's members, their monthly incomes and its assets as of a date, judged against the
        community's standard. The first record is the application's investigation; later ones are changes of
        circumstances, which bring the periodic review forward to the change's date."""
        if not incomes:
            raise Invalid("a household has at least one member", field="members")
        if change:
            if self.circumstances is None:
                raise Conflict(f"household {self.id} has not been investigated; investigate it first")
            if as_of < self.circumstances["as_of"]:
                raise Invalid(f"the change is dated before the circumstances it changes "
                              f"({self.circumstances['as_of']})", field="as_of")
        else:
            self._stage(ApplicationStage.APPLIED, ApplicationStage.INVESTIGATED, doing="investigate it")
        count = len(incomes)
        income_pp, assets_pp = sum(incomes.values()) // count, assets_fen // count
        passed = income_pp < standard.threshold_fen and (
            standard.asset_limit_per_person_fen is None or assets_pp <= standard.asset_limit_per_person_fen)
        stage = self.stage
        if not change:
            stage = ApplicationStage.INVESTIGATED if passed else ApplicationStage.REJECTED
        review_due = self.review_due
        if change and self.allowance_status in (AllowanceStatus.ACTIVE, AllowanceStatus.SUSPENDED):
            review_due = min(review_due or as_of, as_of)
        self._circumstances_recorded(
            change=change, as_of=as_of, incomes=dict(incomes), assets_fen=assets_fen, income_per_person_fen=income_pp,
            assets_per_person_fen=assets_pp, threshold_fen=standard.threshold_fen,
            asset_limit_per_person_fen=standard.asset_limit_per_person_fen, passed=passed,
            stage=stage.value if stage else None, review_due=review_due, reason=reason)

    @event("CircumstancesRecorded")
    def _circumstances_recorded(self, change: bool, as_of: str, incomes: dict[str, int], assets_fen: int,
                                income_per_person_fen: int, assets_per_person_fen: int, threshold_fen: int,
                                asset_limit_per_person_fen: int | None, passed: bool, stage: str | None,
                                review_due: str | None, reason: str) -> None:
        self.members = [uuid.UUID(m) for m in incomes]
        self.income_per_person_fen = income_per_person_fen
        self.circumstances = {"as_of": as_of, "incomes": incomes, "assets_fen": assets_fen,
                              "income_per_person_fen": income_per_person_fen,
                              "assets_per_person_fen": assets_per_person_fen, "threshold_fen": threshold_fen,
                              "passed": passed}
        self.means_test = {"threshold_fen": threshold_fen, "passed": passed, "on": as_of}
        self.stage = ApplicationStage(stage) if stage else None
        self.review_due = review_due

    def community_review(self, on: str, passed: bool, votes_for: int, votes_against: int) -> None:
        self._stage(ApplicationStage.INVESTIGATED, doing="hold the community review")
        stage = ApplicationStage.REVIEWED if passed else ApplicationStage.REJECTED
        self._reviewed(on=on, passed=passed, votes_for=votes_for, votes_against=votes_against, stage=stage.value)

    @event("CommunityReviewed")
    def _reviewed(self, on: str, passed: bool, votes_for: int, votes_against: int, stage: str) -> None:
        self.stage = ApplicationStage(stage)

    def start_notice(self, starts_on: str, days: int) -> None:
        self._stage(ApplicationStage.REVIEWED, doing="post the public notice")
        if days < 1:
            raise Invalid("a public notice lasts at least one day", field="days")
        self._notice_started(starts_on=starts_on, ends_on=days_after(starts_on, days - 1), days=days,
                             stage=ApplicationStage.IN_NOTICE.value)

    @event("PublicNoticeStarted")
    def _notice_started(self, starts_on: str, ends_on: str, days: int, stage: str) -> None:
        self.stage, self.notice = ApplicationStage(stage), {"starts_on": starts_on, "ends_on": ends_on}

    def lodge_objection(self, on: str, ground: str) -> int:
        self._stage(ApplicationStage.IN_NOTICE, doing="take an objection")
        assert self.notice is not None
        if not self.notice["starts_on"] <= on <= self.notice["ends_on"]:
            raise Conflict(f"objections are taken during the public notice, {self.notice['starts_on']} to "
                           f"{self.notice['ends_on']}; not on {on}")
        number = len(self.objections) + 1
        self._objection_lodged(number=number, on=on, ground=ground)
        return number

    @event("ObjectionLodged")
    def _objection_lodged(self, number: int, on: str, ground: str) -> None:
        self.objections.append({"number": number, "on": on, "ground": ground, "upheld": None})

    @property
    def open_objections(self) -> list[int]:
        return [o["number"] for o in self.objections if o["upheld"] is None]

    def resolve_objection(self, number: int, on: str, upheld: bool, finding: str) -> None:
        """An upheld objection (the household does not qualify after all) rejects the application."""
        self._stage(ApplicationStage.IN_NOTICE, doing="resolve an objection")
        if number not in self.open_objections:
            raise Conflict(f"household {self.id} has no open objection {number}")
        objection = self.objections[number - 1]
        if on < objection["on"]:
            raise Invalid(f"objection {number} was lodged on {objection['on']}", field="on")
        stage = ApplicationStage.REJECTED if upheld else ApplicationStage.IN_NOTICE
        self._objection_resolved(number=number, on=on, upheld=upheld, finding=finding, stage=stage.value)

    @event("ObjectionResolved")
    def _objection_resolved(self, number: int, on: str, upheld: bool, finding: str, stage: str) -> None:
        self.objections[number - 1].update(upheld=upheld, finding=finding, resolved_on=on)
        self.stage = ApplicationStage(stage)

    def gap_fen(self) -> int:
        assert self.circumstances is not None
        return income_gap_fen(self.circumstances["threshold_fen"], self.circumstances["income_per_person_fen"],
                              len(self.members))

    def approve(self, monthly_fen: int, from_date: str, today: str) -> None:
        """After the public notice is over and every objection is resolved: the allowance is granted."""
        self._stage(ApplicationStage.IN_NOTICE, doing="approve it")
        assert self.notice is not None
        if today <= self.notice["ends_on"]:
            raise Conflict(f"the public notice runs until {self.notice['ends_on']}; approve after it")
        if self.open_objections:
            raise Conflict(f"objection(s) {', '.join(map(str, self.open_objections))} must be resolved first")
        if monthly_fen > self.gap_fen():
            raise Invalid(f"{monthly_fen} fen a month is more than the household's income gap to the threshold "
                          f"({self.gap_fen()} fen)", field="monthly_fen")
        if self.allowance_status in (AllowanceStatus.ACTIVE, AllowanceStatus.SUSPENDED):
            raise Conflict(f"household {self.id} already has an allowance ({self.allowance_status})")
        self._approved(on=today, from_date=from_date, stage=ApplicationStage.APPROVED.value,
                       review_due=months_after(from_date, REVIEW_INTERVAL_MONTHS))
        self._granted(monthly_fen=monthly_fen, previous_fen=0, from_date=from_date)

    @event("ApplicationApproved")
    def _approved(self, on: str, from_date: str, stage: str, review_due: str) -> None:
        self.stage, self.review_due = ApplicationStage(stage), review_due

    # -- on the allowance: periodic review, appeal

    def review(self, on: str, outcome: str, monthly_fen: int | None, reason: str) -> None:
        """The periodic review (annual, or sooner after a change of circumstances): continue, adjust or end."""
        self._require(AllowanceStatus.ACTIVE, AllowanceStatus.SUSPENDED, doing="review it")
        if outcome == "adjust" and monthly_fen is None:
            raise Invalid("an adjusting review gives the new monthly amount", field="monthly_fen")
        if outcome == "adjust" and self.circumstances and monthly_fen and monthly_fen > self.gap_fen():
            raise Invalid(f"{monthly_fen} fen a month is more than the household's income gap to the threshold "
                          f"({self.gap_fen()} fen)", field="monthly_fen")
        due = self.review_due
        self._allowance_reviewed(on=on, outcome=outcome, was_due=due,
                                 review_due=months_after(on, REVIEW_INTERVAL_MONTHS), overdue=bool(due and on > due))
        if outcome == "adjust" and monthly_fen is not None:
            self.adjust(monthly_fen, reason)
        elif outcome == "end":
            self.end(reason, on)

    @event("AllowanceReviewed")
    def _allowance_reviewed(self, on: str, outcome: str, was_due: str | None, review_due: str,
                            overdue: bool) -> None:
        self.review_due = review_due

    def lodge_appeal(self, on: str, grounds: str) -> None:
        """Against a rejected application or an ended allowance."""
        if self.stage == ApplicationStage.APPEALED:
            raise Conflict(f"household {self.id} already has an appeal under way")
        if self.stage == ApplicationStage.REJECTED:
            against = "rejection"
        elif self.allowance_status == AllowanceStatus.ENDED:
            against = "termination"
        else:
            raise Conflict(f"household {self.id} has neither a rejected application nor an ended allowance to "
                           "appeal against")
        self._appeal_lodged(on=on, grounds=grounds, against=against, previous_stage=self.stage and self.stage.value,
                            stage=ApplicationStage.APPEALED.value)

    @event("AppealLodged")
    def _appeal_lodged(self, on: str, grounds: str, against: str, previous_stage: str | None, stage: str) -> None:
        self.appeal = {"on": on, "against": against, "previous_stage": previous_stage, "upheld": None}
        self.stage = ApplicationStage(stage)

    def decide_appeal(self, on: str, upheld: bool, finding: str) -> None:
        """Upheld: the case goes back to the community review (and public notice) on the recorded
        circumstances; dismissed: it stays as it was."""
        self._stage(ApplicationStage.APPEALED, doing="decide an appeal")
        assert self.appeal is not None
        if upheld:
            stage = ApplicationStage.INVESTIGATED.value
        else:
            stage = self.appeal["previous_stage"]
        self._appeal_decided(on=on, upheld=upheld, finding=finding, against=self.appeal["against"], stage=stage)

    @event("AppealDecided")
    def _appeal_decided(self, on: str, upheld: bool, finding: str, against: str, stage: str | None) -> None:
        assert self.appeal is not None
        self.appeal.update(upheld=upheld, decided_on=on)
        self.stage = ApplicationStage(stage) if stage else None
        if upheld:
            self.notice, self.objections = None, []

    @property
    def active_fen(self) -> int:
        return self.monthly_fen if self.allowance_status == AllowanceStatus.ACTIVE else 0

    def assess(self, threshold_fen: int, on: str) -> bool:
        passed = self.income_per_person_fen < threshold_fen
        self._assessed(threshold_fen=threshold_fen, income_per_person_fen=self.income_per_person_fen,
                       passed=passed, on=on)
        return passed

    @event("MeansTestAssessed")
    def _assessed(self, threshold_fen: int, income_per_person_fen: int, passed: bool, on: str) -> None:
        self.means_test = {"threshold_fen": threshold_fen, "passed": passed, "on": on}

    def grant(self, monthly_fen: int, from_date: str) -> None:
        """A grant without the application cycle: allowances decided before the household's record was kept
        here. A household with an application under way is approved after its public notice instead."""
        if self.stage in OPEN_STAGES:
            raise Conflict(f"household {self.id} has an application under way ({self.stage}); "
                           "approve it after its public notice")
        if not (self.means_test and self.means_test["passed"]):
            raise Conflict(f"household {self.id} has not passed a means test; assess it first")
        if self.allowance_status in (AllowanceStatus.ACTIVE, AllowanceStatus.SUSPENDED):
            raise Conflict(f"household {self.id} already has an allowance ({self.allowance_status})")
        self._granted(monthly_fen=monthly_fen, previous_fen=0, from_date=from_date)

    @event("AllowanceGranted")
    def _granted(self, monthly_fen: int, previous_fen: int, from_date: str) -> None:
        self.allowance_status, self.monthly_fen = AllowanceStatus.ACTIVE, monthly_fen

    def _require(self, *statuses: AllowanceStatus, doing: str) -> None:
        if self.allowance_status not in statuses:
            raise Conflict(f"household {self.id} allowance is {self.allowance_status}; cannot {doing}")

    def adjust(self, monthly_fen: int, reason: str) -> None:
        self._require(AllowanceStatus.ACTIVE, AllowanceStatus.SUSPENDED, doing="adjust it")
        self._adjusted(monthly_fen=monthly_fen, previous_fen=self.active_fen, reason=reason,
                       active=self.allowance_status == AllowanceStatus.ACTIVE)

    @event("AllowanceAdjusted")
    def _adjusted(self, monthly_fen: int, previous_fen: int, reason: str, active: bool) -> None:
        self.monthly_fen = monthly_fen

    def suspend(self, reason: str) -> None:
        self._require(AllowanceStatus.ACTIVE, doing="suspend it")
        self._suspended(previous_fen=self.active_fen, reason=reason)

    @event("AllowanceSuspended")
    def _suspended(self, previous_fen: int, reason: str) -> None:
        self.allowance_status = AllowanceStatus.SUSPENDED

    def resume(self) -> None:
        self._require(AllowanceStatus.SUSPENDED, doing="resume it")
        self._resumed(monthly_fen=self.monthly_fen)

    @event("AllowanceResumed")
    def _resumed(self, monthly_fen: int) -> None:
        self.allowance_status = AllowanceStatus.ACTIVE

    def end(self, reason: str, on: str) -> None:
        self._require(AllowanceStatus.ACTIVE, AllowanceStatus.SUSPENDED, doing="end it")
        self._ended(previous_fen=self.active_fen, reason=reason, on=on)

    @event("AllowanceEnded")
    def _ended(self, previous_fen: int, reason: str, on: str) -> None:
        self.allowance_status, self.monthly_fen = AllowanceStatus.ENDED, 0


class AllowanceRoll(CommunityAggregate):
    """The households a community pays the minimum allowance to, with the amount and the payee: what a
    minimum-allowance payment cycle pays (kept in step with each household in the same save)."""

    @staticmethod
    def id_for(community_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"allowance-roll/{community_id}")

    @classmethod
    def create_id(cls, community_id: str) -> uuid.UUID:  # type: ignore[override]
        return cls.id_for(community_id)

    @event("Started")
    def __init__(self, community_id: str) -> None:
        self.community_id = community_id
        self.households: dict[str, dict[str, Any]] = {}

    def sync(self, household: Household) -> None:
        key, fen = str(household.id), household.active_fen
        entry = {"payee": household.payee, "monthly_fen": fen} if fen else None
        if self.households.get(key) != entry:
            self._synced(household_id=key, entry=entry)

    @event("Synced")
    def _synced(self, household_id: str, entry: dict[str, Any] | None) -> None:
        if entry is None:
            self.households.pop(household_id, None)
        else:
            self.households[household_id] = entry


# ---------------------------------------------------------------- programmes and payments


@dataclass(frozen=True)
class Facts:
    """What the registry says about one person at one moment (no personal data)."""

    active: bool
    categories: tuple[str, ...]
    age: int | None
    income_per_person_fen: int | None
    age_band: str = ""
    household_id: str | None = None


@dataclass(frozen=True)
class EligibilityRule:
    """Data, not code: any of `categories` (if given), income at or below a threshold, age in a range."""

    categories: tuple[str, ...] = ()
    max_income_per_person_fen: int | None = None
    min_age: int | None = None
    max_age: int | None = None

    @classmethod
    def from_dict(cls, rule: dict[str, Any]) -> EligibilityRule:
        return cls(categories=tuple(rule.get("categories") or ()),
                   max_income_per_person_fen=rule.get("max_income_per_person_fen"),
                   min_age=rule.get("min_age"), max_age=rule.get("max_age"))

    def as_dict(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "max_income_per_person_fen": self.max_income_per_person_fen,
                "min_age": self.min_age, "max_age": self.max_age}

    def refusal(self, facts: Facts) -> str | None:
        """Why a person is not eligible, or None if they are."""
        if not facts.active:
            return "no longer an active resident"
        if self.categories and not set(self.categories) & set(facts.categories):
            return f"in none of the categories {', '.join(self.categories)}"
        if self.max_income_per_person_fen is not None and (
                facts.income_per_person_fen is None or facts.income_per_person_fen > self.max_income_per_person_fen):
            return "household income above the threshold or unknown"
        if self.min_age is not None or self.max_age is not None:
            if facts.age is None:
                return "age unknown"
            if self.min_age is not None and facts.age < self.min_age:
                return f"younger than {self.min_age}"
            if self.max_age is not None and facts.age > self.max_age:
                return f"older than {self.max_age}"
        return None


class Programme(CommunityAggregate):
    @event("Defined")
    def __init__(self, community_id: str, name: str, kind: str, amount_fen: int, rule: dict[str, Any]) -> None:
        self.community_id = community_id
        self.name = name
        self.kind = kind
        self.amount_fen = amount_fen
        self.rule = rule
        self.enrolled: list[str] = []

    @property
    def eligibility(self) -> EligibilityRule:
        return EligibilityRule.from_dict(self.rule)

    @property
    def pays_the_allowance_roll(self) -> bool:
        return self.kind == ProgrammeKind.MINIMUM_ALLOWANCE

    def enrol(self, person_id: uuid.UUID, facts: Facts) -> None:
        if self.pays_the_allowance_roll:
            raise Conflict(f"programme {self.id} pays the households on the minimum-allowance roll; "
                           "households join it by approval, not enrolment")
        if str(person_id) in self.enrolled:
            raise Conflict(f"person {person_id} is already enrolled in programme {self.id}")
        if why := self.eligibility.refusal(facts):
            raise Conflict(f"person {person_id} is not eligible for programme {self.id}: {why}")
        self._enrolled(person_id=str(person_id))

    @event("PersonEnrolled")
    def _enrolled(self, person_id: str) -> None:
        self.enrolled.append(person_id)

    def exit(self, person_id: uuid.UUID, reason: str) -> None:
        if str(person_id) not in self.enrolled:
            raise Conflict(f"person {person_id} is not enrolled in programme {self.id}")
        self._exited(person_id=str(person_id), reason=reason)

    @event("PersonExited")
    def _exited(self, person_id: str, reason: str) -> None:
        self.enrolled.remove(person_id)


class CycleStatus(StrEnum):
    OPEN = "open"
    CALCULATED = "calculated"
    APPROVED = "approved"
    DISBURSED = "disbursed"
    CLOSED = "closed"


class PaymentLedger(CommunityAggregate):
    """Who is in which cycle of one programme and month: nobody is paid twice."""

    @staticmethod
    def id_for(programme_id: uuid.UUID | str, month: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"ledger/{programme_id}/{month}")

    @classmethod
    def create_id(cls, programme_id: str, month: str) -> uuid.UUID:  # type: ignore[override]
        return cls.id_for(programme_id, month)

    @event("Started")
    def __init__(self, community_id: str, programme_id: str, month: str) -> None:
        self.community_id = community_id
        self.persons: dict[str, str] = {}

    def claim(self, cycle_id: uuid.UUID, person_ids: list[str]) -> None:
        taken = [p for p in person_ids if self.persons.get(p, str(cycle_id)) != str(cycle_id)]
        if taken:
            raise Conflict(f"already in another payment cycle for this programme and month: {', '.join(taken)}")
        self._claimed(cycle_id=str(cycle_id), person_ids=list(person_ids))

    @event("Claimed")
    def _claimed(self, cycle_id: str, person_ids: list[str]) -> None:
        self.persons.update(dict.fromkeys(person_ids, cycle_id))

    @event("Released")
    def release(self, cycle_id: str, person_ids: list[str]) -> None:
        for p in person_ids:
            if self.persons.get(p) == cycle_id:
                del self.persons[p]


class PaymentCycle(CommunityAggregate):
    @event("Opened")
    def __init__(self, community_id: str, programme_id: str, month: str) -> None:
        self.community_id = community_id
        self.programme_id = programme_id
        self.month = month
        self.status = CycleStatus.OPEN
        self.entitlements: list[dict[str, Any]] = []
        self.excluded: list[dict[str, Any]] = []
        self.dropped: list[dict[str, Any]] = []
        self.calculated_by: str | None = None
        self.approved_by: str | None = None
        self.disbursed_on: str | None = None

    def _require(self, status: CycleStatus, doing: str) -> None:
        if self.status != status:
            raise Conflict(f"payment cycle {self.id} is {self.status}; cannot {doing} (needs {status})")

    @property
    def total_fen(self) -> int:
        return sum(e["amount_fen"] for e in self.entitlements)

    def calculate(self, by: str, as_of: str, entitlements: list[dict[str, Any]],
                  excluded: list[dict[str, Any]]) -> None:
        """Freeze the registry as it stands now: the snapshot is stored in the event."""
        self._require(CycleStatus.OPEN, "calculate entitlements")
        self._calculated(calculated_by=by, as_of=as_of, entitlements=entitlements, excluded=excluded,
                         programme_id=self.programme_id, month=self.month)

    @event("EntitlementsCalculated")
    def _calculated(self, calculated_by: str, as_of: str, entitlements: list[dict[str, Any]],
                    excluded: list[dict[str, Any]], programme_id: str, month: str) -> None:
        self.calculated_by, self.entitlements, self.excluded = calculated_by, entitlements, excluded
        self.status = CycleStatus.CALCULATED

    def approve(self, by: str, dropped: list[dict[str, Any]]) -> None:
        """Four eyes: the calculator cannot approve. `dropped`: persons no longer eligible now."""
        self._require(CycleStatus.CALCULATED, "approve")
        if by == self.calculated_by:
            raise Conflict("the officer who calculated the entitlements cannot approve them; a second officer must")
        self._approved(approved_by=by, dropped=dropped, programme_id=self.programme_id, month=self.month)

    @event("Approved")
    def _approved(self, approved_by: str, dropped: list[dict[str, Any]], programme_id: str, month: str) -> None:
        gone = {d["person_id"] for d in dropped}
        self.entitlements = [e for e in self.entitlements if e["person_id"] not in gone]
        self.approved_by, self.dropped, self.status = approved_by, dropped, CycleStatus.APPROVED

    def disburse(self, on: str) -> None:
        self._require(CycleStatus.APPROVED, "disburse")
        self._disbursed(on=on, count=len(self.entitlements), total_fen=self.total_fen, programme_id=self.programme_id,
                        month=self.month)

    @event("Disbursed")
    def _disbursed(self, on: str, count: int, total_fen: int, programme_id: str, month: str) -> None:
        self.disbursed_on, self.status = on, CycleStatus.DISBURSED

    def close(self) -> None:
        self._require(CycleStatus.DISBURSED, "close")
        self._closed(programme_id=self.programme_id, month=self.month)

    @event("Closed")
    def _closed(self, programme_id: str, month: str) -> None:
        self.status = CycleStatus.CLOSED


# ---------------------------------------------------------------- relief and assisted employment


class ReliefDistribution(CommunityAggregate):
    @event("Distributed")
    def __init__(self, community_id: str, occasion: str, kind: str, recipient_person_id: str | None,
                 recipient_household_id: str | None, items: list[dict[str, Any]], value_fen: int, on: str) -> None:
        self.community_id = community_id
        self.occasion, self.kind, self.items, self.value_fen, self.on = occasion, kind, items, value_fen, on
        self.recipient_person_id, self.recipient_household_id = recipient_person_id, recipient_household_id


class Station(CommunityAggregate):
    """An assisted-employment station (e.g. Huasheng's 金馨家园)."""

    @event("Opened")
    def __init__(self, community_id: str, name: str, capacity: int, opened_on: str) -> None:
        self.community_id = community_id
        self.name, self.capacity, self.opened_on = name, capacity, opened_on
        self.placements: dict[str, dict[str, Any]] = {}
        self.paid: dict[str, list[str]] = {}

    def start_placement(self, person_id: uuid.UUID, on: str, monthly_wage_fen: int) -> None:
        if str(person_id) in self.placements:
            raise Conflict(f"person {person_id} is already placed at station {self.id}")
        if len(self.placements) >= self.capacity:
            raise Conflict(f"station {self.id} is full ({self.capacity} places)")
        self._placement_started(person_id=str(person_id), on=on, monthly_wage_fen=monthly_wage_fen)

    @event("PlacementStarted")
    def _placement_started(self, person_id: str, on: str, monthly_wage_fen: int) -> None:
        self.placements[person_id] = {"since": on, "monthly_wage_fen": monthly_wage_fen}

    def end_placement(self, person_id: uuid.UUID, on: str, reason: str) -> None:
        if str(person_id) not in self.placements:
            raise Conflict(f"person {person_id} has no placement at station {self.id}")
        self._placement_ended(person_id=str(person_id), on=on, reason=reason)

    @event("PlacementEnded")
    def _placement_ended(self, person_id: str, on: str, reason: str) -> None:
        del self.placements[person_id]

    def pay(self, person_id: uuid.UUID, month: str, wage_fen: int, pension_insurance_fen: int,
            medical_insurance_fen: int, lunch_fen: int) -> None:
        if str(person_id) not in self.placements:
            raise Conflict(f"person {person_id} has no placement at station {self.id}")
        if month in self.paid.get(str(person_id), []):
            raise Conflict(f"person {person_id} was already paid for {month} at station {self.id}")
        self._wage_paid(person_id=str(person_id), month=month, wage_fen=wage_fen,
                        pension_insurance_fen=pension_insurance_fen, medical_insurance_fen=medical_insurance_fen,
                        lunch_fen=lunch_fen)

    @event("WagePaid")
    def _wage_paid(self, person_id: str, month: str, wage_fen: int, pension_insurance_fen: int,
                   medical_insurance_fen: int, lunch_fen: int) -> None:
        self.paid.setdefault(person_id, []).append(month)



# ---------------------------------------------------------------- employment services


class SeekerGroup(StrEnum):
    """Why a job seeker is registered with the community (the district counts by group)."""

    UNEMPLOYED = "unemployed"
    LAID_OFF = "laid_off"
    DISABLED = "disabled"
    RELEASED = "released"  # released from prison or re-education (两劳释放人员)
    AGED_50_PLUS = "aged_50_plus"


class SeekerStatus(StrEnum):
    SEEKING = "seeking"
    PLACED = "placed"
    WITHDRAWN = "withdrawn"


def months_after(day: str, months: int) -> str:
    """The same day `months` later (the month's last day when it has no such day)."""
    start = date.fromisoformat(day)
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    for last in (31, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=min(start.day, last)).isoformat()
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


class JobSeeker(CommunityAggregate):
    """A person's entry on the job-seeker register (personal data stays in Person). One per person: its id is
    given by the application (an HMAC of the person's id, so public events cannot be joined with the
    registry's)."""

    @classmethod
    def create_id(cls, seeker_id: uuid.UUID) -> uuid.UUID:  # type: ignore[override]
        return seeker_id

    @event("Registered")
    def __init__(self, community_id: str, seeker_id: uuid.UUID, person_id: str, group: str,
                 registered_on: str) -> None:
        self.community_id = community_id
        self.person_id, self.group, self.registered_on = person_id, group, registered_on
        self.status = SeekerStatus.SEEKING
        self.placements = 0

    def register_again(self, group: str, on: str) -> None:
        if self.status != SeekerStatus.WITHDRAWN:
            raise Conflict(f"person {self.person_id} is already on the job-seeker register ({self.status})")
        self._registered_again(group=group, registered_on=on)

    @event("RegisteredAgain")
    def _registered_again(self, group: str, registered_on: str) -> None:
        self.status, self.group, self.registered_on = SeekerStatus.SEEKING, group, registered_on

    def require_seeking(self, doing: str) -> None:
        if self.status != SeekerStatus.SEEKING:
            raise Conflict(f"job seeker {self.id} is {self.status}; cannot {doing}")

    def placed(self, referral_id: uuid.UUID) -> None:
        self.require_seeking("be placed")
        self._placed(referral_id=str(referral_id), group=self.group)

    @event("Placed")
    def _placed(self, referral_id: str, group: str) -> None:
        self.status = SeekerStatus.PLACED
        self.placements += 1

    def seek_again(self, on: str) -> None:
        """After a placement ended: back on the register."""
        if self.status != SeekerStatus.PLACED:
            raise Conflict(f"job seeker {self.id} is {self.status}; only a placed seeker seeks again")
        self._seeking_again(on=on, group=self.group)

    @event("SeekingAgain")
    def _seeking_again(self, on: str, group: str) -> None:
        self.status = SeekerStatus.SEEKING

    def withdraw(self, on: str, reason: str) -> None:
        if self.status == SeekerStatus.WITHDRAWN:
            raise Conflict(f"job seeker {self.id} has already withdrawn")
        self._withdrawn(on=on, reason=reason, group=self.group, was=str(self.status))

    @event("Withdrawn")
    def _withdrawn(self, on: str, reason: str, group: str, was: str) -> None:
        self.status = SeekerStatus.WITHDRAWN


class Vacancy(CommunityAggregate):
    """A job offered by a local enterprise (economy's enterprise id) through the community."""

    @event("Posted")
    def __init__(self, community_id: str, enterprise_id: str, title: str, positions: int, monthly_wage_fen: int,
                 posted_on: str) -> None:
        self.community_id = community_id
        self.enterprise_id, self.title, self.positions = enterprise_id, title, positions
        self.monthly_wage_fen, self.posted_on = monthly_wage_fen, posted_on
        self.filled: list[str] = []
        self.closed = False

    @property
    def open_positions(self) -> int:
        return 0 if self.closed else self.positions - len(self.filled)

    def require_open(self, doing: str) -> None:
        if self.open_positions <= 0:
            raise Conflict(f"vacancy {self.id} has no open position; cannot {doing}")

    def fill(self, referral_id: uuid.UUID) -> None:
        self.require_open("fill it")
        self._filled(referral_id=str(referral_id))

    @event("PositionFilled")
    def _filled(self, referral_id: str) -> None:
        self.filled.append(referral_id)

    def close(self, on: str, reason: str) -> None:
        if self.closed:
            raise Conflict(f"vacancy {self.id} is already closed")
        self._closed(on=on, reason=reason, unfilled=self.open_positions)

    @event("Closed")
    def _closed(self, on: str, reason: str, unfilled: int) -> None:
        self.closed = True


class ReferralStatus(StrEnum):
    REFERRED = "referred"
    INTERVIEWED = "interviewed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PLACED = "placed"
    ENDED = "ended"


RETENTION_MONTHS = (3, 6)


class Referral(CommunityAggregate):
    """One seeker sent to one vacancy: interview, the employer's answer, the placement and its retention."""

    @event("Made")
    def __init__(self, community_id: str, seeker_id: str, vacancy_id: str, enterprise_id: str, group: str,
                 on: str) -> None:
        self.community_id = community_id
        self.seeker_id, self.vacancy_id, self.enterprise_id, self.group = seeker_id, vacancy_id, enterprise_id, group
        self.referred_on = on
        self.status = ReferralStatus.REFERRED
        self.interviews: list[dict[str, Any]] = []
        self.started_on: str | None = None
        self.retention: dict[str, bool] = {}

    def _require(self, *statuses: ReferralStatus, doing: str) -> None:
        if self.status not in statuses:
            raise Conflict(f"referral {self.id} is {self.status}; cannot {doing}")

    def _not_before(self, on: str, since: str, what: str) -> None:
        if on < since:
            raise Invalid(f"{on} is before {what} ({since})", field="on")

    def record_interview(self, on: str, outcome: str) -> None:
        self._require(ReferralStatus.REFERRED, ReferralStatus.INTERVIEWED, doing="record an interview")
        self._not_before(on, self.referred_on, "the referral")
        self._interviewed(on=on, outcome=outcome)

    @event("InterviewRecorded")
    def _interviewed(self, on: str, outcome: str) -> None:
        self.interviews.append({"on": on, "outcome": outcome})
        self.status = ReferralStatus.INTERVIEWED

    def answer(self, accepted: bool, on: str, reason: str | None) -> None:
        """The employer's answer, after an interview."""
        self._require(ReferralStatus.INTERVIEWED, doing="record the employer's answer (interview first)")
        self._not_before(on, self.interviews[-1]["on"], "the interview")
        if accepted:
            self._accepted(on=on, group=self.group)
        else:
            self._declined(on=on, reason=reason or "", group=self.group)

    @event("Accepted")
    def _accepted(self, on: str, group: str) -> None:
        self.status = ReferralStatus.ACCEPTED

    @event("Declined")
    def _declined(self, on: str, reason: str, group: str) -> None:
        self.status = ReferralStatus.DECLINED

    def start(self, on: str, monthly_wage_fen: int) -> None:
        """A placement needs the employer to have accepted the seeker."""
        self._require(ReferralStatus.ACCEPTED, doing="start a placement (the employer has not accepted)")
        self._started(on=on, monthly_wage_fen=monthly_wage_fen, group=self.group, vacancy_id=self.vacancy_id,
                      enterprise_id=self.enterprise_id)

    @event("PlacementStarted")
    def _started(self, on: str, monthly_wage_fen: int, group: str, vacancy_id: str, enterprise_id: str) -> None:
        self.status, self.started_on = ReferralStatus.PLACED, on

    def record_retention(self, months: int, retained: bool, today: str) -> None:
        """Whether the seeker is still in the job `months` (3 or 6) after the start: only once that day came."""
        if months not in RETENTION_MONTHS:
            raise Invalid(f"retention is checked at {' and '.join(map(str, RETENTION_MONTHS))} months",
                          field="months")
        self._require(ReferralStatus.PLACED, doing="record retention")
        assert self.started_on is not None
        due = months_after(self.started_on, months)
        if today < due:
            raise Conflict(f"retention at {months} months can be recorded from {due}, not on {today}")
        if str(months) in self.retention:
            raise Conflict(f"retention at {months} months is already recorded for referral {self.id}")
        earlier = [m for m in RETENTION_MONTHS if m < months and str(m) not in self.retention]
        if earlier:
            raise Conflict(f"record retention at {earlier[0]} months first")
        self._retention(months=months, retained=retained, on=today, group=self.group)

    @event("RetentionRecorded")
    def _retention(self, months: int, retained: bool, on: str, group: str) -> None:
        self.retention[str(months)] = retained
        if not retained:
            self.status = ReferralStatus.ENDED

    def end(self, on: str, reason: str) -> None:
        self._require(ReferralStatus.PLACED, doing="end the placement")
        assert self.started_on is not None
        self._not_before(on, self.started_on, "the start")
        self._ended(on=on, reason=reason, group=self.group)

    @event("PlacementEnded")
    def _ended(self, on: str, reason: str, group: str) -> None:
        self.status = ReferralStatus.ENDED


class TrainingCourse(CommunityAggregate):
    """A skills-training course (e.g. Hualong Jiayuan's order-based training) with attendance and certificates."""

    @event("Scheduled")
    def __init__(self, community_id: str, title: str, skill: str, sessions: int, min_attendance: int,
                 starts_on: str) -> None:
        self.community_id = community_id
        self.title, self.skill, self.sessions, self.starts_on = title, skill, sessions, starts_on
        self.min_attendance = min_attendance
        self.enrolled: dict[str, str] = {}  # seeker id -> group
        self.attendance: dict[str, list[int]] = {}
        self.certified: list[str] = []

    def enrol(self, seeker: JobSeeker) -> None:
        if str(seeker.id) in self.enrolled:
            raise Conflict(f"job seeker {seeker.id} is already enrolled in course {self.id}")
        if seeker.status == SeekerStatus.WITHDRAWN:
            raise Conflict(f"job seeker {seeker.id} has withdrawn")
        self._enrolled(seeker_id=str(seeker.id), group=seeker.group)

    @event("SeekerEnrolled")
    def _enrolled(self, seeker_id: str, group: str) -> None:
        self.enrolled[seeker_id] = group
        self.attendance[seeker_id] = []

    def record_attendance(self, session: int, present: list[str]) -> None:
        if not 1 <= session <= self.sessions:
            raise Invalid(f"course {self.id} has sessions 1 to {self.sessions}", field="session")
        strangers = [p for p in present if p not in self.enrolled]
        if strangers:
            raise Invalid(f"not enrolled in course {self.id}: {', '.join(strangers)}", field="present")
        if any(session in self.attendance[p] for p in present):
            raise Conflict(f"attendance of session {session} is already recorded for some of them")
        self._attended(session=session, present=list(present))

    @event("AttendanceRecorded")
    def _attended(self, session: int, present: list[str]) -> None:
        for seeker_id in present:
            self.attendance[seeker_id].append(session)

    def certify(self, seeker_id: uuid.UUID, on: str) -> None:
        key = str(seeker_id)
        if key not in self.enrolled:
            raise Conflict(f"job seeker {seeker_id} is not enrolled in course {self.id}")
        if key in self.certified:
            raise Conflict(f"job seeker {seeker_id} already has the certificate of course {self.id}")
        attended = len(self.attendance[key])
        if attended < self.min_attendance:
            raise Conflict(f"job seeker {seeker_id} attended {attended} of {self.sessions} sessions; "
                           f"a certificate needs {self.min_attendance}")
        self._certified(seeker_id=key, on=on, group=self.enrolled[key])

    @event("CertificateAwarded")
    def _certified(self, seeker_id: str, on: str, group: str) -> None:
        self.certified.append(seeker_id)
