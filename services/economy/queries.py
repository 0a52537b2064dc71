"""Economy's query tables (assets, leases and their rent charges, enterprises, companies, debts) and the lists
staff read from them.

Kept by a projection of economy's own stored events, in economy's own database (shared/platform/querytables.py).
Running totals (billed, paid, outstanding) are added up as events arrive; what depends on today (a lease's
status, which rent is 30/60/90+ days overdue, the current lease) is judged when the list is read.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from services.economy.arrears import month_bounds, overdue_days
from services.economy.domain import Asset, CollectiveFund, CommunityCompany, Enterprise
from shared.kernel import clock
from shared.kernel.actor import Actor
from shared.platform.querytables import Add, CopyFrom, ListQuery, QueryProjection, QueryView, Sort, Table, Upsert

ASSETS = Table("economy_assets", {
    "community_id": "text", "asset_type": "text", "name": "text", "area_m2": "integer", "registered_on": "text",
    "transferred_on": "text", "outstanding": "integer",
}, indexes=(("community_id", "name", "id"),))

LEASES = Table("economy_leases", {
    "community_id": "text", "asset_id": "text", "tenant_enterprise_id": "text", "monthly_rent": "integer",
    "starts_on": "text", "ends_on": "text", "terminated_on": "text",
    "billed": "integer", "credited": "integer", "outstanding": "integer",
}, indexes=(("community_id", "ends_on", "id"), ("asset_id", "starts_on")))
"""`credited` is paid plus written off: it settles the oldest charges first (services/economy/arrears.py)."""

RENT_CHARGES = Table("economy_rent_charges", {
    "lease_id": "text", "month": "text", "month_start": "text", "due_on": "text", "amount": "integer",
}, indexes=(("lease_id", "month"),))

ENTERPRISES = Table("economy_enterprises", {
    "community_id": "text", "name": "text", "sector": "text", "registered_on": "text",
    "jobs_total": "integer", "jobs_local": "integer", "tax_rebates": "integer",
}, indexes=(("community_id", "name", "id"),))

COMPANIES = Table("economy_companies", {
    "community_id": "text", "name": "text", "kind": "text", "founded_on": "text",
    "jobs_total": "integer", "jobs_local": "integer",
}, indexes=(("community_id", "name", "id"),))

FUNDS = Table("economy_funds", {"community_id": "text"})
"""Which community a fund id belongs to (its later events do not say)."""

DEBTS = Table("economy_debts", {
    "community_id": "text", "creditor": "text", "incurred": "integer", "repaid": "integer",
    "outstanding": "integer", "last_changed_on": "text",
}, indexes=(("community_id", "creditor", "id"),))


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class EconomyQueryTables(QueryProjection):
    name = "economy"
    tables = (ASSETS, LEASES, RENT_CHARGES, ENTERPRISES, COMPANIES, FUNDS, DEBTS)

    def changes(self, event: Any) -> list[Upsert]:
        row = str(event.originator_id)
        if isinstance(event, Asset.Event):
            return self._asset_changes(row, event)
        if isinstance(event, Enterprise.Registered):  # type: ignore[attr-defined]
            return [Upsert(ENTERPRISES.name, row, {
                "community_id": event.community_id, "name": event.name, "sector": event.sector,
                "registered_on": _day(event.registered_on), "jobs_total": 0, "jobs_local": 0, "tax_rebates": 0})]
        if isinstance(event, Enterprise.JobsReported):  # type: ignore[attr-defined]
            return [Upsert(ENTERPRISES.name, row, {"jobs_total": event.total, "jobs_local": event.local})]
        if isinstance(event, Enterprise.TaxRebateReceived):  # type: ignore[attr-defined]
            return [Upsert(ENTERPRISES.name, row, {"tax_rebates": Add(event.amount)})]
        if isinstance(event, CommunityCompany.Founded):  # type: ignore[attr-defined]
            return [Upsert(COMPANIES.name, row, {
                "community_id": event.community_id, "name": event.name, "kind": event.kind,
                "founded_on": _day(event.founded_on), "jobs_total": 0, "jobs_local": 0})]
        if isinstance(event, CommunityCompany.JobsReported):  # type: ignore[attr-defined]
            return [Upsert(COMPANIES.name, row, {"jobs_total": event.total, "jobs_local": event.local})]
        if isinstance(event, CollectiveFund.Opened):  # type: ignore[attr-defined]
            return [Upsert(FUNDS.name, row, {"community_id": event.community_id})]
        if isinstance(event, CollectiveFund.DebtIncurred):  # type: ignore[attr-defined]
            return [self._debt(row, event.creditor, event.amount, 0, event.incurred_on)]
        if isinstance(event, CollectiveFund.DebtRepaid):  # type: ignore[attr-defined]
            return [self._debt(row, event.creditor, 0, event.amount, event.repaid_on)]
        return []

    @staticmethod
    def _debt(fund_id: str, creditor: str, incurred: int, repaid: int, on: date) -> Upsert:
        return Upsert(DEBTS.name, f"{fund_id}/{creditor}", {
            "community_id": CopyFrom(FUNDS.name, fund_id), "creditor": creditor, "incurred": Add(incurred),
            "repaid": Add(repaid), "outstanding": Add(incurred - repaid), "last_changed_on": _day(on)})

    @staticmethod
    def _asset_changes(asset_id: str, event: Any) -> list[Upsert]:
        if isinstance(event, Asset.Registered):  # type: ignore[attr-defined]
            return [Upsert(ASSETS.name, asset_id, {
                "community_id": event.community_id, "asset_type": event.asset_type, "name": event.name,
                "area_m2": event.area_m2, "registered_on": _day(event.registered_on), "transferred_on": None,
                "outstanding": 0})]
        if isinstance(event, Asset.TransferredToLandReserve):  # type: ignore[attr-defined]
            return [Upsert(ASSETS.name, asset_id, {"transferred_on": _day(event.transferred_on)})]
        if isinstance(event, Asset.Leased):  # type: ignore[attr-defined]
            return [Upsert(LEASES.name, event.lease_id, {
                "community_id": CopyFrom(ASSETS.name, asset_id), "asset_id": asset_id,
                "tenant_enterprise_id": event.tenant_enterprise_id, "monthly_rent": event.monthly_rent,
                "starts_on": _day(event.starts_on), "ends_on": _day(event.ends_on), "terminated_on": None,
                "billed": 0, "credited": 0, "outstanding": 0})]
        if isinstance(event, Asset.LeaseTerminated):  # type: ignore[attr-defined]
            return [Upsert(LEASES.name, event.lease_id, {"terminated_on": _day(event.terminated_on)})]
        if isinstance(event, Asset.RentBilled):  # type: ignore[attr-defined]
            charge = Upsert(RENT_CHARGES.name, f"{event.lease_id}/{event.month}", {
                "lease_id": event.lease_id, "month": event.month, "month_start": _day(month_bounds(event.month)[0]),
                "due_on": _day(event.due_on), "amount": event.amount})
            return [charge, *_rent_moved(asset_id, event.lease_id, billed=event.amount)]
        if isinstance(event, Asset.RentPaid | Asset.RentWrittenOff):  # type: ignore[attr-defined]
            return _rent_moved(asset_id, event.lease_id, credited=event.amount)
        return []


def _rent_moved(asset_id: str, lease_id: str, *, billed: int = 0, credited: int = 0) -> list[Upsert]:
    """A charge or a credit: the lease's account and the asset's outstanding total."""
    return [Upsert(LEASES.name, lease_id, {"billed": Add(billed), "credited": Add(credited),
                                           "outstanding": Add(billed - credited)}),
            Upsert(ASSETS.name, asset_id, {"outstanding": Add(billed - credited)})]


# -- reading ------------------------------------------------------------------------------------


class LeaseStatus(StrEnum):
    UPCOMING = "upcoming"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


LEASE_STATUS_SQL = ("CASE WHEN item.terminated_on IS NOT NULL THEN 'terminated' "
                    "WHEN item.starts_on > ? THEN 'upcoming' WHEN item.ends_on < ? THEN 'expired' ELSE 'active' END")
"""A lease's status judged today (the same `?` twice)."""

UNSETTLED_CHARGE = ("(SELECT SUM(p.amount) FROM {economy_rent_charges} p WHERE p.lease_id = c.lease_id "
                    "AND p.month <= c.month) > item.credited")
"""Charge `c` of lease `item` is not yet settled: credits settle the oldest months first."""

OLDEST_UNPAID_DUE_ON = (f"(SELECT MIN(c.due_on) FROM {{economy_rent_charges}} c WHERE c.lease_id = item.id "
                        f"AND {UNSETTLED_CHARGE})")

CURRENT_LEASE = ("(SELECT l.id FROM {economy_leases} l WHERE l.asset_id = item.id AND l.terminated_on IS NULL "
                 "ORDER BY l.starts_on DESC LIMIT 1)")
"""An asset's current lease: its latest lease not terminated (as the asset card's current leases)."""

ASSET_STATUS_SQL = (f"CASE WHEN item.transferred_on IS NOT NULL THEN 'transferred_to_land_reserve' "
                    f"WHEN {CURRENT_LEASE} IS NOT NULL THEN 'leased' ELSE 'vacant' END")


def _tenant_name(enterprise_id_sql: str) -> str:
    return f"(SELECT e.name FROM {{economy_enterprises}} e WHERE e.id = {enterprise_id_sql})"


def _lease_column(column: str) -> str:
    return f"(SELECT cl.{column} FROM {{economy_leases}} cl WHERE cl.id = {CURRENT_LEASE})"


def list_assets(view: QueryView, actor: Actor, *, community_id: str | None = None, kind: str | None = None,
                in_arrears: bool | None = None, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Assets by name, each with its current lease, tenant, monthly rent and outstanding rent (fen)."""
    query = (ListQuery(ASSETS.name).scoped_to(actor, community_id).equal("asset_type", kind)
             .flag(in_arrears, "outstanding > 0")
             .compute("status", ASSET_STATUS_SQL)
             .compute("current_lease_id", CURRENT_LEASE)
             .compute("tenant_enterprise_id", _lease_column("tenant_enterprise_id"))
             .compute("tenant_name", _tenant_name(_lease_column("tenant_enterprise_id")))
             .compute("monthly_rent", _lease_column("monthly_rent")))
    return query.page(view, "name", Sort("name"), limit, cursor)


class LeaseSort(StrEnum):
    ENDS_ON = "ends_on"
    MOST_OUTSTANDING = "-outstanding"


LEASE_SORTS = {LeaseSort.ENDS_ON: Sort("ends_on"), LeaseSort.MOST_OUTSTANDING: Sort("outstanding", descending=True)}


def list_leases(
    view: QueryView, actor: Actor, *, community_id: str | None = None, status: LeaseStatus | None = None,
    expiring_within_days: int | None = None, in_arrears: bool | None = None, aging_bucket: str | None = None,
    sort: LeaseSort = LeaseSort.ENDS_ON, limit: int = 50, cursor: str | None = None,
) -> dict[str, Any]:
    """Leases, soonest ending first; status, expiry and arrears aging are judged today."""
    today = clock.today()
    query = (ListQuery(LEASES.name).scoped_to(actor, community_id)
             .flag(in_arrears, "outstanding > 0")
             .compute("status", LEASE_STATUS_SQL, _day(today), _day(today))
             .compute("tenant_name", _tenant_name("item.tenant_enterprise_id"))
             .compute("oldest_unpaid_due_on", OLDEST_UNPAID_DUE_ON))
    if status is not None:
        query.where(f"{LEASE_STATUS_SQL} = ?", _day(today), _day(today), status.value)
    if expiring_within_days is not None:
        query.where("terminated_on IS NULL").between("ends_on", _day(today),
                                                     _day(today + timedelta(days=expiring_within_days + 1)))
    if aging_bucket is not None:
        query.where(*_aged_in(aging_bucket, today))
    return query.page(view, sort.value, LEASE_SORTS[sort], limit, cursor)


def _aged_in(bucket: str, today: date) -> tuple[str, ...]:
    """Some of the lease's rent is unsettled and overdue by the bucket's days (services/economy/arrears.py)."""
    at_least, less_than = overdue_days(bucket)
    conditions, params = ["c.lease_id = item.id", "c.month_start <= ?", UNSETTLED_CHARGE], [_day(today)]
    if at_least is not None:  # overdue by at least N days: due on or before today - N
        conditions.append("c.due_on <= ?")
        params.append(_day(today - timedelta(days=at_least)))
    if less_than is not None:
        conditions.append("c.due_on > ?")
        params.append(_day(today - timedelta(days=less_than)))
    # A scalar subquery, not EXISTS: PostgreSQL would turn EXISTS into a join over every lease's charges.
    unsettled = f"SELECT MIN(c.due_on) FROM {{economy_rent_charges}} c WHERE {' AND '.join(conditions)}"
    return f"({unsettled}) IS NOT NULL", *params


def list_debts(view: QueryView, actor: Actor, *, community_id: str | None = None, outstanding: bool | None = None,
               limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """The collective fund's debts by creditor: incurred, repaid and outstanding (fen)."""
    query = ListQuery(DEBTS.name).scoped_to(actor, community_id).flag(outstanding, "outstanding > 0")
    return query.page(view, "creditor", Sort("creditor"), limit, cursor)


def list_enterprises(view: QueryView, actor: Actor, *, community_id: str | None = None, sector: str | None = None,
                     limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    query = ListQuery(ENTERPRISES.name).scoped_to(actor, community_id).equal("sector", sector)
    return query.page(view, "name", Sort("name"), limit, cursor)


def list_companies(view: QueryView, actor: Actor, *, community_id: str | None = None, kind: str | None = None,
                   limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    query = ListQuery(COMPANIES.name).scoped_to(actor, community_id).equal("kind", kind)
    return query.page(view, "name", Sort("name"), limit, cursor)
