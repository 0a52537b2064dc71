"""Economy aggregates: collective assets and their leases, enterprises, the collective fund,
community-owned companies and income surveys. Events are named in the past tense.

Money is an integer number of fen everywhere; dates are `datetime.date`. A
correction is always a new event (a reversal or a superseding report), never an edit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from shared.kernel.aggregate import CommunityAggregate
from services.economy.arrears import (  # noqa: F401  (application uses them from here)
    AGING_BUCKETS, account_statement, age_arrears, collection_rate, month_bounds,
)
from shared.kernel.errors import Conflict, Invalid, NotFound

NAMESPACE = uuid.UUID("3d1f0c52-8a8e-4c8b-9d55-2f5d0b6e7a31")
RENT_DUE_DAY = 10
"""Rent for a month falls due on this day of that month."""


class AssetType(StrEnum):
    FACTORY_BUILDING = "factory_building"
    SHOP = "shop"
    MARKET = "market"
    LAND = "land"
    EQUIPMENT = "equipment"


class TerminationReason(StrEnum):
    EXPIRY = "expiry"
    DEFAULT = "default"
    EARLY = "early"


class IncomeSource(StrEnum):
    RENT = "rent"
    TAX_REBATE = "tax_rebate"
    LAND_COMPENSATION = "land_compensation"
    COMMUNITY_COMPANY = "community_company"
    OTHER = "other"


class ExpenseCategory(StrEnum):
    MAINTENANCE = "maintenance"
    STAFF = "staff"
    PUBLIC_SERVICES = "public_services"
    WELFARE = "welfare"
    INTEREST = "interest"
    OTHER = "other"


class Sector(StrEnum):
    MANUFACTURING = "manufacturing"
    WHOLESALE_RETAIL = "wholesale_retail"
    LOGISTICS = "logistics"
    SERVICES = "services"
    AGRICULTURE = "agriculture"
    CONSTRUCTION = "construction"
    OTHER = "other"


class CompanyKind(StrEnum):
    CLEANING = "cleaning"
    FARM_COOPERATIVE = "farm_cooperative"
    MARKET = "market"
    OTHER = "other"


# -- pure rules, shared with the district read side ------------------------------------------------


def money(value: Any, name: str, *, allow_zero: bool = False) -> int:
    """An amount of fen: an int (never a float or bool), positive unless zero is allowed."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{name} must be an integer number of fen", name)
    if value < 0 or (value == 0 and not allow_zero):
        raise Invalid(f"{name} must be {'at least 0' if allow_zero else 'more than 0'} fen", name)
    return value


def square_metres(value: Any, name: str = "area_m2") -> int:
    """An area: a whole number of square metres (never a float or bool), more than 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise Invalid(f"{name} must be a whole number of square metres, more than 0", name)
    return value


def refuse_overpayment(amount: int, outstanding: int, *, account: str, owed: str = "fen") -> None:
    """A payment is a positive amount of fen no larger than what the account has outstanding (409 if larger)."""
    money(amount, "amount")
    if amount > outstanding:
        raise Conflict(f"{account} has {outstanding} {owed} outstanding; "
                       f"a payment of {amount} fen would overpay it")


def rent_due_on(month: str) -> date:
    return month_bounds(month)[0].replace(day=RENT_DUE_DAY)


# -- assets and leases -----------------------------------------------------------------------------


@dataclass
class Lease:
    """A lease of one asset: its terms and its rent account."""

    lease_id: str
    tenant_enterprise_id: str
    monthly_rent: int
    starts_on: date
    ends_on: date
    deposit: int
    terminated_on: date | None = None
    termination_reason: str | None = None
    charges: dict[str, tuple[date, int]] = field(default_factory=dict)  # month -> (due date, amount)
    payments: list[tuple[date, int]] = field(default_factory=list)
    write_offs: list[tuple[date, int, str]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.terminated_on is None

    @property
    def effective_end(self) -> date:
        return self.terminated_on or self.ends_on

    def overlaps(self, starts_on: date, ends_on: date) -> bool:
        return starts_on <= self.effective_end and self.starts_on <= ends_on

    def covers(self, month: str) -> bool:
        return self.overlaps(*month_bounds(month))

    def statement(self, as_of: date | None = None) -> dict[str, Any]:
        """Billed, paid, written off and outstanding (up to `as_of` if given), with arrears aging."""
        written_off = [(on, amount) for on, amount, _ in self.write_offs]
        return {"lease_id": self.lease_id,
                **account_statement(self.charges, {"paid": self.payments, "written_off": written_off}, as_of)}

    @property
    def outstanding(self) -> int:
        return self.statement()["outstanding"]


class Asset(CommunityAggregate):
    """A collective asset (factory building, shop, market, land, equipment) and its leases."""

    @event("Registered")
    def __init__(self, community_id: str, asset_type: str, name: str, area_m2: int, book_value: int,
                 registered_on: date) -> None:
        self.community_id = community_id
        self.asset_type = asset_type
        self.name = name
        self.area_m2 = area_m2
        self.book_value = book_value
        self.registered_on = registered_on
        self.leases: dict[str, Lease] = {}
        self.transferred_on: date | None = None
        self.compensation = 0

    @classmethod
    def register(cls, community_id: str, *, asset_type: str, name: str, area_m2: int, book_value: int,
                 registered_on: date) -> Asset:
        square_metres(area_m2)
        money(book_value, "book_value", allow_zero=True)
        return cls(community_id, AssetType(asset_type).value, name, area_m2, book_value, registered_on)

    @property
    def status(self) -> str:
        if self.transferred_on:
            return "transferred_to_land_reserve"
        return "leased" if any(lease.active for lease in self.leases.values()) else "vacant"

    def lease_of(self, lease_id: str) -> Lease:
        lease = self.leases.get(str(lease_id))
        if lease is None:
            raise NotFound(f"lease {lease_id} not found on asset {self.id}")
        return lease

    def _ensure_held(self) -> None:
        if self.transferred_on:
            raise Conflict(f"asset {self.id} was transferred to the state land reserve on {self.transferred_on}")

    def lease(self, *, tenant_enterprise_id: str, monthly_rent: int, starts_on: date, ends_on: date,
              deposit: int) -> str:
        self._ensure_held()
        money(monthly_rent, "monthly_rent")
        money(deposit, "deposit", allow_zero=True)
        self.ensure_free(starts_on, ends_on)
        lease_id = str(uuid.uuid4())
        self._leased(lease_id, str(tenant_enterprise_id), monthly_rent, starts_on, ends_on, deposit)
        return lease_id

    def ensure_free(self, starts_on: date, ends_on: date) -> None:
        """Refuses a period that an existing lease of this asset overlaps (leases of one asset never overlap)."""
        self._ensure_held()
        if ends_on < starts_on:
            raise Invalid("ends_on must not be before starts_on", "ends_on")
        for other in self.leases.values():
            if other.overlaps(starts_on, ends_on):
                raise Conflict(f"asset {self.id} is already leased from {other.starts_on} to {other.effective_end} "
                               f"(lease {other.lease_id}); leases of one asset must not overlap")

    @event("Leased")
    def _leased(self, lease_id: str, tenant_enterprise_id: str, monthly_rent: int, starts_on: date, ends_on: date,
                deposit: int) -> None:
        self.leases[lease_id] = Lease(lease_id, tenant_enterprise_id, monthly_rent, starts_on, ends_on, deposit)

    def bill_rent(self, lease_id: str, month: str) -> bool:
        """Bill a month's rent; billing a month already billed changes nothing (returns False)."""
        lease = self.lease_of(lease_id)
        if month in lease.charges:
            return False
        if not lease.covers(month):
            raise Conflict(f"lease {lease_id} runs from {lease.starts_on} to {lease.effective_end}; "
                           f"it does not cover {month}")
        self._rent_billed(lease.lease_id, month, lease.monthly_rent, rent_due_on(month))
        return True

    def billable_leases(self, month: str) -> list[str]:
        """Leases covering `month` that have not been billed for it."""
        return [lid for lid, lease in self.leases.items() if lease.covers(month) and month not in lease.charges]

    @event("RentBilled")
    def _rent_billed(self, lease_id: str, month: str, amount: int, due_on: date) -> None:
        self.leases[lease_id].charges[month] = (due_on, amount)

    def pay_rent(self, lease_id: str, *, amount: int, paid_on: date) -> None:
        lease = self.lease_of(lease_id)
        refuse_overpayment(amount, lease.outstanding, account=f"lease {lease_id}")
        self._rent_paid(lease.lease_id, amount, paid_on)

    @event("RentPaid")
    def _rent_paid(self, lease_id: str, amount: int, paid_on: date) -> None:
        self.leases[lease_id].payments.append((paid_on, amount))

    def write_off_rent(self, lease_id: str, *, amount: int, written_off_on: date, reason: str) -> None:
        lease = self.lease_of(lease_id)
        money(amount, "amount")
        if not reason.strip():
            raise Invalid("a write-off needs the approval reason", "reason")
        if amount > lease.outstanding:
            raise Conflict(f"lease {lease_id} has {lease.outstanding} fen outstanding; "
                           f"cannot write off {amount} fen")
        self._rent_written_off(lease.lease_id, amount, written_off_on, reason)

    @event("RentWrittenOff")
    def _rent_written_off(self, lease_id: str, amount: int, written_off_on: date, reason: str) -> None:
        self.leases[lease_id].write_offs.append((written_off_on, amount, reason))

    def terminate_lease(self, lease_id: str, *, reason: str, terminated_on: date) -> None:
        lease = self.lease_of(lease_id)
        if not lease.active:
            raise Conflict(f"lease {lease_id} was already terminated on {lease.terminated_on}")
        if not lease.starts_on <= terminated_on <= lease.ends_on:
            raise Invalid(f"terminated_on must fall within the lease ({lease.starts_on} to {lease.ends_on})",
                          "terminated_on")
        self._lease_terminated(lease.lease_id, TerminationReason(reason).value, terminated_on)

    @event("LeaseTerminated")
    def _lease_terminated(self, lease_id: str, reason: str, terminated_on: date) -> None:
        self.leases[lease_id].terminated_on = terminated_on
        self.leases[lease_id].termination_reason = reason

    def transfer_to_land_reserve(self, *, compensation: int, transferred_on: date) -> None:
        """土地收储. Refused while a lease is running: terminate it first, so the tenant's exit is recorded."""
        self._ensure_held()
        money(compensation, "compensation", allow_zero=True)
        running = [lease for lease in self.leases.values() if lease.active and lease.ends_on >= transferred_on]
        if running:
            raise Conflict(f"asset {self.id} has an active lease ({running[0].lease_id}, until "
                           f"{running[0].ends_on}); terminate it before transferring the asset to the land reserve")
        self._transferred_to_land_reserve(compensation, transferred_on)

    @event("TransferredToLandReserve")
    def _transferred_to_land_reserve(self, compensation: int, transferred_on: date) -> None:
        self.transferred_on = transferred_on
        self.compensation = compensation


class OnePerCommunity(CommunityAggregate):
    """A record each community has exactly one of: its id is derived from the community id."""

    label = ""  # in the id ("asset-register/jinpen") and in a "not found" message ("asset register")

    @classmethod
    def id_for(cls, community_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"{cls.label.replace(' ', '-')}/{community_id}")

    @classmethod
    def create_id(cls, community_id: str) -> uuid.UUID:
        return cls.id_for(community_id)


class AssetRegister(OnePerCommunity):
    """The community's list of assets, so one command can bill all of its leases."""

    label = "asset register"

    @event("Opened")
    def __init__(self, community_id: str) -> None:
        self.community_id = community_id
        self.asset_ids: list[str] = []

    @event("AssetListed")
    def list_asset(self, asset_id: str) -> None:
        self.asset_ids.append(asset_id)


# -- enterprises -----------------------------------------------------------------------------------


class Employer:
    """An enterprise or a community company: it reports its jobs. Each class keeps its own `_jobs_reported`
    event method: one defined here would store its events under this class's name, not Enterprise.JobsReported."""

    def report_jobs(self, *, total: int, local: int, reported_on: date) -> None:
        for name, value in (("total", total), ("local", local)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise Invalid(f"{name} must be a whole number of jobs, at least 0", name)
        if local > total:
            raise Invalid(f"local hires ({local}) cannot exceed total jobs ({total})", "local")
        self._jobs_reported(total, local, reported_on)  # type: ignore[attr-defined]  (each class's event)


class Enterprise(Employer, CommunityAggregate):
    """An enterprise in the community (a tenant, a tax payer, an employer)."""

    @event("Registered")
    def __init__(self, community_id: str, name: str, sector: str, attracted_by: str | None,
                 registered_on: date) -> None:
        self.community_id = community_id
        self.name = name
        self.sector = sector
        self.attracted_by = attracted_by  # for incentive schemes; published only as a pseudonymous reference
        self.registered_on = registered_on
        self.jobs_total = 0
        self.jobs_local = 0
        self.tax_rebates: list[tuple[int, date, int]] = []  # (year, received on, amount)

    @classmethod
    def register(cls, community_id: str, *, name: str, sector: str, attracted_by: str | None,
                 registered_on: date) -> Enterprise:
        return cls(community_id, name, Sector(sector).value, attracted_by, registered_on)

    @event("JobsReported")
    def _jobs_reported(self, total: int, local: int, reported_on: date) -> None:
        self.jobs_total, self.jobs_local = total, local

    def receive_tax_rebate(self, *, amount: int, year: int, received_on: date) -> None:
        money(amount, "amount")
        self._tax_rebate_received(amount, year, received_on)

    @event("TaxRebateReceived")
    def _tax_rebate_received(self, amount: int, year: int, received_on: date) -> None:
        self.tax_rebates.append((year, received_on, amount))


# -- the collective fund ---------------------------------------------------------------------------


class CollectiveFund(OnePerCommunity):
    """The community's collective money: income, expenses, debts, distributions to villager groups."""

    label = "collective fund"

    @event("Opened")
    def __init__(self, community_id: str) -> None:
        self.community_id = community_id
        self.entries: dict[str, dict[str, Any]] = {}  # entry id -> income or expense entry
        self.income_by_source: dict[str, int] = {}
        self.expenses_by_category: dict[str, int] = {}
        self.debts: dict[str, int] = {}  # creditor -> outstanding
        self.debt_repaid = 0
        self.distributions: dict[str, dict[str, int]] = {}  # villager group -> declared, paid
        # [day, movement, amount] of debts and distributions, so a month's disclosure can state them as of its
        # end (lists, not tuples: the state comes back from a snapshot's JSON as it went in)
        self.movements: list[list[Any]] = []

    @property
    def income(self) -> int:
        return sum(self.income_by_source.values())

    @property
    def expenses(self) -> int:
        return sum(self.expenses_by_category.values())

    @property
    def debt_outstanding(self) -> int:
        return sum(self.debts.values())

    @property
    def distributions_paid(self) -> int:
        return sum(d["paid"] for d in self.distributions.values())

    @property
    def balance(self) -> int:
        """Cash: income less expenses, debt repaid and distributions paid (debts here are past losses, not loans)."""
        return self.income - self.expenses - self.debt_repaid - self.distributions_paid

    def record_income(self, *, source: str, amount: int, received_on: date, reference: str = "") -> str:
        money(amount, "amount")
        entry_id = str(uuid.uuid4())
        self._income_recorded(entry_id, IncomeSource(source).value, amount, received_on, reference)
        return entry_id

    @event("IncomeRecorded")
    def _income_recorded(self, entry_id: str, source: str, amount: int, received_on: date, reference: str) -> None:
        self._book(self.income_by_source, entry_id, "income", source, amount, received_on, reference)

    def _book(self, totals: dict[str, int], entry_id: str, kind: str, label: str, amount: int, on: date,
              reference: str) -> None:
        """Applies a recorded income or expense entry: the entry, and its amount added to its label's total."""
        self.entries[entry_id] = {"kind": kind, "label": label, "amount": amount, "on": on, "reference": reference,
                                  "reversed": False}
        totals[label] = totals.get(label, 0) + amount

    def record_expense(self, *, category: str, amount: int, spent_on: date, description: str) -> str:
        money(amount, "amount")
        entry_id = str(uuid.uuid4())
        self._expense_recorded(entry_id, ExpenseCategory(category).value, amount, spent_on, description)
        return entry_id

    @event("ExpenseRecorded")
    def _expense_recorded(self, entry_id: str, category: str, amount: int, spent_on: date, description: str) -> None:
        self._book(self.expenses_by_category, entry_id, "expense", category, amount, spent_on, "")

    def reverse_entry(self, entry_id: str, *, reason: str, reversed_on: date) -> None:
        """A correction of a mistaken entry: a reversing event, booked against the entry's own date."""
        entry = self.entries.get(str(entry_id))
        if entry is None:
            raise NotFound(f"fund entry {entry_id} not found")
        if entry["reversed"]:
            raise Conflict(f"fund entry {entry_id} is already reversed")
        if entry["reference"]:
            raise Conflict(f"fund entry {entry_id} was recorded from {entry['reference']}; correct it there")
        self._entry_reversed(str(entry_id), entry["kind"], entry["label"], entry["amount"], entry["on"], reason,
                             reversed_on)

    @event("EntryReversed")
    def _entry_reversed(self, entry_id: str, kind: str, label: str, amount: int, booked_on: date, reason: str,
                        reversed_on: date) -> None:
        self.entries[entry_id]["reversed"] = True
        totals = self.income_by_source if kind == "income" else self.expenses_by_category
        totals[label] -= amount

    def incur_debt(self, *, creditor: str, amount: int, incurred_on: date) -> None:
        money(amount, "amount")
        self._debt_incurred(creditor, amount, incurred_on)

    @event("DebtIncurred")
    def _debt_incurred(self, creditor: str, amount: int, incurred_on: date) -> None:
        self.debts[creditor] = self.debts.get(creditor, 0) + amount
        self.movements.append([incurred_on, "debt_incurred", amount])

    def repay_debt(self, *, creditor: str, amount: int, repaid_on: date) -> None:
        money(amount, "amount")
        owed = self.debts.get(creditor, 0)
        if amount > owed:
            raise Conflict(f"the community owes {creditor!r} {owed} fen; cannot repay {amount} fen")
        self._debt_repaid(creditor, amount, repaid_on)

    @event("DebtRepaid")
    def _debt_repaid(self, creditor: str, amount: int, repaid_on: date) -> None:
        self.debts[creditor] -= amount
        self.debt_repaid += amount
        self.movements.append([repaid_on, "debt_repaid", amount])

    def declare_distribution(self, *, villager_group: str, amount: int, declared_on: date) -> None:
        money(amount, "amount")
        self._distribution_declared(villager_group, amount, declared_on)

    @event("DistributionDeclared")
    def _distribution_declared(self, villager_group: str, amount: int, declared_on: date) -> None:
        owed = self.distributions.setdefault(villager_group, {"declared": 0, "paid": 0})
        owed["declared"] += amount
        self.movements.append([declared_on, "distribution_declared", amount])

    def pay_distribution(self, *, villager_group: str, amount: int, paid_on: date) -> None:
        money(amount, "amount")
        owed = self.distributions.get(villager_group, {"declared": 0, "paid": 0})
        unpaid = owed["declared"] - owed["paid"]
        if amount > unpaid:
            raise Conflict(f"villager group {villager_group!r} is owed {unpaid} fen of declared distributions; "
                           f"cannot pay {amount} fen")
        self._distribution_paid(villager_group, amount, paid_on)

    @event("DistributionPaid")
    def _distribution_paid(self, villager_group: str, amount: int, paid_on: date) -> None:
        self.distributions[villager_group]["paid"] += amount
        self.movements.append([paid_on, "distribution_paid", amount])


# -- community-owned companies and income surveys --------------------------------------------------


class CommunityCompany(Employer, CommunityAggregate):
    """A company the community owns (cleaning company, farm-machinery cooperative, market)."""

    @event("Founded")
    def __init__(self, community_id: str, name: str, kind: str, founded_on: date) -> None:
        self.community_id = community_id
        self.name = name
        self.kind = kind
        self.founded_on = founded_on
        self.revenue_by_year: dict[int, int] = {}
        self.jobs_total = 0
        self.jobs_local = 0

    @classmethod
    def found(cls, community_id: str, *, name: str, kind: str, founded_on: date) -> CommunityCompany:
        return cls(community_id, name, CompanyKind(kind).value, founded_on)

    def report_revenue(self, *, year: int, amount: int) -> None:
        """A later report for the same year supersedes the earlier one (a correction is a new event)."""
        money(amount, "amount", allow_zero=True)
        self._revenue_reported(year, amount)

    @event("RevenueReported")
    def _revenue_reported(self, year: int, amount: int) -> None:
        self.revenue_by_year[year] = amount

    @event("JobsReported")
    def _jobs_reported(self, total: int, local: int, reported_on: date) -> None:
        self.jobs_total, self.jobs_local = total, local


class IncomeSurvey(CommunityAggregate):
    """Per-capita net income of a community for one year: reported once, then corrected by new events."""

    @staticmethod
    def id_for(community_id: str, year: int) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"income-survey/{community_id}/{year}")

    @classmethod
    def create_id(cls, community_id: str, year: int, per_capita_net_income: int) -> uuid.UUID:
        return cls.id_for(community_id, year)

    @event("Reported")
    def __init__(self, community_id: str, year: int, per_capita_net_income: int) -> None:
        self.community_id = community_id
        self.year = year
        self.per_capita_net_income = per_capita_net_income
        self.corrections = 0

    @classmethod
    def report(cls, community_id: str, *, year: int, per_capita_net_income: int) -> IncomeSurvey:
        money(per_capita_net_income, "per_capita_net_income")
        return cls(community_id, year, per_capita_net_income)

    def correct(self, *, per_capita_net_income: int, reason: str) -> None:
        money(per_capita_net_income, "per_capita_net_income")
        self._corrected(self.year, self.per_capita_net_income, per_capita_net_income, reason)

    @event("Corrected")
    def _corrected(self, year: int, previous: int, per_capita_net_income: int, reason: str) -> None:
        self.per_capita_net_income = per_capita_net_income
        self.corrections += 1


# -- public disclosure of collective affairs (三务公开) ----------------------------------------------


def disclosure_figures(fund: CollectiveFund, assets: list[Asset], month: str) -> dict[str, Any]:
    """What the collective discloses for a month, read from its ledger: the month's income and expenses
    (reversed entries left out), its debt and distribution movements and what stands at the month's end,
    and its leases (running at the month's end, rent billed and received in the month, rent outstanding)."""
    first, last = month_bounds(month)
    in_month = [e for e in fund.entries.values() if first <= e["on"] <= last and not e["reversed"]]
    totals: dict[str, dict[str, int]] = {"income": {}, "expense": {}}
    for entry in in_month:
        by_label = totals[entry["kind"]]
        by_label[entry["label"]] = by_label.get(entry["label"], 0) + entry["amount"]
    moved = {kind: [0, 0] for kind in ("debt_incurred", "debt_repaid", "distribution_declared", "distribution_paid")}
    for on, kind, amount in fund.movements:  # [in the month, up to its end]
        if on <= last:
            moved[kind][1] += amount
            if on >= first:
                moved[kind][0] += amount
    leases = [lease for asset in assets for lease in asset.leases.values()]
    running = [lease for lease in leases if lease.starts_on <= last <= lease.effective_end]
    income, expenses = sum(totals["income"].values()), sum(totals["expense"].values())
    return {
        "income": income, "income_by_source": dict(sorted(totals["income"].items())),
        "expenses": expenses, "expenses_by_category": dict(sorted(totals["expense"].items())),
        "net_income": income - expenses,
        "debt_incurred": moved["debt_incurred"][0], "debt_repaid": moved["debt_repaid"][0],
        "debt_outstanding": moved["debt_incurred"][1] - moved["debt_repaid"][1],
        "distributions_declared": moved["distribution_declared"][0],
        "distributions_paid": moved["distribution_paid"][0],
        "distributions_owed": moved["distribution_declared"][1] - moved["distribution_paid"][1],
        "leases_running": len(running), "monthly_rent_running": sum(lease.monthly_rent for lease in running),
        "rent_billed": sum(amount for lease in leases for m, (_, amount) in lease.charges.items() if m == month),
        "rent_received": sum(amount for lease in leases for on, amount in lease.payments if first <= on <= last),
        "rent_outstanding": sum(lease.statement(last)["outstanding"] for lease in leases),
    }


class DisclosureBook(OnePerCommunity):
    """The community's published monthly disclosures and their corrections. Figures are frozen in the event
    that publishes them; a correction is a new published event referring to the disclosure, never an edit."""

    label = "disclosure book"

    @event("Opened")
    def __init__(self, community_id: str) -> None:
        self.community_id = community_id
        self.disclosures: dict[str, dict[str, Any]] = {}  # month -> disclosure

    @staticmethod
    def disclosure_id(community_id: str, month: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"disclosure/{community_id}/{month}"))

    def disclosure(self, month: str) -> dict[str, Any]:
        found = self.disclosures.get(month)
        if found is None:
            raise NotFound(f"{self.community_id} has published no disclosure for {month}")
        return found

    def publish(self, month: str, *, figures: dict[str, Any], published_on: date) -> str:
        if month in self.disclosures:
            raise Conflict(f"the disclosure of {month} was published on {self.disclosures[month]['published_on']}; "
                           f"publish a correction instead")
        if published_on <= month_bounds(month)[1]:
            raise Invalid(f"the disclosure of {month} can be published once the month has ended "
                          f"(after {month_bounds(month)[1]})", "published_on")
        disclosure_id = self.disclosure_id(self.community_id, month)
        self._published(disclosure_id, month, figures, published_on)
        return disclosure_id

    @event("Published")
    def _published(self, disclosure_id: str, month: str, figures: dict[str, Any], published_on: date) -> None:
        self.disclosures[month] = {"disclosure_id": disclosure_id, "month": month, "figures": figures,
                                   "published_on": published_on, "corrections": []}

    def correct(self, month: str, *, figures: dict[str, Any], reason: str, corrected_on: date) -> int:
        """Publishes the month's figures again, with the reason; refused when nothing changed."""
        disclosure = self.disclosure(month)
        if not reason.strip():
            raise Invalid("a correction needs its reason", "reason")
        current = disclosure["corrections"][-1]["figures"] if disclosure["corrections"] else disclosure["figures"]
        if figures == current:
            raise Conflict(f"the ledger still gives the published figures of {month}; there is nothing to correct")
        if corrected_on < disclosure["published_on"]:
            raise Invalid(f"corrected_on must not be before the disclosure ({disclosure['published_on']})",
                          "corrected_on")
        number = len(disclosure["corrections"]) + 1
        self._corrected(disclosure["disclosure_id"], number, month, figures, reason, corrected_on)
        return number

    @event("Corrected")
    def _corrected(self, disclosure_id: str, correction_number: int, month: str, figures: dict[str, Any],
                   reason: str, corrected_on: date) -> None:
        self.disclosures[month]["corrections"].append({"correction_number": correction_number, "figures": figures,
                                                       "reason": reason, "corrected_on": corrected_on})


# -- lease tendering (招标发包) ----------------------------------------------------------------------


class Tender(CommunityAggregate):
    """A tender for leasing an asset: sealed bids until it closes, then a winner and the lease made from it.

    The winner is the highest bid (the earliest of equal bids) unless another is chosen with a reason."""

    @event("Opened")
    def __init__(self, community_id: str, asset_id: str, lease_starts_on: date, lease_ends_on: date,
                 minimum_rent: int, deposit: int, closes_on: date, opened_on: date) -> None:
        self.community_id = community_id
        self.asset_id = asset_id
        self.lease_starts_on = lease_starts_on
        self.lease_ends_on = lease_ends_on
        self.minimum_rent = minimum_rent
        self.deposit = deposit
        self.closes_on = closes_on
        self.opened_on = opened_on
        self.bids: dict[str, dict[str, Any]] = {}  # bid id -> bidder, monthly rent, placed on
        self.closed_on: date | None = None
        self.award: dict[str, Any] | None = None

    @classmethod
    def open(cls, asset: Asset, *, lease_starts_on: date, lease_ends_on: date, minimum_rent: int, deposit: int,
             closes_on: date, opened_on: date) -> Tender:
        money(minimum_rent, "minimum_rent")
        money(deposit, "deposit", allow_zero=True)
        if closes_on < opened_on:
            raise Invalid("closes_on must not be before opened_on", "closes_on")
        if lease_starts_on <= closes_on:
            raise Invalid("the lease must start after the tender closes", "lease_starts_on")
        asset.ensure_free(lease_starts_on, lease_ends_on)
        return cls(asset.community_id, str(asset.id), lease_starts_on, lease_ends_on, minimum_rent, deposit,
                   closes_on, opened_on)

    @property
    def status(self) -> str:
        return "awarded" if self.award else "closed" if self.closed_on else "open"

    def place_bid(self, *, bidder_enterprise_id: str, monthly_rent: int, placed_on: date) -> str:
        money(monthly_rent, "monthly_rent")
        if self.closed_on is not None or placed_on > self.closes_on:
            raise Conflict(f"tender {self.id} closed{' on ' + str(self.closed_on) if self.closed_on else ''} "
                           f"(bids until {self.closes_on}); no bids after close")
        if placed_on < self.opened_on:
            raise Invalid(f"placed_on must not be before the tender opened ({self.opened_on})", "placed_on")
        if monthly_rent < self.minimum_rent:
            raise Invalid(f"the bid is below the tender's minimum rent of {self.minimum_rent} fen", "monthly_rent")
        if any(b["bidder_enterprise_id"] == bidder_enterprise_id for b in self.bids.values()):
            raise Conflict(f"enterprise {bidder_enterprise_id} has already bid in tender {self.id}; one sealed bid each")
        bid_id = str(uuid.uuid4())
        self._bid_placed(bid_id, bidder_enterprise_id, monthly_rent, placed_on)
        return bid_id

    @event("BidPlaced")
    def _bid_placed(self, bid_id: str, bidder_enterprise_id: str, monthly_rent: int, placed_on: date) -> None:
        self.bids[bid_id] = {"bidder_enterprise_id": bidder_enterprise_id, "monthly_rent": monthly_rent,
                             "placed_on": placed_on}

    def close(self, *, closed_on: date) -> None:
        if self.closed_on is not None:
            raise Conflict(f"tender {self.id} was already closed on {self.closed_on}")
        if closed_on < self.closes_on:
            raise Conflict(f"tender {self.id} takes bids until {self.closes_on}; it cannot close before then")
        highest = self.highest_bid()
        self._closed(closed_on, len(self.bids), self.bids[highest]["monthly_rent"] if highest else 0)

    @event("Closed")
    def _closed(self, closed_on: date, bids: int, highest_rent: int) -> None:
        self.closed_on = closed_on

    def highest_bid(self) -> str | None:
        ranked = sorted(self.bids.items(), key=lambda b: (-b[1]["monthly_rent"], b[1]["placed_on"], b[0]))
        return ranked[0][0] if ranked else None

    def winner(self, bid_id: str | None = None, reason: str | None = None) -> str:
        """The winning bid (checked, nothing changed): the highest unless `bid_id` is chosen with a reason."""
        if self.closed_on is None:
            raise Conflict(f"tender {self.id} is still open (until {self.closes_on}); close it first")
        if self.award:
            raise Conflict(f"tender {self.id} was already awarded to bid {self.award['bid_id']}")
        highest = self.highest_bid()
        if highest is None:
            raise Conflict(f"tender {self.id} closed without bids; there is nothing to award")
        chosen = str(bid_id) if bid_id else highest
        if chosen not in self.bids:
            raise NotFound(f"bid {bid_id} not found in tender {self.id}")
        if self.bids[chosen]["monthly_rent"] < self.bids[highest]["monthly_rent"] and not (reason or "").strip():
            raise Invalid("the chosen bid is not the highest; record the reason it wins", "reason")
        return chosen

    def record_award(self, bid_id: str, *, lease_id: str, reason: str | None, awarded_on: date) -> None:
        bid = self.bids[bid_id]
        self._awarded(bid_id, bid["bidder_enterprise_id"], bid["monthly_rent"], bid_id == self.highest_bid(),
                      reason or "", lease_id, awarded_on)

    @event("Awarded")
    def _awarded(self, bid_id: str, bidder_enterprise_id: str, monthly_rent: int, highest: bool, reason: str,
                 lease_id: str, awarded_on: date) -> None:
        self.award = {"bid_id": bid_id, "bidder_enterprise_id": bidder_enterprise_id, "monthly_rent": monthly_rent,
                      "highest": highest, "reason": reason, "lease_id": lease_id, "awarded_on": awarded_on}


# -- property fees (物业费) --------------------------------------------------------------------------

PROPERTY_FEE_DUE_DAY = 15
"""A month's property fee falls due on this day of that month."""


class FeeBasis(StrEnum):
    PER_M2 = "per_m2"  # fen per square metre per month
    FIXED = "fixed"  # fen per month


class PropertyFeeAccount(CommunityAggregate):
    """One household's property fees: the schedules it is billed on, its monthly bills and its payments.

    The household is named by its dwelling (building-unit-room), never by a person; its id derives from it."""

    @staticmethod
    def id_for(community_id: str, dwelling: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"property-fees/{community_id}/{dwelling}")

    @classmethod
    def create_id(cls, community_id: str, dwelling: str, area_m2: int, opened_on: date) -> uuid.UUID:
        return cls.id_for(community_id, dwelling)

    @event("Opened")
    def __init__(self, community_id: str, dwelling: str, area_m2: int, opened_on: date) -> None:
        self.community_id = community_id
        self.dwelling = dwelling
        self.area_m2 = area_m2
        self.opened_on = opened_on
        self.schedules: list[tuple[str, str, int]] = []  # (from month, basis, rate), in month order
        self.bills: dict[str, tuple[date, int]] = {}  # month -> (due date, amount)
        self.payments: list[tuple[date, int]] = []

    @classmethod
    def open(cls, community_id: str, *, dwelling: str, area_m2: int, opened_on: date) -> PropertyFeeAccount:
        if not dwelling.strip():
            raise Invalid("dwelling must name the building, unit and room", "dwelling")
        square_metres(area_m2)
        return cls(community_id, dwelling.strip(), area_m2, opened_on)

    def set_schedule(self, *, basis: str, rate: int, effective_from: str) -> None:
        """From `effective_from` on, the household is billed `rate` (per m² or fixed) a month."""
        money(rate, "rate")
        month_bounds(effective_from)
        if any(month >= effective_from for month in self.bills):
            raise Conflict(f"{max(self.bills)} is already billed; a schedule cannot change billed months")
        if self.schedules and effective_from <= self.schedules[-1][0]:
            raise Conflict(f"a schedule already applies from {self.schedules[-1][0]}; a new one must start later")
        self._schedule_set(FeeBasis(basis).value, rate, effective_from)

    @event("ScheduleSet")
    def _schedule_set(self, basis: str, rate: int, effective_from: str) -> None:
        self.schedules.append((effective_from, basis, rate))

    def fee_for(self, month: str) -> int:
        applying = [s for s in self.schedules if s[0] <= month]
        if not applying:
            raise Conflict(f"household {self.dwelling} has no fee schedule for {month}")
        _, basis, rate = applying[-1]
        return rate * self.area_m2 if basis == FeeBasis.PER_M2 else rate

    def bill(self, month: str) -> bool:
        """Bill a month's fee; a month already billed changes nothing (returns False)."""
        first, _ = month_bounds(month)
        if month in self.bills:
            return False
        if first < self.opened_on.replace(day=1):
            raise Conflict(f"household {self.dwelling}'s account opened on {self.opened_on}; it is not billed for {month}")
        self._billed(month, self.fee_for(month), first.replace(day=PROPERTY_FEE_DUE_DAY))
        return True

    @event("Billed")
    def _billed(self, month: str, amount: int, due_on: date) -> None:
        self.bills[month] = (due_on, amount)

    def statement(self, as_of: date | None = None) -> dict[str, Any]:
        """Billed, paid and outstanding (up to `as_of` if given), with arrears aged by days overdue."""
        return account_statement(self.bills, {"paid": self.payments}, as_of)

    def pay(self, *, amount: int, paid_on: date) -> None:
        refuse_overpayment(amount, self.statement()["outstanding"], account=f"household {self.dwelling}",
                           owed="fen of property fees")
        self._paid(amount, paid_on)

    @event("Paid")
    def _paid(self, amount: int, paid_on: date) -> None:
        self.payments.append((paid_on, amount))


class PropertyFeeRegister(OnePerCommunity):
    """The community's property-fee accounts, so one command can bill every household for a month."""

    label = "property fee register"

    @event("Opened")
    def __init__(self, community_id: str) -> None:
        self.community_id = community_id
        self.account_ids: list[str] = []

    @event("AccountListed")
    def list_account(self, account_id: str) -> None:
        self.account_ids.append(account_id)
