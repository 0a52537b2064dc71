"""Welfare use cases: registry, allowances, programmes, payment cycles, relief, assisted employment.

The event store is encrypted with the service key (privacy.welfare_cipher_key);
personal fields are sealed per person (privacy.KeyStore) so erasure shreds them.
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.postgres import PostgresDatastore

from services.welfare.domain import (
    Category, DisabilityType, Facts, Household, LocalStandard, NationalIdClaim, PaymentCycle, PaymentLedger,
    Person, PersonStatus, Programme, ReliefDistribution, Station, age_band, age_on,
)
from services.welfare.privacy import (
    CIPHER_KEY_ENV, ERASED, KEY_STORE_FILE, KeyStore, PostgresKeyTable, SqliteKeyTable, welfare_cipher_key,
    welfare_data_dir,
)
from shared.kernel.actor import Actor
from shared.kernel.aggregate import CommunityAggregate
from shared.kernel.errors import Conflict, Invalid
from shared.platform.eventstore import ServiceApplication
from shared.kernel import clock

PERSONAL_FIELDS = ("name", "national_id", "phone", "address", "birth_date")


def today() -> str:
    return clock.today().isoformat()


class WelfareApplication(ServiceApplication):
    requires_known_communities = True  # learned from grid's directory events (services/directory.py)
    name = "welfare"

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

    def community_of(self, aggregate_id: UUID | str, kind: type[CommunityAggregate], label: str) -> str:
        return self.get(aggregate_id, kind, label).community_id

    # ------------------------------------------------------------ persons

    def register_person(self, actor: Actor, *, community_id: str, name: str, national_id: str, phone: str,
                        address: str, birth_date: str, categories: list[dict[str, Any]] = ()) -> UUID:
        if birth_date > today():
            raise Invalid("birth date is in the future", field="birth_date")
        claim_id = self.keys.dedupe_id(national_id)
        person_id = uuid4()
        claim = self._maybe(claim_id)
        if claim is None:
            claim = NationalIdClaim(community_id=community_id, claim_id=claim_id, person_id=person_id)
        else:
            claim.claim(person_id, community_id)
        fields = {"name": name, "national_id": national_id, "phone": phone, "address": address,
                  "birth_date": birth_date}
        sealed = self.keys.seal(person_id, fields)
        band = age_band(age_on(birth_date, today()))
        person = Person(community_id=community_id, person_id=person_id, sealed=sealed, age_band=band)
        for c in categories:
            person.add_category(Category(c["category"]), c.get("disability_type"), c.get("disability_grade"))
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
        person = self._person(person_id)
        person.record_read(purpose)
        self.save(person, actor=actor)
        personal = self._personal(person) or dict.fromkeys(PERSONAL_FIELDS, ERASED)
        return {**self.person_view(person), **personal}

    def person_view(self, person: Person) -> dict[str, Any]:
        """No personal data: safe for any welfare officer response."""
        return {"id": str(person.id), "community_id": person.community_id, "status": person.status.value,
                "erased": person.erased, "age_band": self._band_now(person), "household_id": person.household_id,
                "categories": [{"category": k, **v} for k, v in sorted(person.categories.items())],
                "version": person.version}

    def add_category(self, actor: Actor, person_id: UUID | str, category: str, disability_type: str | None = None,
                     disability_grade: int | None = None) -> None:
        person = self._person(person_id)
        person.add_category(Category(category), disability_type and DisabilityType(disability_type),
                            disability_grade, age_band=self._band_now(person))
        self.save(person, actor=actor)

    def remove_category(self, actor: Actor, person_id: UUID | str, category: str) -> None:
        person = self._person(person_id)
        person.remove_category(Category(category))
        self.save(person, actor=actor)

    def move_out(self, actor: Actor, person_id: UUID | str, on: str) -> None:
        person = self._person(person_id)
        person.move_out(on)
        self.save(person, actor=actor)

    def record_death(self, actor: Actor, person_id: UUID | str, on: str) -> None:
        person = self._person(person_id)
        person.record_death(on)
        self.save(person, actor=actor)

    def erase_person(self, actor: Actor, person_id: UUID | str, reason: str) -> None:
        """Crypto-shredding: destroy the person's key, release the dedupe claim, record PersonErased."""
        person = self._person(person_id)
        personal = self._personal(person)
        person.erase(reason)
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

    def set_threshold(self, actor: Actor, community_id: str, threshold_fen: int, effective_from: str) -> None:
        standard = self._maybe(LocalStandard.id_for(community_id))
        if standard is None:
            standard = LocalStandard(community_id=community_id, threshold_fen=threshold_fen,
                                     effective_from=effective_from)
        else:
            standard.change(threshold_fen, effective_from)
        self.save(standard, actor=actor)

    def threshold(self, community_id: str) -> dict[str, Any] | None:
        standard = self._maybe(LocalStandard.id_for(community_id))
        return standard and {"community_id": community_id, "threshold_fen": standard.threshold_fen,
                             "effective_from": standard.effective_from}

    def _same_community(self, community_id: str, person_id: UUID | str, field: str) -> Person:
        person = self._person(person_id)
        if person.community_id != community_id:
            raise Invalid(f"person {person_id} is registered in another community", field=field)
        return person

    def register_household(self, actor: Actor, *, community_id: str, members: list[UUID],
                           income_per_person_fen: int) -> UUID:
        if len(set(members)) != len(members):
            raise Invalid("a member is listed twice", field="members")
        persons = [self._same_community(community_id, m, "members") for m in members]
        household = Household(community_id=community_id, members=list(members),
                              income_per_person_fen=income_per_person_fen)
        for person in persons:
            person.join_household(household.id)
        self.save(household, *persons, actor=actor)
        return household.id

    def _household(self, household_id: UUID | str) -> Household:
        return self.get(household_id, Household, "household")

    def assess_household(self, actor: Actor, household_id: UUID | str, on: str) -> bool:
        household = self._household(household_id)
        standard = self._maybe(LocalStandard.id_for(household.community_id))
        if standard is None:
            raise Conflict(f"community {household.community_id} has no minimum-allowance threshold set")
        passed = household.assess(standard.threshold_fen, on)
        self.save(household, actor=actor)
        return passed

    def change_allowance(self, actor: Actor, household_id: UUID | str, action: str, **kwargs: Any) -> None:
        household = self._household(household_id)
        getattr(household, action)(**kwargs)
        self.save(household, actor=actor)

    def household(self, household_id: UUID | str) -> dict[str, Any]:
        h = self._household(household_id)
        return {"id": str(h.id), "community_id": h.community_id, "members": [str(m) for m in h.members],
                "income_per_person_fen": h.income_per_person_fen, "means_test": h.means_test,
                "allowance_status": h.allowance_status.value, "monthly_fen": h.monthly_fen, "version": h.version}

    # ------------------------------------------------------------ programmes and payment cycles

    def define_programme(self, actor: Actor, *, community_id: str, name: str, kind: str, amount_fen: int,
                         rule: dict[str, Any]) -> UUID:
        programme = Programme(community_id=community_id, name=name, kind=kind, amount_fen=amount_fen, rule=rule)
        self.save(programme, actor=actor)
        return programme.id

    def _programme(self, programme_id: UUID | str) -> Programme:
        return self.get(programme_id, Programme, "programme")

    def enrol(self, actor: Actor, programme_id: UUID | str, person_id: UUID | str) -> None:
        programme = self._programme(programme_id)
        person = self._same_community(programme.community_id, person_id, "person_id")
        programme.enrol(person.id, self.facts(person.id))
        self.save(programme, actor=actor)

    def exit(self, actor: Actor, programme_id: UUID | str, person_id: UUID | str, reason: str) -> None:
        programme = self._programme(programme_id)
        programme.exit(UUID(str(person_id)), reason)
        self.save(programme, actor=actor)

    def programme(self, programme_id: UUID | str) -> dict[str, Any]:
        p = self._programme(programme_id)
        return {"id": str(p.id), "community_id": p.community_id, "name": p.name, "kind": p.kind,
                "amount_fen": p.amount_fen, "rule": p.rule, "enrolled": list(p.enrolled), "version": p.version}

    def open_cycle(self, actor: Actor, programme_id: UUID | str, month: str) -> UUID:
        programme = self._programme(programme_id)
        cycle = PaymentCycle(community_id=programme.community_id, programme_id=str(programme.id), month=month)
        self.save(cycle, actor=actor)
        return cycle.id

    def _cycle(self, cycle_id: UUID | str) -> PaymentCycle:
        return self.get(cycle_id, PaymentCycle, "payment cycle")

    def _ledger(self, cycle: PaymentCycle) -> PaymentLedger:
        ledger = self._maybe(PaymentLedger.id_for(cycle.programme_id, cycle.month))
        return ledger or PaymentLedger(community_id=cycle.community_id, programme_id=cycle.programme_id,
                                       month=cycle.month)

    def calculate(self, actor: Actor, cycle_id: UUID | str) -> None:
        """Entitlements from the registry as it stands now, frozen into the event."""
        cycle = self._cycle(cycle_id)
        programme = self._programme(cycle.programme_id)
        ledger = self._ledger(cycle)
        rule = programme.eligibility
        entitlements, excluded = [], []
        for person_id in programme.enrolled:
            facts = self.facts(person_id)
            other = ledger.persons.get(person_id)
            if why := rule.refusal(facts):
                excluded.append({"person_id": person_id, "reason": why})
            elif other and other != str(cycle.id):
                excluded.append({"person_id": person_id, "reason": f"already in payment cycle {other}"})
            else:
                entitlements.append({"person_id": person_id, "amount_fen": programme.amount_fen,
                                     "categories": list(facts.categories), "age_band": facts.age_band,
                                     "household_id": facts.household_id,
                                     "income_per_person_fen": facts.income_per_person_fen})
        cycle.calculate(actor.pseudonym, clock.now().isoformat(), entitlements, excluded)
        ledger.claim(cycle.id, [e["person_id"] for e in entitlements])
        self.save(cycle, ledger, actor=actor)

    def approve(self, actor: Actor, cycle_id: UUID | str) -> list[dict[str, Any]]:
        """Four-eyes approval; eligibility rechecked now, the ineligible dropped (and returned)."""
        cycle = self._cycle(cycle_id)
        rule = self._programme(cycle.programme_id).eligibility
        dropped = [{"person_id": e["person_id"], "reason": why} for e in cycle.entitlements
                   if (why := rule.refusal(self.facts(e["person_id"])))]
        cycle.approve(actor.pseudonym, dropped)
        ledger = self._ledger(cycle)
        if dropped:
            ledger.release(cycle_id=str(cycle.id), person_ids=[d["person_id"] for d in dropped])
        self.save(cycle, ledger, actor=actor)
        return dropped

    def disburse(self, actor: Actor, cycle_id: UUID | str, on: str) -> None:
        cycle = self._cycle(cycle_id)
        cycle.disburse(on)
        self.save(cycle, actor=actor)

    def close_cycle(self, actor: Actor, cycle_id: UUID | str) -> None:
        cycle = self._cycle(cycle_id)
        cycle.close()
        self.save(cycle, actor=actor)

    def cycle(self, cycle_id: UUID | str) -> dict[str, Any]:
        c = self._cycle(cycle_id)
        return {"id": str(c.id), "community_id": c.community_id, "programme_id": c.programme_id, "month": c.month,
                "status": c.status.value, "entitlements": c.entitlements, "excluded": c.excluded,
                "dropped": c.dropped, "count": len(c.entitlements), "total_fen": c.total_fen,
                "disbursed_on": c.disbursed_on, "version": c.version}

    # ------------------------------------------------------------ relief and assisted employment

    def distribute_relief(self, actor: Actor, *, community_id: str, occasion: str, kind: str,
                          person_id: UUID | None, household_id: UUID | None, items: list[dict[str, Any]],
                          value_fen: int, on: str) -> UUID:
        if person_id:
            self._same_community(community_id, person_id, "person_id")
        if household_id and self._household(household_id).community_id != community_id:
            raise Invalid(f"household {household_id} is in another community", field="household_id")
        relief = ReliefDistribution(community_id=community_id, occasion=occasion, kind=kind,
                                    recipient_person_id=person_id and str(person_id),
                                    recipient_household_id=household_id and str(household_id),
                                    items=items, value_fen=value_fen, on=on)
        self.save(relief, actor=actor)
        return relief.id

    def open_station(self, actor: Actor, *, community_id: str, name: str, capacity: int, opened_on: str) -> UUID:
        station = Station(community_id=community_id, name=name, capacity=capacity, opened_on=opened_on)
        self.save(station, actor=actor)
        return station.id

    def _station(self, station_id: UUID | str) -> Station:
        return self.get(station_id, Station, "station")

    def start_placement(self, actor: Actor, station_id: UUID | str, person_id: UUID | str, on: str,
                        monthly_wage_fen: int) -> None:
        station = self._station(station_id)
        person = self._same_community(station.community_id, person_id, "person_id")
        if person.status != PersonStatus.ACTIVE:
            raise Conflict(f"person {person_id} is {person.status}")
        station.start_placement(person.id, on, monthly_wage_fen)
        self.save(station, actor=actor)

    def end_placement(self, actor: Actor, station_id: UUID | str, person_id: UUID | str, on: str,
                      reason: str) -> None:
        station = self._station(station_id)
        station.end_placement(UUID(str(person_id)), on, reason)
        self.save(station, actor=actor)

    def pay_wage(self, actor: Actor, station_id: UUID | str, person_id: UUID | str, **amounts: Any) -> None:
        station = self._station(station_id)
        station.pay(UUID(str(person_id)), **amounts)
        self.save(station, actor=actor)

    def station(self, station_id: UUID | str) -> dict[str, Any]:
        s = self._station(station_id)
        return {"id": str(s.id), "community_id": s.community_id, "name": s.name, "capacity": s.capacity,
                "opened_on": s.opened_on, "placements": s.placements, "paid": s.paid, "version": s.version}
