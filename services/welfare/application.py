"""Welfare use cases: registry, allowances, programmes, payment cycles, relief, assisted employment.

The event store is encrypted with the service key (privacy.welfare_cipher_key);
personal fields are sealed per person (privacy.KeyStore) so erasure shreds them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.postgres import PostgresDatastore

from services.welfare.commands import (
    Adjust, ApplyForAllowance, ApproveAllowance, Attendance, CategoryIn, Certify, ChangeOfCircumstances,
    Circumstances, CommunityReview, DecideAppeal, DefineProgramme, DistributeRelief, EmployerAnswer, End,
    EndPlacement, Exit, Grant, Interview, LodgeAppeal, LodgeObjection, OnDate, OpenCycle, OpenStation, PayWage,
    PeriodicReview, PersonRef, PostVacancy, Reason, Refer, RegisterHousehold, RegisterPerson, RegisterSeeker,
    RemoveCategory, ResolveObjection, Retention, ScheduleCourse, SeekerRef, StartJob, StartNotice, StartPlacement,
    Threshold, Withdraw,
)
from services.welfare.domain import (
    AllowanceRoll, Facts, Household, JobSeeker, LocalStandard, NationalIdClaim, PaymentCycle, PaymentLedger, Person,
    PersonStatus, Programme, Referral, ReferralStatus, ReliefDistribution, SeekerStatus, Standard, Station,
    TrainingCourse, Vacancy, age_band, age_on,
)
from services.welfare.privacy import (
    CIPHER_KEY_ENV, ERASED, KEY_STORE_FILE, KeyStore, PostgresKeyTable, SqliteKeyTable, welfare_cipher_key,
    welfare_data_dir,
)
from shared.kernel.actor import Actor
from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Conflict, Invalid
from shared.platform.eventstore import SNAPSHOT_EVERY, ServiceApplication
from shared.kernel import clock

Served = TypeVar("Served", bound=CommunityAggregate)

PERSONAL_FIELDS = ("name", "national_id", "phone", "address", "birth_date")


def today() -> str:
    return clock.today().isoformat()


class WelfareApplication(ServiceApplication):
    requires_known_communities = True  # learned from grid's directory events (services/directory.py)
    name = "welfare"
    snapshotting_intervals = dict.fromkeys(  # long-lived: snapshot, not replay
        (AllowanceRoll, Station, Vacancy), SNAPSHOT_EVERY)

    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = dict(env or {})
        data_dir = welfare_data_dir({**os.environ, **env})
        key = env.get(CIPHER_KEY_ENV) or welfare_cipher_key(data_dir)
        env.update({"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key,
                    "WELFARE_CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", CIPHER_KEY_ENV: key})
        super().__init__(env)
        datastore = getattr(self.factory, "datastore", None)
        table = (PostgresKeyTable(datastore) if isinstance(datastore, PostgresDatastore)
                 else SqliteKeyTable(data_dir / KEY_STORE_FILE))
        self.keys = KeyStore(table, key)

    def close(self) -> None:
        self.keys.close()
        super().close()

    def _maybe(self, aggregate_id: UUID) -> Any | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _served(self, actor: Actor, aggregate_id: UUID | str, kind: type[Served], label: str) -> Served:
        """The aggregate a command is about, loaded once; Forbidden (403) before anything changes
        unless the actor serves its community."""
        aggregate: Served = self.get(aggregate_id, kind, label)
        actor.ensure_serves(aggregate.community_id)
        return aggregate

    def _change_served(self, actor: Actor, aggregate_id: UUID | str, kind: type[Served], label: str,
                       change: Callable[[Served], object]) -> Served:
        """Load-check-save: the aggregate the actor serves (404, 403 as `_served`), changed by `change` (whose
        domain rules may refuse) and saved once; the changed aggregate, for the view. Use cases that touch a
        second aggregate load and save it themselves."""
        aggregate = self._served(actor, aggregate_id, kind, label)
        change(aggregate)
        self.save(aggregate, actor=actor)
        return aggregate

    def _new_record(self, actor: Actor, community_id: str, make: Callable[[], CommunityAggregate]) -> UUID:
        """A new record of a community the actor serves (403 before it is made), saved; its id."""
        actor.ensure_serves(community_id)
        record = make()
        self.save(record, actor=actor)
        return record.id

    # ------------------------------------------------------------ persons

    def register_person(self, actor: Actor, command: RegisterPerson) -> UUID:
        actor.ensure_serves(command.community_id)
        community_id, birth_date = command.community_id, command.birth_date.isoformat()
        if birth_date > today():
            raise Invalid("birth date is in the future", field="birth_date")
        national_id = command.national_id.upper()
        claim_id = self.keys.dedupe_id(national_id)
        person_id = uuid4()
        claim = self._maybe(claim_id)
        if claim is None:
            claim = NationalIdClaim(community_id=community_id, claim_id=claim_id, person_id=person_id)
        else:
            claim.claim(person_id, community_id)
        fields = {"name": command.name, "national_id": national_id, "phone": command.phone,
                  "address": command.address, "birth_date": birth_date}
        sealed = self.keys.seal(person_id, fields)
        band = age_band(age_on(birth_date, today()))
        person = Person(community_id=community_id, person_id=person_id, sealed=sealed, age_band=band)
        for c in command.categories:
            person.add_category(c.category, c.disability_type, c.disability_grade)
        try:
            self.save(claim, person, actor=actor)
        except Exception:
            self.keys.destroy(person_id)
            raise
        return person.id

    def _person(self, person_id: UUID | str) -> Person:
        return self.get(person_id, Person, "person")

    def _personal(self, person: Person) -> dict[str, Any] | None:
        return None if person.erased else self.keys.open(person.id, person.sealed)

    def _band_now(self, person: Person) -> str:
        personal = self._personal(person)
        return age_band(age_on(personal["birth_date"], today())) if personal else person.age_band

    def person_record(self, actor: Actor, person_id: UUID | str, purpose: str | None = None) -> dict[str, Any]:
        """The full record, personal fields decrypted; every read is audited by an event."""
        person = self._change_person(actor, person_id, lambda person: person.record_read(purpose))
        personal = self._personal(person) or dict.fromkeys(PERSONAL_FIELDS, ERASED)
        return {**self.person_view(person), **personal}

    def person_view(self, person: Person) -> dict[str, Any]:
        """No personal data: safe for any welfare officer response."""
        return {"id": str(person.id), "community_id": person.community_id, "status": person.status.value,
                "erased": person.erased, "age_band": self._band_now(person), "household_id": person.household_id,
                "categories": [{"category": k, **v} for k, v in sorted(person.categories.items())],
                "version": person.version}

    def _change_person(self, actor: Actor, person_id: UUID | str, change: Callable[[Person], object]) -> Person:
        return self._change_served(actor, person_id, Person, "person", change)

    def add_category(self, actor: Actor, person_id: UUID | str, command: CategoryIn) -> None:
        self._change_person(actor, person_id, lambda person: person.add_category(
            command.category, command.disability_type, command.disability_grade, age_band=self._band_now(person)))

    def remove_category(self, actor: Actor, person_id: UUID | str, command: RemoveCategory) -> None:
        self._change_person(actor, person_id, lambda person: person.remove_category(command.category))

    def move_out(self, actor: Actor, person_id: UUID | str, command: OnDate) -> None:
        self._change_person(actor, person_id, lambda person: person.move_out(command.on.isoformat()))

    def record_death(self, actor: Actor, person_id: UUID | str, command: OnDate) -> None:
        self._change_person(actor, person_id, lambda person: person.record_death(command.on.isoformat()))

    def erase_person(self, actor: Actor, person_id: UUID | str, command: Reason) -> None:
        """Crypto-shredding: destroy the person's key, release the dedupe claim, record PersonErased."""
        person = self._served(actor, person_id, Person, "person")
        personal = self._personal(person)
        person.erase(command.reason)
        claims = []
        if personal:
            claim = self._maybe(self.keys.dedupe_id(personal["national_id"]))
            if claim is not None and claim.person_id == person.id:
                claim.release()
                claims.append(claim)
        self.keys.destroy(person.id)
        self.save(person, *claims, actor=actor)

    def facts(self, person_id: UUID | str, on: str | None = None) -> Facts:
        person = self._person(person_id)
        personal = self._personal(person)
        income = None
        if person.household_id:
            income = self.get(person.household_id, Household, "household").income_per_person_fen
        age = age_on(personal["birth_date"], on or today()) if personal else None
        return Facts(active=person.status == PersonStatus.ACTIVE and not person.erased,
                     categories=tuple(sorted(person.categories)), age=age, income_per_person_fen=income,
                     age_band=self._band_now(person), household_id=person.household_id)

    # ------------------------------------------------------------ households

    def set_threshold(self, actor: Actor, community_id: str, command: Threshold) -> dict[str, Any]:
        actor.ensure_serves(community_id)
        rules = {"threshold_fen": command.threshold_fen, "effective_from": command.effective_from.isoformat(),
                 "asset_limit_per_person_fen": command.asset_limit_per_person_fen,
                 "notice_days": command.notice_days}
        standard = self._maybe(LocalStandard.id_for(community_id))
        if standard is None:
            standard = LocalStandard(community_id=community_id, **rules)
        else:
            standard.change(**rules)
        self.save(standard, actor=actor)
        return {"community_id": community_id, **rules}

    def _same_community(self, community_id: str, person_id: UUID | str, field: str) -> Person:
        person = self._person(person_id)
        if person.community_id != community_id:
            raise Invalid(f"person {person_id} is registered in another community", field=field)
        return person

    def register_household(self, actor: Actor, command: RegisterHousehold) -> UUID:
        actor.ensure_serves(command.community_id)
        members = command.members
        if len(set(members)) != len(members):
            raise Invalid("a member is listed twice", field="members")
        persons = [self._same_community(command.community_id, m, "members") for m in members]
        household = Household(community_id=command.community_id, members=list(members),
                              income_per_person_fen=command.income_per_person_fen)
        for person in persons:
            person.join_household(household.id)
        self.save(household, *persons, actor=actor)
        return household.id

    def _household(self, actor: Actor, household_id: UUID | str) -> Household:
        return self._served(actor, household_id, Household, "household")

    def household(self, actor: Actor, household_id: UUID | str) -> dict[str, Any]:
        return household_view(self._household(actor, household_id))

    def _change_household(self, actor: Actor, household_id: UUID | str,
                          change: Callable[[Household], object]) -> dict[str, Any]:
        return household_view(self._change_served(actor, household_id, Household, "household", change))

    def _change_allowance(self, actor: Actor, household_id: UUID | str,
                          change: Callable[[Household], object]) -> dict[str, Any]:
        """As `_change_household`, for a change that may change the allowance: saved with the roll."""
        household = self._household(actor, household_id)
        change(household)
        return self._allowance_saved(actor, household)

    def _standard(self, community_id: str) -> LocalStandard:
        standard = self._maybe(LocalStandard.id_for(community_id))
        if standard is None:
            raise Conflict(f"community {community_id} has no minimum-allowance threshold set")
        return standard

    def assess_household(self, actor: Actor, household_id: UUID | str, command: OnDate) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.assess(
            self._standard(household.community_id).threshold_fen, command.on.isoformat()))

    def grant_allowance(self, actor: Actor, household_id: UUID | str, command: Grant) -> dict[str, Any]:
        return self._change_allowance(actor, household_id, lambda household: household.grant(
            command.monthly_fen, command.from_date.isoformat()))

    def adjust_allowance(self, actor: Actor, household_id: UUID | str, command: Adjust) -> dict[str, Any]:
        return self._change_allowance(actor, household_id, lambda household: household.adjust(
            command.monthly_fen, command.reason))

    def suspend_allowance(self, actor: Actor, household_id: UUID | str, command: Reason) -> dict[str, Any]:
        return self._change_allowance(actor, household_id, lambda household: household.suspend(command.reason))

    def resume_allowance(self, actor: Actor, household_id: UUID | str) -> dict[str, Any]:
        return self._change_allowance(actor, household_id, lambda household: household.resume())

    def end_allowance(self, actor: Actor, household_id: UUID | str, command: End) -> dict[str, Any]:
        return self._change_allowance(actor, household_id, lambda household: household.end(
            command.reason, command.on.isoformat()))

    # ------------------------------------------------------------ the minimum-allowance (低保) cycle

    def _allowance_saved(self, actor: Actor, household: Household, *others: CommunityAggregate) -> dict[str, Any]:
        """Saves a household whose allowance may have changed with its community's roll (what payment cycles
        of the minimum-allowance programme pay), in step."""
        roll = self._maybe(AllowanceRoll.id_for(household.community_id)) or AllowanceRoll(
            community_id=household.community_id)
        roll.sync(household)
        return self._saved(actor, household, household_view, roll, *others)

    def apply_for_allowance(self, actor: Actor, household_id: UUID | str, command: ApplyForAllowance
                            ) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.apply(
            command.applicant_id, command.on.isoformat()))

    def _record_circumstances(self, actor: Actor, household_id: UUID | str, command: Circumstances, change: bool,
                              reason: str) -> dict[str, Any]:
        """Members as of the date join the household (from no other) or leave it, in the same save."""
        household = self._household(actor, household_id)
        standard = self._standard(household.community_id)
        listed = {str(m.person_id): m.monthly_income_fen for m in command.members}
        current = {str(m) for m in household.members}
        joining = [self._same_community(household.community_id, p, "members") for p in listed if p not in current]
        leaving = [self._person(p) for p in current - set(listed)]
        household.record_circumstances(change, command.as_of.isoformat(), listed, command.assets_fen,
                                       Standard(standard.threshold_fen, standard.asset_limit_per_person_fen), reason)
        for person in joining:
            person.join_household(household.id)
        for person in leaving:
            person.leave_household(household.id)
        return self._saved(actor, household, household_view, *joining, *leaving)

    def investigate(self, actor: Actor, household_id: UUID | str, command: Circumstances) -> dict[str, Any]:
        return self._record_circumstances(actor, household_id, command, change=False, reason="investigation")

    def change_circumstances(self, actor: Actor, household_id: UUID | str, command: ChangeOfCircumstances
                             ) -> dict[str, Any]:
        return self._record_circumstances(actor, household_id, command, change=True, reason=command.reason)

    def community_review(self, actor: Actor, household_id: UUID | str, command: CommunityReview) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.community_review(
            command.on.isoformat(), command.passed, command.votes_for, command.votes_against))

    def start_notice(self, actor: Actor, household_id: UUID | str, command: StartNotice) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.start_notice(
            command.starts_on.isoformat(), command.days or self._standard(household.community_id).notice_days))

    def lodge_objection(self, actor: Actor, household_id: UUID | str, command: LodgeObjection) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.lodge_objection(
            command.on.isoformat(), command.ground))

    def resolve_objection(self, actor: Actor, household_id: UUID | str, number: int,
                          command: ResolveObjection) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.resolve_objection(
            number, command.on.isoformat(), command.upheld, command.finding))

    def approve_allowance(self, actor: Actor, household_id: UUID | str, command: ApproveAllowance
                          ) -> dict[str, Any]:
        return self._change_allowance(actor, household_id, lambda household: household.approve(
            command.monthly_fen, command.from_date.isoformat(), today()))

    def review_allowance(self, actor: Actor, household_id: UUID | str, command: PeriodicReview) -> dict[str, Any]:
        return self._change_allowance(actor, household_id, lambda household: household.review(
            command.on.isoformat(), command.outcome.value, command.monthly_fen, command.reason))

    def lodge_appeal(self, actor: Actor, household_id: UUID | str, command: LodgeAppeal) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.lodge_appeal(
            command.on.isoformat(), command.grounds))

    def decide_appeal(self, actor: Actor, household_id: UUID | str, command: DecideAppeal) -> dict[str, Any]:
        return self._change_household(actor, household_id, lambda household: household.decide_appeal(
            command.on.isoformat(), command.upheld, command.finding))

    def _saved(self, actor: Actor, aggregate: Served, view: Callable[[Served], dict[str, Any]],
               *others: CommunityAggregate) -> dict[str, Any]:
        """Stores the changes and answers from the same in-memory aggregate (no reload)."""
        self.save(aggregate, *others, actor=actor)
        return view(aggregate)

    # ------------------------------------------------------------ programmes and payment cycles

    def define_programme(self, actor: Actor, command: DefineProgramme) -> UUID:
        return self._new_record(actor, command.community_id, lambda: Programme(
            community_id=command.community_id, name=command.name, kind=command.kind, amount_fen=command.amount_fen,
            rule=command.rule.model_dump(mode="json")))

    def _programme(self, actor: Actor, programme_id: UUID | str) -> Programme:
        return self._served(actor, programme_id, Programme, "programme")

    def programme(self, actor: Actor, programme_id: UUID | str) -> dict[str, Any]:
        return programme_view(self._programme(actor, programme_id))

    def enrol(self, actor: Actor, programme_id: UUID | str, command: PersonRef) -> dict[str, Any]:
        programme = self._programme(actor, programme_id)
        person = self._same_community(programme.community_id, command.person_id, "person_id")
        programme.enrol(person.id, self.facts(person.id))
        return self._saved(actor, programme, programme_view)

    def exit(self, actor: Actor, programme_id: UUID | str, command: Exit) -> dict[str, Any]:
        return programme_view(self._change_served(actor, programme_id, Programme, "programme",
                                                  lambda programme: programme.exit(command.person_id, command.reason)))

    def open_cycle(self, actor: Actor, command: OpenCycle) -> UUID:
        programme = self._programme(actor, command.programme_id)
        cycle = PaymentCycle(community_id=programme.community_id, programme_id=str(programme.id),
                             month=command.month)
        self.save(cycle, actor=actor)
        return cycle.id

    def _cycle(self, actor: Actor, cycle_id: UUID | str) -> PaymentCycle:
        return self._served(actor, cycle_id, PaymentCycle, "payment cycle")

    def cycle(self, actor: Actor, cycle_id: UUID | str) -> dict[str, Any]:
        return cycle_view(self._cycle(actor, cycle_id))

    def _change_cycle(self, actor: Actor, cycle_id: UUID | str,
                      change: Callable[[PaymentCycle], object]) -> dict[str, Any]:
        return cycle_view(self._change_served(actor, cycle_id, PaymentCycle, "payment cycle", change))

    def _ledger(self, cycle: PaymentCycle) -> PaymentLedger:
        ledger = self._maybe(PaymentLedger.id_for(cycle.programme_id, cycle.month))
        return ledger or PaymentLedger(community_id=cycle.community_id, programme_id=cycle.programme_id,
                                       month=cycle.month)

    def _payable(self, programme: Programme) -> dict[str, dict[str, Any]]:
        """Who the programme pays now and how much: its enrolled persons the programme's amount, or, for the
        minimum allowance, each household's payee on the community's roll the household's granted amount."""
        if not programme.pays_the_allowance_roll:
            return {person_id: {"amount_fen": programme.amount_fen} for person_id in programme.enrolled}
        roll = self._maybe(AllowanceRoll.id_for(programme.community_id))
        return {entry["payee"]: {"amount_fen": entry["monthly_fen"], "household_id": household_id}
                for household_id, entry in (roll.households.items() if roll else ())}

    @staticmethod
    def _refusal(programme: Programme, person_id: str, facts: Facts, payable: dict[str, Any]) -> str | None:
        """Why a person is not paid now, or None."""
        if not programme.pays_the_allowance_roll:
            return programme.eligibility.refusal(facts)
        if not facts.active:
            return "the payee is no longer an active resident"
        return None if person_id in payable else "the household is no longer on the minimum allowance"

    def calculate(self, actor: Actor, cycle_id: UUID | str) -> dict[str, Any]:
        """Entitlements from the registry as it stands now, frozen into the event."""
        cycle = self._cycle(actor, cycle_id)
        programme: Programme = self.get(cycle.programme_id, Programme, "programme")
        ledger = self._ledger(cycle)
        payable = self._payable(programme)
        entitlements, excluded = [], []
        for person_id, pay in payable.items():
            facts = self.facts(person_id)
            other = ledger.persons.get(person_id)
            if why := self._refusal(programme, person_id, facts, payable):
                excluded.append({"person_id": person_id, "reason": why})
            elif other and other != str(cycle.id):
                excluded.append({"person_id": person_id, "reason": f"already in payment cycle {other}"})
            else:
                entitlements.append({"person_id": person_id, "amount_fen": pay["amount_fen"],
                                     "categories": list(facts.categories), "age_band": facts.age_band,
                                     "household_id": pay.get("household_id", facts.household_id),
                                     "income_per_person_fen": facts.income_per_person_fen})
        cycle.calculate(actor.pseudonym, clock.now().isoformat(), entitlements, excluded)
        ledger.claim(cycle.id, [e["person_id"] for e in entitlements])
        return self._saved(actor, cycle, cycle_view, ledger)

    def approve(self, actor: Actor, cycle_id: UUID | str) -> dict[str, Any]:
        """Four-eyes approval; eligibility rechecked now, the ineligible dropped (listed in the view)."""
        cycle = self._cycle(actor, cycle_id)
        programme: Programme = self.get(cycle.programme_id, Programme, "programme")
        payable = self._payable(programme)
        dropped = [{"person_id": e["person_id"], "reason": why} for e in cycle.entitlements
                   if (why := self._refusal(programme, e["person_id"], self.facts(e["person_id"]), payable))]
        cycle.approve(actor.pseudonym, dropped)
        ledger = self._ledger(cycle)
        if dropped:
            ledger.release(cycle_id=str(cycle.id), person_ids=[d["person_id"] for d in dropped])
        return self._saved(actor, cycle, cycle_view, ledger)

    def disburse(self, actor: Actor, cycle_id: UUID | str, command: OnDate) -> dict[str, Any]:
        return self._change_cycle(actor, cycle_id, lambda cycle: cycle.disburse(command.on.isoformat()))

    def close_cycle(self, actor: Actor, cycle_id: UUID | str) -> dict[str, Any]:
        return self._change_cycle(actor, cycle_id, lambda cycle: cycle.close())

    # ------------------------------------------------------------ relief and assisted employment

    def distribute_relief(self, actor: Actor, command: DistributeRelief) -> UUID:
        community_id, person_id, household_id = command.community_id, command.person_id, command.household_id
        actor.ensure_serves(community_id)
        if person_id:
            self._same_community(community_id, person_id, "person_id")
        if household_id and self.get(household_id, Household, "household").community_id != community_id:
            raise Invalid(f"household {household_id} is in another community", field="household_id")
        relief = ReliefDistribution(community_id=community_id, occasion=command.occasion, kind=command.kind,
                                    recipient_person_id=person_id and str(person_id),
                                    recipient_household_id=household_id and str(household_id),
                                    items=[i.model_dump() for i in command.items], value_fen=command.value_fen,
                                    on=command.on.isoformat())
        self.save(relief, actor=actor)
        return relief.id

    def open_station(self, actor: Actor, command: OpenStation) -> UUID:
        return self._new_record(actor, command.community_id, lambda: Station(
            community_id=command.community_id, name=command.name, capacity=command.capacity,
            opened_on=command.opened_on.isoformat()))

    def _station(self, actor: Actor, station_id: UUID | str) -> Station:
        return self._served(actor, station_id, Station, "station")

    def station(self, actor: Actor, station_id: UUID | str) -> dict[str, Any]:
        return station_view(self._station(actor, station_id))

    def _change_station(self, actor: Actor, station_id: UUID | str,
                        change: Callable[[Station], object]) -> dict[str, Any]:
        return station_view(self._change_served(actor, station_id, Station, "station", change))

    def start_placement(self, actor: Actor, station_id: UUID | str, command: StartPlacement) -> dict[str, Any]:
        station = self._station(actor, station_id)
        person = self._same_community(station.community_id, command.person_id, "person_id")
        if person.status != PersonStatus.ACTIVE:
            raise Conflict(f"person {command.person_id} is {person.status}")
        station.start_placement(person.id, command.on.isoformat(), command.monthly_wage_fen)
        return self._saved(actor, station, station_view)

    def end_placement(self, actor: Actor, station_id: UUID | str, person_id: UUID,
                      command: EndPlacement) -> dict[str, Any]:
        return self._change_station(actor, station_id, lambda station: station.end_placement(
            person_id, command.on.isoformat(), command.reason))

    def pay_wage(self, actor: Actor, station_id: UUID | str, command: PayWage) -> dict[str, Any]:
        return self._change_station(actor, station_id, lambda station: station.pay(
            command.person_id, command.month, command.wage_fen, command.pension_insurance_fen,
            command.medical_insurance_fen, command.lunch_fen))


    # ------------------------------------------------------------ employment services

    def register_seeker(self, actor: Actor, command: RegisterSeeker) -> UUID:
        """A registered person of the community joins the job-seeker register, or rejoins it after withdrawing
        (one entry per person)."""
        person = self._person(command.person_id)
        actor.ensure_serves(person.community_id)
        if person.status != PersonStatus.ACTIVE or person.erased:
            raise Conflict(f"person {command.person_id} is {'erased' if person.erased else person.status}")
        seeker_id = self.keys.dedupe_id(f"job-seeker:{person.id}")
        on = command.registered_on.isoformat()
        seeker = self._maybe(seeker_id)
        if seeker is None:
            seeker = JobSeeker(community_id=person.community_id, seeker_id=seeker_id, person_id=str(person.id),
                               group=command.group, registered_on=on)
        else:
            seeker.register_again(command.group, on)
        self.save(seeker, actor=actor)
        return seeker.id

    def seeker(self, actor: Actor, seeker_id: UUID | str) -> dict[str, Any]:
        return seeker_view(self._served(actor, seeker_id, JobSeeker, "job seeker"))

    def withdraw_seeker(self, actor: Actor, seeker_id: UUID | str, command: Withdraw) -> dict[str, Any]:
        return seeker_view(self._change_served(actor, seeker_id, JobSeeker, "job seeker",
                                               lambda seeker: seeker.withdraw(command.on.isoformat(), command.reason)))

    def post_vacancy(self, actor: Actor, command: PostVacancy) -> UUID:
        return self._new_record(actor, command.community_id, lambda: Vacancy(
            community_id=command.community_id, enterprise_id=str(command.enterprise_id), title=command.title,
            positions=command.positions, monthly_wage_fen=command.monthly_wage_fen,
            posted_on=command.posted_on.isoformat()))

    def vacancy(self, actor: Actor, vacancy_id: UUID | str) -> dict[str, Any]:
        return vacancy_view(self._served(actor, vacancy_id, Vacancy, "vacancy"))

    def close_vacancy(self, actor: Actor, vacancy_id: UUID | str, command: Withdraw) -> dict[str, Any]:
        return vacancy_view(self._change_served(actor, vacancy_id, Vacancy, "vacancy",
                                                lambda vacancy: vacancy.close(command.on.isoformat(), command.reason)))

    def refer(self, actor: Actor, command: Refer) -> UUID:
        vacancy = self._served(actor, command.vacancy_id, Vacancy, "vacancy")
        seeker = self._served(actor, command.seeker_id, JobSeeker, "job seeker")
        if seeker.community_id != vacancy.community_id:
            raise Invalid(f"job seeker {seeker.id} is registered in another community", field="seeker_id")
        seeker.require_seeking("be referred")
        vacancy.require_open("refer a seeker")
        if command.on.isoformat() < vacancy.posted_on:
            raise Invalid(f"the referral is dated before the vacancy was posted ({vacancy.posted_on})", field="on")
        referral = Referral(community_id=vacancy.community_id, seeker_id=str(seeker.id), vacancy_id=str(vacancy.id),
                            enterprise_id=vacancy.enterprise_id, group=seeker.group, on=command.on.isoformat())
        self.save(referral, actor=actor)
        return referral.id

    def _referral(self, actor: Actor, referral_id: UUID | str) -> Referral:
        return self._served(actor, referral_id, Referral, "referral")

    def referral(self, actor: Actor, referral_id: UUID | str) -> dict[str, Any]:
        return referral_view(self._referral(actor, referral_id))

    def _change_referral(self, actor: Actor, referral_id: UUID | str,
                         change: Callable[[Referral], object]) -> dict[str, Any]:
        return referral_view(self._change_served(actor, referral_id, Referral, "referral", change))

    def record_interview(self, actor: Actor, referral_id: UUID | str, command: Interview) -> dict[str, Any]:
        return self._change_referral(actor, referral_id, lambda referral: referral.record_interview(
            command.on.isoformat(), command.outcome))

    def employer_answer(self, actor: Actor, referral_id: UUID | str, command: EmployerAnswer) -> dict[str, Any]:
        return self._change_referral(actor, referral_id, lambda referral: referral.answer(
            command.accepted, command.on.isoformat(), command.reason))

    def start_job(self, actor: Actor, referral_id: UUID | str, command: StartJob) -> dict[str, Any]:
        """The placement: the referral starts, the vacancy loses a position, the seeker is placed, together."""
        referral = self._referral(actor, referral_id)
        vacancy: Vacancy = self.get(referral.vacancy_id, Vacancy, "vacancy")
        seeker: JobSeeker = self.get(referral.seeker_id, JobSeeker, "job seeker")
        referral.start(command.on.isoformat(), command.monthly_wage_fen)
        vacancy.fill(referral.id)
        seeker.placed(referral.id)
        return self._saved(actor, referral, referral_view, vacancy, seeker)

    def record_retention(self, actor: Actor, referral_id: UUID | str, command: Retention) -> dict[str, Any]:
        referral = self._referral(actor, referral_id)
        referral.record_retention(command.months, command.retained, today())
        if referral.status != ReferralStatus.ENDED:
            return self._saved(actor, referral, referral_view)
        return self._placement_over(actor, referral, today())

    def end_job(self, actor: Actor, referral_id: UUID | str, command: Withdraw) -> dict[str, Any]:
        referral = self._referral(actor, referral_id)
        referral.end(command.on.isoformat(), command.reason)
        return self._placement_over(actor, referral, command.on.isoformat())

    def _placement_over(self, actor: Actor, referral: Referral, on: str) -> dict[str, Any]:
        """The seeker is back on the register unless they withdrew meanwhile."""
        seeker: JobSeeker = self.get(referral.seeker_id, JobSeeker, "job seeker")
        if seeker.status != SeekerStatus.PLACED:
            return self._saved(actor, referral, referral_view)
        seeker.seek_again(on)
        return self._saved(actor, referral, referral_view, seeker)

    def schedule_course(self, actor: Actor, command: ScheduleCourse) -> UUID:
        return self._new_record(actor, command.community_id, lambda: TrainingCourse(
            community_id=command.community_id, title=command.title, skill=command.skill, sessions=command.sessions,
            min_attendance=command.min_attendance, starts_on=command.starts_on.isoformat()))

    def _course(self, actor: Actor, course_id: UUID | str) -> TrainingCourse:
        return self._served(actor, course_id, TrainingCourse, "training course")

    def course(self, actor: Actor, course_id: UUID | str) -> dict[str, Any]:
        return course_view(self._course(actor, course_id))

    def _change_course(self, actor: Actor, course_id: UUID | str,
                       change: Callable[[TrainingCourse], object]) -> dict[str, Any]:
        return course_view(self._change_served(actor, course_id, TrainingCourse, "training course", change))

    def enrol_in_course(self, actor: Actor, course_id: UUID | str, command: SeekerRef) -> dict[str, Any]:
        course = self._course(actor, course_id)
        seeker: JobSeeker = self.get(command.seeker_id, JobSeeker, "job seeker")
        if seeker.community_id != course.community_id:
            raise Invalid(f"job seeker {seeker.id} is registered in another community", field="seeker_id")
        course.enrol(seeker)
        return self._saved(actor, course, course_view)

    def record_attendance(self, actor: Actor, course_id: UUID | str, command: Attendance) -> dict[str, Any]:
        return self._change_course(actor, course_id, lambda course: course.record_attendance(
            command.session, [str(p) for p in command.present]))

    def certify(self, actor: Actor, course_id: UUID | str, command: Certify) -> dict[str, Any]:
        return self._change_course(actor, course_id, lambda course: course.certify(
            command.seeker_id, command.on.isoformat()))


# ------------------------------------------------------------ views (what the API answers)


def household_view(h: Household) -> dict[str, Any]:
    return {"id": str(h.id), "community_id": h.community_id, "members": [str(m) for m in h.members],
            "income_per_person_fen": h.income_per_person_fen, "means_test": h.means_test,
            "allowance_status": h.allowance_status.value, "monthly_fen": h.monthly_fen,
            "application": {"stage": h.stage and h.stage.value, "applicant_id": h.applicant,
                            "circumstances": h.circumstances, "notice": h.notice, "objections": h.objections,
                            "appeal": h.appeal},
            "review_due": h.review_due, "version": h.version}


def programme_view(p: Programme) -> dict[str, Any]:
    return {"id": str(p.id), "community_id": p.community_id, "name": p.name, "kind": p.kind,
            "amount_fen": p.amount_fen, "rule": p.rule, "enrolled": list(p.enrolled), "version": p.version}


def cycle_view(c: PaymentCycle) -> dict[str, Any]:
    return {"id": str(c.id), "community_id": c.community_id, "programme_id": c.programme_id, "month": c.month,
            "status": c.status.value, "entitlements": c.entitlements, "excluded": c.excluded,
            "dropped": c.dropped, "count": len(c.entitlements), "total_fen": c.total_fen,
            "disbursed_on": c.disbursed_on, "version": c.version}


def station_view(s: Station) -> dict[str, Any]:
    return {"id": str(s.id), "community_id": s.community_id, "name": s.name, "capacity": s.capacity,
            "opened_on": s.opened_on, "placements": s.placements, "paid": s.paid, "version": s.version}


def seeker_view(s: JobSeeker) -> dict[str, Any]:
    return {"id": str(s.id), "community_id": s.community_id, "person_id": s.person_id, "group": s.group,
            "registered_on": s.registered_on, "status": s.status.value, "placements": s.placements,
            "version": s.version}


def vacancy_view(v: Vacancy) -> dict[str, Any]:
    return {"id": str(v.id), "community_id": v.community_id, "enterprise_id": v.enterprise_id, "title": v.title,
            "positions": v.positions, "open_positions": v.open_positions, "monthly_wage_fen": v.monthly_wage_fen,
            "posted_on": v.posted_on, "closed": v.closed, "filled_by": list(v.filled), "version": v.version}


def referral_view(r: Referral) -> dict[str, Any]:
    return {"id": str(r.id), "community_id": r.community_id, "seeker_id": r.seeker_id, "vacancy_id": r.vacancy_id,
            "enterprise_id": r.enterprise_id, "group": r.group, "referred_on": r.referred_on,
            "status": r.status.value, "interviews": r.interviews, "started_on": r.started_on,
            "retention": r.retention, "version": r.version}


def course_view(c: TrainingCourse) -> dict[str, Any]:
    return {"id": str(c.id), "community_id": c.community_id, "title": c.title, "skill": c.skill,
            "sessions": c.sessions, "min_attendance": c.min_attendance, "starts_on": c.starts_on,
            "attendance": c.attendance, "certified": list(c.certified), "version": c.version}
