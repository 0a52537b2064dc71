"""District queries over the read models: read-only, aggregated, no personal data.

Each community's figures come from its documents (one per domain); district
totals are the sums of the communities' additive figures, with district-wide
rates recomputed from the summed parts.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.district.projections.community_allowance import CommunityAllowance, allowance_figures
from services.district.projections.community_economy import CommunityEconomy, arrears_as_of, economy_figures
from services.district.projections.community_employment import (
    CommunityEmployment, employment_figures, employment_rates,
)
from services.district.projections.community_grid import CommunityGrid, grid_figures
from services.district.projections.community_visits import COVERAGE_DENOMINATOR, CommunityVisits, visit_figures
from services.district.projections.community_public_affairs import (
    CommunityPublicAffairs, leases_expiring, public_affairs_figures,
)
from services.district.projections.community_volunteering import CommunityVolunteering, volunteering_figures
from services.district.projections.community_welfare import CommunityWelfare, welfare_figures
from services.district.projections.directory import CommunityDirectory
from shared.kernel.errors import Invalid, NotFound
from shared.platform.changelog import ChangeLog, Position
from shared.platform.projector import STATUS_COLLECTION
from shared.platform.rebuilds import RebuildMarker

log = logging.getLogger("shequ.district.queries")

DOMAIN_COLLECTIONS = {
    "grid": CommunityGrid.collection,
    "economy": CommunityEconomy.collection,
    "welfare": CommunityWelfare.collection,
    "volunteering": CommunityVolunteering.collection,
    "visits": CommunityVisits.collection,
    "employment": CommunityEmployment.collection,  # welfare's employment services
    "minimum_allowance": CommunityAllowance.collection,  # welfare's 低保 cycle
}

# Figures that are not counts or amounts: never summed into district totals (the district's
# rates, medians and leaderboards are recomputed from the summed parts or the communities' samples).
NON_ADDITIVE = {
    "community_id", "as_of", "directory", "cells", "by_lease", "team_leaderboard", "resolve_hours", "average",
    "rate", "success_rate", "registration_rate", "reoffending_rate", "median_hours_to_fulfil",
    "volunteers_per_1000_residents", "per_capita_income_by_year", "floating_population_estimate",
    "beneficiary_share_of_residents", "income_growth", "median", "p90", "coverage", "programmes", "placement_rate",
}

# Directory first, then one collection per domain: the documents of one community.
# Public affairs (disclosures, tenders, property fees) are economy figures kept in a document of their own.
COLLECTIONS = {"directory": CommunityDirectory.collection, **DOMAIN_COLLECTIONS,
               "public_affairs": CommunityPublicAffairs.collection}
_COLLECTION_INDEX = {collection: index for index, collection in enumerate(COLLECTIONS.values())}


@dataclass(frozen=True)
class AlertThresholds:
    overdue_cases: int = 5
    arrears_growth_fen: int = 1_000_000  # 10,000 yuan more in arrears than 30 days before
    cycles_pending_approval: int = 1
    dead_lettered: int = 1
    lease_expiry_days: int = 60  # warn of running leases ending within this many days (0: no warnings)


LEADERBOARD_SIZE = 20

# Threshold (AlertThresholds field) -> alert kind served.
ALERT_KINDS = {"overdue_cases": "overdue_cases", "arrears_growth_fen": "arrears_growth",
               "cycles_pending_approval": "cycles_pending_approval"}


def _dig(figures: dict[str, Any], *path: str) -> Any:
    value: Any = figures
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _ratio(part: float | None, whole: float | None, scale: float = 1.0) -> float | None:
    return round(part * scale / whole, 4) if part is not None and whole else None


def _latest(by_year: dict[str, Any] | None) -> Any:
    return by_year[max(by_year)] if by_year else None


def _shift_month(month: str, back: int) -> str:
    year, number = int(month[:4]), int(month[5:7]) - back
    while number < 1:
        year, number = year - 1, number + 12
    return f"{year:04d}-{number:02d}"


def _growth(by_month: dict[str, int] | None, today: date) -> float | None:
    """Quarter-on-quarter (环比): income of the last three full months against the three before.

    The current month is still being recorded, so it is left out.
    """
    if not by_month:
        return None
    last = _shift_month(today.strftime("%Y-%m"), 1)
    recent = [_shift_month(last, i) for i in range(3)]
    before = [_shift_month(last, i) for i in range(3, 6)]
    now, then = sum(by_month.get(m, 0) for m in recent), sum(by_month.get(m, 0) for m in before)
    return round((now - then) / then, 4) if then else None


# Indicator name -> how to read it from a community's figures. Used by the
# communities table, rankings and CSV export.
INDICATORS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "households": lambda f: _dig(f, "directory", "households"),
    "residents": lambda f: _dig(f, "directory", "residents"),
    "floating_population": lambda f: _dig(f, "directory", "floating_population"),
    "open_cases": lambda f: _dig(f, "grid", "cases", "open"),
    "overdue_cases": lambda f: _dig(f, "grid", "cases", "overdue"),
    "resolved_cases": lambda f: _dig(f, "grid", "cases", "resolved"),
    "median_resolve_hours": lambda f: _dig(f, "grid", "resolve_hours", "all", "median"),
    "p90_resolve_hours": lambda f: _dig(f, "grid", "resolve_hours", "all", "p90"),
    "satisfaction": lambda f: _dig(f, "grid", "satisfaction", "average"),
    "mediations": lambda f: _dig(f, "grid", "mediation", "opened"),
    "mediation_success_rate": lambda f: _dig(f, "grid", "mediation", "success_rate"),
    "inspections": lambda f: _dig(f, "grid", "inspections", "total"),
    "hazards": lambda f: _dig(f, "grid", "inspections", "hazards"),
    "rental_households": lambda f: _dig(f, "grid", "rentals", "households"),
    "registration_rate": lambda f: _dig(f, "grid", "rentals", "registration_rate"),
    "followups_active": lambda f: _dig(f, "grid", "followups", "active"),
    "reoffending_rate": lambda f: _dig(f, "grid", "followups", "reoffending_rate"),
    "collective_income_ytd_fen": lambda f: _dig(f, "economy", "income_ytd"),
    "collective_income_growth": lambda f: f.get("income_growth"),
    "net_income_ytd_fen": lambda f: _dig(f, "economy", "net_income_ytd"),
    "debt_outstanding_fen": lambda f: _dig(f, "economy", "debt_outstanding"),
    "arrears_fen": lambda f: _dig(f, "economy", "arrears", "outstanding"),
    "arrears_90_plus_fen": lambda f: _dig(f, "economy", "arrears", "aging", "90+"),
    "occupancy_rate": lambda f: _dig(f, "economy", "occupancy", "rate"),
    "jobs": lambda f: (_dig(f, "economy", "enterprises", "jobs_total") or 0)
    + (_dig(f, "economy", "community_companies", "jobs_total") or 0) if f.get("economy") else None,
    "distributions_owed_fen": lambda f: _dig(f, "economy", "distributions", "owed"),
    "distributions_paid_fen": lambda f: _dig(f, "economy", "distributions", "paid"),
    "per_capita_income_fen": lambda f: _latest(_dig(f, "economy", "per_capita_income_by_year")),
    "disclosures_published": lambda f: _dig(f, "economy", "disclosures", "published"),
    "tenders_open": lambda f: _dig(f, "economy", "tenders", "open"),
    "leases_expiring": lambda f: _dig(f, "economy", "leases_expiring"),
    "property_fee_collection_rate": lambda f: _dig(f, "economy", "property_fees", "rate"),
    "property_fee_arrears_fen": lambda f: _dig(f, "economy", "property_fees", "arrears"),
    "beneficiaries": lambda f: sum((_dig(f, "welfare", "beneficiaries") or {}).values()) if f.get("welfare") else None,
    "beneficiary_share_of_residents": lambda f: _dig(f, "welfare", "beneficiary_share_of_residents"),
    "allowance_households": lambda f: _dig(f, "welfare", "allowance_households"),
    "allowance_monthly_fen": lambda f: _dig(f, "welfare", "allowance_monthly_fen"),
    "cycles_pending_approval": lambda f: _dig(f, "welfare", "cycles_pending_approval"),
    "relief_value_fen": lambda f: sum(r["value_fen"] for r in (_dig(f, "welfare", "relief") or {}).values())
    if f.get("welfare") else None,
    "assisted_employment_placements": lambda f: _dig(f, "welfare", "assisted_employment", "placements"),
    "job_seekers": lambda f: _dig(f, "employment", "seekers"),
    "job_placements": lambda f: _dig(f, "employment", "placements"),
    "placement_rate": lambda f: _dig(f, "employment", "placement_rate"),
    "retention_6_months_rate": lambda f: _dig(f, "employment", "retention", "6", "rate"),
    "allowance_persons": lambda f: _dig(f, "minimum_allowance", "persons"),
    "allowance_applications_open": lambda f: _dig(f, "minimum_allowance", "applications_open"),
    "allowance_objections_open": lambda f: _dig(f, "minimum_allowance", "objections", "open"),
    "volunteers": lambda f: _dig(f, "volunteering", "registered_volunteers"),
    "active_volunteers": lambda f: _dig(f, "volunteering", "active_volunteers_90d"),
    "volunteers_per_1000_residents": lambda f: _dig(f, "volunteering", "volunteers_per_1000_residents"),
    "volunteer_hours": lambda f: _dig(f, "volunteering", "hours_total"),
    "activities_held": lambda f: _dig(f, "volunteering", "activities_held"),
    "help_requests_received": lambda f: _dig(f, "volunteering", "help_requests", "received"),
    "help_requests_fulfilled": lambda f: _dig(f, "volunteering", "help_requests", "fulfilled"),
    "median_hours_to_fulfil": lambda f: _dig(f, "volunteering", "help_requests", "median_hours_to_fulfil"),
    "points_awarded": lambda f: _dig(f, "volunteering", "points", "awarded"),
    "points_redeemed": lambda f: _dig(f, "volunteering", "points", "redeemed"),
}

# Monthly series: indicator -> (domain, how to read {month: value} from that domain's figures).
SERIES: dict[str, Callable[[dict[str, Any]], dict[str, float]]] = {
    "collective_income_fen": lambda f: _dig(f, "economy", "income_by_month") or {},
    "cases_reported": lambda f: {m: v["reported"] for m, v in (_dig(f, "grid", "cases_by_month") or {}).items()},
    "cases_resolved": lambda f: {m: v["resolved"] for m, v in (_dig(f, "grid", "cases_by_month") or {}).items()},
    "volunteer_hours": lambda f: _dig(f, "volunteering", "hours_by_month") or {},
    "welfare_disbursed_fen": lambda f: _merge_months((_dig(f, "welfare", "disbursed") or {}).values()),
    "minimum_allowance_paid_fen": lambda f: _dig(f, "minimum_allowance", "paid_by_month") or {},
}


def _merge_months(per_programme: Any) -> dict[str, float]:
    merged: dict[str, float] = {}
    for months in per_programme:
        for month, value in months.items():
            amount = value if isinstance(value, int | float) else value.get("amount_fen", 0)
            merged[month] = merged.get(month, 0) + amount
    return merged


def add_figures(total: dict[str, Any], figures: dict[str, Any]) -> None:
    """Sum additive figures (counts, amounts) of one community into the district total."""
    # Runs over every figure of every community for each district total: exact type checks first
    # (bools are neither ints nor floats here), and only float sums are rounded.
    for key, value in figures.items():
        if key in NON_ADDITIVE:
            continue
        kind = type(value)
        if kind is int or kind is float:
            summed = total.get(key, 0) + value
            total[key] = round(summed, 4) if type(summed) is float else summed
        elif kind is dict or (kind is not bool and isinstance(value, dict)):
            add_figures(total.setdefault(key, {}), value)
        elif kind is not bool and isinstance(value, int | float):
            summed = total.get(key, 0) + value
            total[key] = round(summed, 4) if isinstance(summed, float) else summed


def merged_percentile(samples: list[list[float]], fraction: float) -> float | None:
    """Nearest-rank percentile of the union of sorted samples, without merging them.

    Bisects on the value: how many values lie at or below it is a bisect per sample.
    Equals `percentile(sorted(union), fraction)`.
    """
    samples = [s for s in samples if s]
    total = sum(len(s) for s in samples)
    if not total:
        return None
    rank = int(max(1, -(-total * fraction // 1)))
    candidates = sorted({s[0] for s in samples} | {s[-1] for s in samples})
    low, high = candidates[0], candidates[-1]
    for _ in range(64):
        if low >= high:
            break
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if sum(bisect.bisect_right(s, middle) for s in samples) >= rank:
            high = middle
        else:
            low = middle
    if sum(bisect.bisect_right(s, low) for s in samples) >= rank:
        high = low
    # The answer is the smallest value present that is >= high's lower neighbour with enough values below.
    present = [s[bisect.bisect_left(s, low)] for s in samples if bisect.bisect_left(s, low) < len(s)]
    for value in sorted(present):
        if sum(bisect.bisect_right(s, value) for s in samples) >= rank:
            return value
    return high


def _zero_figures(now: datetime) -> dict[str, dict[str, Any]]:
    """Each domain's figures of a community without events: the shape of the district totals, all zeros."""
    return {
        "grid": grid_figures(CommunityGrid().new_document("", None), now),  # type: ignore[arg-type]
        "economy": {**economy_figures(CommunityEconomy().new_document("", None), now.date()),  # type: ignore[arg-type]
                    **public_affairs_figures(None, None, now.date(), 0)},
        "welfare": {**welfare_figures(CommunityWelfare().new_document("", None)),  # type: ignore[arg-type]
                    "beneficiary_share_of_residents": None},
        "volunteering": volunteering_figures(CommunityVolunteering().new_document("", None), now),  # type: ignore
        "visits": visit_figures(CommunityVisits().new_document("", None)),  # type: ignore[arg-type]
        "employment": employment_figures(CommunityEmployment().new_document("", None)),  # type: ignore[arg-type]
        "minimum_allowance": allowance_figures(CommunityAllowance().new_document("", None)),  # type: ignore
    }


@dataclass
class _Community:
    """One community's figures as of `at`, computed from its documents at `versions` (their `_rev`s)."""

    versions: tuple[Any, ...]
    at: datetime
    docs: dict[str, dict[str, Any]]
    figures: dict[str, Any]
    row: dict[str, Any] | None = None
    _samples: dict[str, Any] | None = None

    def samples(self) -> dict[str, Any]:
        """The community's sorted samples the district medians merge: resolve hours by category, fulfil minutes."""
        if self._samples is None:
            grid = {category: sorted(e[1] if isinstance(e, list) else e for e in kept)
                    for category, kept in self.docs.get("grid", {}).get("durations", {}).items()}
            fulfil = (sorted(e[1] if isinstance(e, list) else e for e in self.docs["volunteering"]["fulfil_minutes"])
                      if "volunteering" in self.docs else None)
            self._samples = {"resolve_hours": grid, "fulfil_minutes": fulfil}
        return self._samples


# District sums are added up in blocks of communities (by a hash of the id): after a change only the
# changed communities' blocks are summed again. The order of addition depends only on the ids, so a
# recomputed total equals one computed from scratch, to the last digit.
SUM_BLOCKS = 32


@functools.lru_cache(maxsize=65_536)
def _sum_block(community_id: str) -> int:
    return zlib.crc32(community_id.encode()) % SUM_BLOCKS


@dataclass
class _Snapshot:
    """Every community's figures at one set of document versions; what is derived from them, memoised.

    `sums`: block -> (its communities, their summed figures), carried from snapshot to snapshot."""

    versions: dict[str, tuple[Any, ...]]
    at: datetime
    communities: dict[str, _Community]
    derived: dict[str, Any] = field(default_factory=dict)
    sums: dict[int, tuple[tuple[_Community, ...], dict[str, Any]]] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]


@dataclass(frozen=True)
class _ReadState:
    """What a reader knows: its snapshot, how far it read the change log, which announced writes it has not
    seen stored yet ((collection, id) -> (revision, since when on the monotonic clock)), and when it last read
    every document's revision."""

    snapshot: _Snapshot | None = None
    position: Position | None = None
    pending: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    scanned_at: float = 0.0
    read_at: float = float("-inf")
    """When (monotonic) the change log was last read for this snapshot."""


# An announced write not stored after this long is given up on (its writer crashed, or it lost a race and
# announced again): the periodic full read (`rescan_seconds`) still covers it.
PENDING_SECONDS = 60.0


class DistrictQueries:
    """District queries. Figures are computed once per community per change of its documents.

    A request first reads the read models' change log (one small document, `shared.platform.changelog`)
    and then reads and recomputes only the communities whose documents changed, and the district totals,
    table and alerts only when any did. Without a usable log position (the first request, a reader fallen
    behind the log, read models dropped or rebuilt) it reads the revision (`_rev`) of every document instead,
    and so it does every `rescan_seconds`, as a safety net for writes that bypassed the log. Figures also
    depend on the time of asking (overdue cases, year to date, active volunteers), so no figure is reused for
    longer than `cache_seconds` (0: never); past that it is recomputed from the documents already read, if
    they did not change.

    Recomputing every community's figures for the time alone is the largest cost of a request (~60 ms at
    1,000 communities), so the district API runs `refreshing()` beside its requests (a thread owned by the
    app's lifespan): every `refresh_seconds` (half of `cache_seconds`) it recomputes them at the current time,
    with the district totals and table, and swaps them in, so requests find figures that are never stale and
    recompute only the communities a write changed. Each process (API worker) refreshes its own cache; without
    the thread (tests, scripts) a request recomputes stale figures itself, as before.
    """

    def __init__(self, db: Any, thresholds: AlertThresholds | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *, cache_seconds: float = 5.0,
                 rescan_seconds: float = 300.0, read_interval_seconds: float = 0.0) -> None:
        self.db = db
        self.thresholds = thresholds or AlertThresholds()
        self.clock = clock
        self.cache_seconds = cache_seconds
        self.rescan_seconds = rescan_seconds
        # Requests within this long of the last read of the change log take that snapshot as it is: under
        # load every request would otherwise read the log and recompute the district totals, so a dashboard
        # request costs far more than the freshness it buys (a write still shows within this, plus the
        # projector's lag). 0: every request reads the log. While `refreshing()` runs, it reads the log every
        # `read_interval_seconds` and requests serve what it read (stale-while-revalidate): a request reads the
        # store itself only once the refresher is `cache_seconds` behind, so a slow read store slows the
        # refresher, not every dashboard request.
        self.read_interval_seconds = read_interval_seconds
        self._refresher_running = False
        self._status: tuple[float, dict[str, Any]] | None = None  # (when read, the projector status)
        self.refresh_seconds = cache_seconds / 2
        self.changes = ChangeLog(db)
        self._state = _ReadState()
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()  # one refresh at a time (the thread, or a caller of `refresh`)
        self.refreshes = 0  # how many times `refresh` swapped in figures recomputed for the time

    # -- loading ----------------------------------------------------------------

    def _documents(self, community_ids: Iterable[str] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
        """community id -> domain -> read-model document (one query per collection)."""
        query = {} if community_ids is None else {"_id": {"$in": list(community_ids)}}
        docs: dict[str, dict[str, dict[str, Any]]] = {}
        for domain, collection in COLLECTIONS.items():
            for doc in self.db[collection].find(query, {"_seen": 0}):
                docs.setdefault(doc["_id"], {})[domain] = doc
        return docs

    def _versions(self) -> dict[str, tuple[Any, ...]]:
        """community id -> the revision of each of its documents (None: no such document)."""
        versions: dict[str, list[Any]] = {}
        for index, collection in enumerate(COLLECTIONS.values()):
            for doc in self.db[collection].find({}, {"_rev": 1, "as_of": 1}):
                versions.setdefault(doc["_id"], [None] * len(COLLECTIONS))[index] = (doc.get("_rev"), doc.get("as_of"))
        return {cid: tuple(v) for cid, v in versions.items()}

    def _logged_changes(self, previous: _Snapshot, announced: dict[tuple[str, str], int]
                        ) -> tuple[dict[str, tuple[Any, ...]], dict[str, dict[str, dict[str, Any]]],
                                   dict[tuple[str, str], int]]:
        """The versions after the announced changes, the changed communities' documents, and what is still
        pending (announced, not yet stored), reading only the announced documents."""
        domains = {collection: domain for domain, collection in COLLECTIONS.items()}
        index = {domain: i for i, domain in enumerate(COLLECTIONS)}
        wanted: dict[str, list[str]] = {}
        for collection, cid in announced:
            if collection in domains:
                wanted.setdefault(domains[collection], []).append(cid)
        versions = dict(previous.versions)
        docs: dict[str, dict[str, dict[str, Any]]] = {}
        pending: dict[tuple[str, str], int] = {}
        for domain, cids in wanted.items():
            found = {d["_id"]: d for d in self.db[COLLECTIONS[domain]].find({"_id": {"$in": cids}}, {"_seen": 0})}
            for cid in cids:
                doc = found.get(cid)
                rev = doc.get("_rev") if doc is not None else None
                if rev is None or rev < announced[(COLLECTIONS[domain], cid)]:
                    pending[(COLLECTIONS[domain], cid)] = announced[(COLLECTIONS[domain], cid)]
                if cid not in docs:
                    known = previous.communities.get(cid)
                    docs[cid] = dict(known.docs) if known is not None else {}
                slot = list(versions.get(cid, (None,) * len(COLLECTIONS)))
                if doc is None:
                    docs[cid].pop(domain, None)
                    slot[index[domain]] = None
                else:
                    docs[cid][domain] = doc
                    slot[index[domain]] = (rev, doc.get("as_of"))
                versions[cid] = tuple(slot)
        for cid, community_docs in docs.items():
            if not community_docs:
                versions.pop(cid, None)
        return versions, docs, pending

    def _reuse_seconds(self) -> float:
        if self.read_interval_seconds <= 0:
            return 0.0
        return self.cache_seconds if self._refresher_running else self.read_interval_seconds

    def _fresh(self, at: datetime, now: datetime) -> bool:
        return 0 <= (now - at).total_seconds() < self.cache_seconds if self.cache_seconds > 0 else False

    def _current(self, *, rescan_within: float = 0.0, reuse_recent: bool = True) -> _Snapshot:
        """The snapshot at the read models' current versions (`rescan_within`: read every document's revision
        if the periodic full read is due within that many seconds; the refresher reads it before a request),
        or, with `reuse_recent`, the one read less than `read_interval_seconds` ago if it is still fresh."""
        now = self.clock()
        with self._lock:
            state = self._state
        previous = state.snapshot
        started = time.monotonic()
        if (reuse_recent and previous is not None and started - state.read_at < self._reuse_seconds()
                and self._fresh(previous.at, now)):
            return previous
        rescan = previous is None or started - state.scanned_at >= self.rescan_seconds - rescan_within
        changes = self.changes.since(None if rescan else state.position)
        scanned_at = state.scanned_at
        pending = {key: value for key, value in state.pending.items() if started - value[1] < PENDING_SECONDS}
        if previous is None or changes.documents is None:
            # Read everything: the revision of every document. The log's position was read first, so what
            # changes during the scan is announced after it; what was announced before it and is not stored
            # yet stays pending.
            versions, loaded = self._versions(), None
            pending = {key: pending.get(key, (rev, started)) for key, rev in changes.recent.items()
                       if _stored_rev(versions, *key) < rev}
            scanned_at = started
        else:
            announced = {key: rev for key, (rev, _) in pending.items()}
            for key, rev in changes.documents.items():
                announced[key] = max(rev, announced.get(key, rev))
            if announced:
                versions, loaded, missing = self._logged_changes(previous, announced)
                pending = {key: pending.get(key, (rev, started)) for key, rev in missing.items()}
            else:
                versions, loaded, pending = previous.versions, {}, {}
        if previous is not None and previous.versions == versions and self._fresh(previous.at, now):
            snapshot = previous
        else:
            snapshot = self._snapshot_of(previous, versions, loaded, now)
        with self._lock:
            self._state = _ReadState(snapshot, changes.position, pending, scanned_at, started)
        return snapshot

    # -- refreshing in the background ---------------------------------------------------------------

    def refresh(self) -> bool:
        """Once the figures are `refresh_seconds` old, recompute the ones that depend on the time alone at the
        current time, from the documents already read, and swap them in; then read the changes (and every
        document's revision when that is due soon), and derive the district totals and table. True: the
        figures were recomputed for the time.

        Requests meanwhile read the previous snapshot, still fresh (this runs every `refresh_seconds`, half of
        `cache_seconds`). A request that applied a write meanwhile keeps its recomputed communities; the
        others take the refreshed ones."""
        if self.cache_seconds <= 0:
            return False
        with self._refresh_lock:
            refreshed = self._refresh_for_the_time()
            # Writes since (and the periodic revision scan, so no request pays it), derived before asked for.
            self._warm(self._current(rescan_within=3 * self.refresh_seconds, reuse_recent=False))
            self._status = (time.monotonic(), self._read_projector_status())
            return refreshed

    def _refresh_for_the_time(self) -> bool:
        with self._lock:
            base = self._state.snapshot
        now = self.clock()
        if base is None or 0 <= (now - base.at).total_seconds() < self.refresh_seconds:
            return False
        communities = {cid: _Community(c.versions, now, c.docs, self._figures(cid, c.docs, now))
                       for cid, c in base.communities.items()}
        snapshot = _Snapshot(base.versions, now, communities, sums=base.sums)
        with self._lock:
            current = self._state
            if current.snapshot is not base and current.snapshot is not None:
                # A request applied writes meanwhile: the communities it recomputed are newer than ours.
                moved = current.snapshot
                merged = {cid: communities[cid] if base.communities.get(cid) is c else c
                          for cid, c in moved.communities.items()}
                snapshot = _Snapshot(moved.versions, min((c.at for c in merged.values()), default=now), merged,
                                     sums=snapshot.sums)
            self._state = replace(current, snapshot=snapshot)
            self.refreshes += 1
        return True

    def _warm(self, snapshot: _Snapshot) -> None:
        """What requests derive from a snapshot, derived before they ask: the district totals and the table."""
        snapshot.memo("overview", lambda: self._overview(snapshot))
        snapshot.memo("rows", lambda: [self._row(c, c.at.date()) for c in snapshot.communities.values()])

    @contextmanager
    def refreshing(self, poll_seconds: float = 0.5) -> Iterator[threading.Thread]:
        """Call `refresh` every `poll_seconds` (every `read_interval_seconds` when that is set: then requests
        leave the reading to it) in a thread until the block ends (the district API's lifespan).

        Polling more often than `refresh_seconds` costs one read of the change log, and catches a snapshot a
        request swapped in over a refreshed one (it computed from the one before) soon after."""
        stop = threading.Event()
        if self.read_interval_seconds > 0:
            poll_seconds = self.read_interval_seconds

        def run() -> None:
            failing = False
            while not stop.is_set():
                try:
                    self.refresh()
                except Exception:  # the read store away, say: requests recompute themselves meanwhile
                    if not failing:  # once per outage, not every poll
                        log.warning("district figures not refreshed (retrying quietly)", exc_info=True)
                    failing = True
                else:
                    if failing:
                        log.info("district figures refreshed again")
                    failing = False
                stop.wait(min(poll_seconds, self.refresh_seconds) if self.refresh_seconds > 0 else poll_seconds)

        thread = threading.Thread(target=run, name="district-refresh", daemon=True)
        thread.start()
        self._refresher_running = True
        try:
            yield thread
        finally:
            self._refresher_running = False
            stop.set()
            thread.join(10)

    def _snapshot_of(self, previous: _Snapshot | None, versions: dict[str, tuple[Any, ...]],
                     loaded: dict[str, dict[str, dict[str, Any]]] | None, now: datetime) -> _Snapshot:
        """Every community's figures at `versions`: reused while fresh, else recomputed from the documents
        already read when they did not change; `loaded` holds the changed communities' documents (None: read
        the changed ones now)."""
        known = {cid: c for cid, c in (previous.communities if previous else {}).items()
                 if versions.get(cid) == c.versions}
        reusable = {cid: c for cid, c in known.items() if self._fresh(c.at, now)}
        if loaded is None:
            changed = [cid for cid in versions if cid not in known]
            loaded = self._documents(None if len(changed) == len(versions) else changed) if changed else {}
        communities = dict(reusable)
        for cid in versions:
            if cid in reusable:
                continue
            docs = known[cid].docs if cid in known else loaded.get(cid)
            if docs:
                communities[cid] = _Community(versions[cid], now, docs, self._figures(cid, docs, now))
        communities = dict(sorted(communities.items()))
        at = min((c.at for c in communities.values()), default=now)
        return _Snapshot(versions, at, communities, sums=previous.sums if previous else {})

    def _figures(self, community_id: str, docs: dict[str, dict[str, Any]], now: datetime) -> dict[str, Any]:
        directory = {k: v for k, v in docs.get("directory", {}).items() if not k.startswith("_")}
        residents = directory.get("residents")
        figures: dict[str, Any] = {"community_id": community_id, "name": directory.get("name", community_id),
                                   "directory": directory}
        as_of = [d.get("as_of") for d in docs.values() if d.get("as_of")]
        if "grid" in docs:
            figures["grid"] = grid_figures(docs["grid"], now)
        if "economy" in docs:
            figures["economy"] = economy_figures(docs["economy"], now.date())
            figures["income_growth"] = _growth(figures["economy"]["income_by_month"], now.date())
        if "economy" in docs or "public_affairs" in docs:
            figures.setdefault("economy", {}).update(public_affairs_figures(
                docs.get("public_affairs"), docs.get("economy"), now.date(), self.thresholds.lease_expiry_days))
        if "welfare" in docs:
            figures["welfare"] = welfare_figures(docs["welfare"])
            beneficiaries = sum(figures["welfare"]["beneficiaries"].values())
            figures["welfare"]["beneficiary_share_of_residents"] = _ratio(beneficiaries, residents)
        if "volunteering" in docs:
            figures["volunteering"] = volunteering_figures(docs["volunteering"], now, residents)
        if "visits" in docs:
            figures["visits"] = visit_figures(docs["visits"])
        if "employment" in docs:
            figures["employment"] = employment_figures(docs["employment"])
        if "minimum_allowance" in docs:
            figures["minimum_allowance"] = allowance_figures(docs["minimum_allowance"])
        figures["as_of"] = max(as_of) if as_of else None
        return figures

    def _all_figures(self) -> list[dict[str, Any]]:
        return [c.figures for c in self._current().communities.values()]

    # -- freshness ---------------------------------------------------------------

    def _projector_status(self) -> dict[str, Any]:
        """The projectors' lag and dead letters: read at most once per read interval, like the figures."""
        started = time.monotonic()
        kept = self._status
        if kept is not None and started - kept[0] < self._reuse_seconds():
            return kept[1]
        status = self._read_projector_status()
        self._status = (started, status)
        return status

    def _read_projector_status(self) -> dict[str, Any]:
        lag, dead, updated = 0, 0, None
        for status in self.db[STATUS_COLLECTION].find():
            if status.get("running", True):  # a stopped member's last lag is no one's now: its partitions moved on
                lag += sum(status.get("lag", {}).values())
            dead += status.get("dead_lettered", 0)
            updated = max(updated or "", status.get("updated_at") or "") or None
        marker = RebuildMarker(self.db).standing()
        rebuilding = {"by": marker.get("by"), "since": marker.get("requested_at")} if marker else None
        return {"projector_lag_events": lag, "dead_lettered": dead, "projector_status_at": updated,
                "rebuilding": rebuilding}

    def _freshness(self, as_of: str | None) -> dict[str, Any]:
        status = self._projector_status()
        return {"as_of": as_of, "projector_lag_events": status["projector_lag_events"],
                "projector_status_at": status["projector_status_at"], "served_at": self.clock().isoformat(),
                "rebuilding": status["rebuilding"]}

    # -- queries -----------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        snapshot = self._current()
        body = snapshot.memo("overview", lambda: self._overview(snapshot))
        return {**_copied(body), "freshness": self._freshness(body["as_of"])}

    def _overview(self, snapshot: _Snapshot) -> dict[str, Any]:
        communities = [c.figures for c in snapshot.communities.values()]
        totals: dict[str, Any] = {domain: {} for domain in DOMAIN_COLLECTIONS}
        for domain, zero in _zero_figures(snapshot.at).items():
            add_figures(totals[domain], zero)  # every key present, even before any community has the domain
        directory: dict[str, Any] = {}
        for _, sums in self._block_sums(snapshot):
            add_figures(directory, sums["directory"])
            for domain in DOMAIN_COLLECTIONS:
                add_figures(totals[domain], sums[domain])
        self._district_rates(totals, directory, snapshot)
        as_of = max((f["as_of"] for f in communities if f["as_of"]), default=None)
        return {"communities": len(communities), "households": directory.get("households", 0),
                "residents": directory.get("residents", 0),
                "floating_population": directory.get("floating_population", 0), **totals, "as_of": as_of}

    @staticmethod
    def _block_sums(snapshot: _Snapshot) -> list[tuple[tuple[_Community, ...], dict[str, Any]]]:
        """Each block's summed figures, in block order: a block whose communities are the same objects as in
        the snapshot before is reused, the others are summed again (`snapshot.sums` is updated)."""
        members: dict[int, list[_Community]] = {}
        for cid, community in snapshot.communities.items():  # sorted by id: a fixed order within each block
            members.setdefault(_sum_block(cid), []).append(community)
        sums: dict[int, tuple[tuple[_Community, ...], dict[str, Any]]] = {}
        for block in sorted(members):
            block_members = tuple(members[block])
            kept = snapshot.sums.get(block)
            if kept is not None and len(kept[0]) == len(block_members) and all(
                    a is b for a, b in zip(kept[0], block_members, strict=True)):
                sums[block] = kept
                continue
            summed: dict[str, Any] = {"directory": {}, **{domain: {} for domain in DOMAIN_COLLECTIONS}}
            for community in block_members:
                add_figures(summed["directory"], community.figures["directory"])
                for domain in DOMAIN_COLLECTIONS:
                    if domain in community.figures:
                        add_figures(summed[domain], community.figures[domain])
            sums[block] = (block_members, summed)
        snapshot.sums = sums
        return [sums[block] for block in sorted(sums)]

    @staticmethod
    def _district_rates(totals: dict[str, Any], directory: dict[str, Any], snapshot: _Snapshot) -> None:
        """District rates, medians and leaderboards: from the summed parts and the communities' samples."""
        communities = list(snapshot.communities.values())
        grid = totals["grid"]
        mediation = grid["mediation"]
        for counts in mediation["by_dispute_type"].values():
            counts["success_rate"] = _ratio(counts["settled"], counts["settled"] + counts["failed"])
        failed = sum(m["failed"] for m in mediation["by_dispute_type"].values())
        mediation["success_rate"] = _ratio(mediation["settled"], mediation["settled"] + failed)
        rentals = grid["rentals"]
        rentals["floating_population_estimate"] = directory.get("floating_population", 0)
        rentals["registration_rate"] = _ratio(rentals["floating_persons"], directory.get("floating_population"))
        followups = grid["followups"]
        followups["reoffending_rate"] = _ratio(followups["reoffended"], followups["ended"])
        by_rating = grid["satisfaction"]["by_rating"]
        rated = sum(by_rating.values())
        grid["satisfaction"]["average"] = (round(sum(int(k) * v for k, v in by_rating.items()) / rated, 2)
                                           if rated else None)
        samples: dict[str, list[list[float]]] = {}
        for community in communities:
            for category, kept in community.samples()["resolve_hours"].items():
                samples.setdefault(category, []).append(kept)
        grid["resolve_hours"] = {
            "all": {"median": merged_percentile([s for c in samples.values() for s in c], 0.5),
                    "p90": merged_percentile([s for c in samples.values() for s in c], 0.9)},
            **{c: {"median": merged_percentile(s, 0.5), "p90": merged_percentile(s, 0.9)}
               for c, s in sorted(samples.items())},
        }

        volunteering = totals["volunteering"]
        residents = directory.get("residents")
        volunteering["volunteers_per_1000_residents"] = (
            round(volunteering["registered_volunteers"] * 1000 / residents, 1) if residents else None)
        fulfil = [c.samples()["fulfil_minutes"] for c in communities if "volunteering" in c.docs]
        median_minutes = merged_percentile(fulfil, 0.5)
        volunteering["help_requests"]["median_hours_to_fulfil"] = (
            round(median_minutes / 60, 2) if median_minutes is not None else None)
        # The district's leaderboard: the top teams of every community (named by community, not by team id).
        teams = [{"community_id": c.figures["community_id"], "name": team["name"], "purpose": team["purpose"],
                  "members": team["members"], "hours": team["hours"]} for c in communities
                 for team in _dig(c.figures, "volunteering", "team_leaderboard") or []]
        volunteering["team_leaderboard"] = sorted(
            teams, key=lambda t: (-t["hours"], t["name"] or "", t["community_id"], t["purpose"] or "",
                                  t["members"]))[:LEADERBOARD_SIZE]

        economy = totals["economy"]
        occupancy = economy["occupancy"]
        occupancy["rate"] = _ratio(occupancy["leased_area_m2"], occupancy["total_area_m2"])
        weighted: dict[str, list[float]] = {}
        for community in communities:
            people = community.figures["directory"].get("residents") or 0
            for year, income in (_dig(community.figures, "economy", "per_capita_income_by_year") or {}).items():
                parts = weighted.setdefault(year, [0.0, 0.0])
                parts[0] += income * people
                parts[1] += people
        economy["per_capita_income_by_year"] = {y: round(t / n) for y, (t, n) in sorted(weighted.items()) if n}
        economy["income_by_month"] = dict(sorted(economy["income_by_month"].items()))
        economy["income_growth"] = _growth(economy["income_by_month"], snapshot.at.date())
        fees = economy["property_fees"]
        fees["rate"] = _ratio(fees["paid"], fees["billed"])
        economy["disclosures"]["latest_month"] = max(
            (m for c in communities if (m := _dig(c.figures, "economy", "disclosures", "latest_month"))), default=None)

        welfare = totals["welfare"]
        welfare["beneficiary_share_of_residents"] = _ratio(sum(welfare["beneficiaries"].values()), residents)
        welfare["programmes"] = {pid: programme for c in communities
                                 for pid, programme in (_dig(c.figures, "welfare", "programmes") or {}).items()}

        # A quarter's district coverage is over every community's registered households, visited or not.
        visits = totals["visits"]
        visits["quarters"] = dict(sorted(visits["quarters"].items()))
        visits["latest_quarter"] = max(visits["quarters"], default=None)
        visits["denominator"] = COVERAGE_DENOMINATOR
        for quarter in visits["quarters"].values():
            quarter["registered_households"] = visits["registered_households"]
            quarter["coverage"] = _ratio(quarter["households_visited"], visits["registered_households"])

        employment_rates(totals["employment"])
        allowance = totals["minimum_allowance"]
        allowance["paid_by_month"] = dict(sorted(allowance["paid_by_month"].items()))

    def community(self, community_id: str) -> dict[str, Any]:
        docs = self._documents([community_id]).get(community_id)
        if not docs:
            raise NotFound(f"community {community_id} has no figures yet")
        figures = self._figures(community_id, docs, self.clock())
        figures["indicators"] = {name: read(figures) for name, read in INDICATORS.items()}
        figures["series"] = {name: dict(sorted(read(figures).items())) for name, read in SERIES.items()}
        figures["freshness"] = self._freshness(figures["as_of"])
        return figures

    def _row(self, community: _Community, today: date) -> dict[str, Any]:
        if community.row is None:
            figures = community.figures
            row: dict[str, Any] = {"community_id": figures["community_id"], "name": figures["name"],
                                   "district": figures["directory"].get("district")}
            row.update({name: read(figures) for name, read in INDICATORS.items()})
            row["trend_cases_reported"] = _last_months(SERIES["cases_reported"](figures), today, 12)
            row["trend_collective_income_fen"] = _last_months(SERIES["collective_income_fen"](figures), today, 12)
            row["as_of"] = figures["as_of"]
            community.row = row
        return community.row

    def _rows(self) -> list[dict[str, Any]]:
        snapshot = self._current()
        return snapshot.memo("rows", lambda: [self._row(c, c.at.date()) for c in snapshot.communities.values()])

    def communities(self, *, sort: str = "name", descending: bool = False, search: str | None = None,
                    district: str | None = None, offset: int = 0, limit: int = 50) -> dict[str, Any]:
        if sort not in INDICATORS and sort not in ("name", "community_id"):
            raise Invalid(f"unknown indicator {sort!r}; one of: name, {', '.join(INDICATORS)}", field="sort")
        rows = self._rows()
        if search:
            needle = search.lower()
            rows = [r for r in rows if needle in r["name"].lower() or needle in r["community_id"].lower()]
        if district:
            rows = [r for r in rows if r["district"] == district]
        present = [r for r in rows if r[sort] is not None]
        missing = [r for r in rows if r[sort] is None]
        present.sort(key=lambda r: (r[sort], r["community_id"]), reverse=descending)
        ordered = present + missing  # communities without the figure go last either way
        as_of = max((r["as_of"] for r in rows if r["as_of"]), default=None)
        return {"total": len(ordered), "offset": offset, "limit": limit, "sort": sort, "descending": descending,
                "indicators": list(INDICATORS), "rows": _copied(ordered[offset:offset + limit]),
                "freshness": self._freshness(as_of)}

    def communities_csv(self, **kwargs: Any) -> str:
        table = self.communities(**{**kwargs, "offset": 0, "limit": 1_000_000})
        out = io.StringIO()
        columns = ["community_id", "name", "district", *INDICATORS]
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(table["rows"])
        return out.getvalue()

    def rankings(self, indicator: str, *, descending: bool = True, limit: int = 50) -> dict[str, Any]:
        if indicator not in INDICATORS:
            raise Invalid(f"unknown indicator {indicator!r}; one of: {', '.join(INDICATORS)}", field="indicator")
        rows = [r for r in self._rows() if r[indicator] is not None]
        rows.sort(key=lambda r: (r[indicator], r["community_id"]), reverse=descending)
        return {"indicator": indicator, "descending": descending,
                "ranking": [{"rank": i + 1, "community_id": r["community_id"], "name": r["name"],
                             "value": r[indicator]} for i, r in enumerate(rows[:limit])]}

    def timeseries(self, indicator: str, *, community: str | None = None, start: str | None = None,
                   end: str | None = None) -> dict[str, Any]:
        if indicator not in SERIES:
            raise Invalid(f"unknown series {indicator!r}; one of: {', '.join(SERIES)}", field="indicator")
        if community:
            merged = _merge_series([self.community(community)], indicator)
        else:
            snapshot = self._current()
            merged = snapshot.memo(f"series:{indicator}", lambda: _merge_series(
                [c.figures for c in snapshot.communities.values()], indicator))
        points = [{"month": m, "value": v} for m, v in sorted(merged.items())
                  if (start is None or m >= start) and (end is None or m <= end)]
        return {"indicator": indicator, "community": community, "from": start, "to": end, "points": points}

    def alerts(self, thresholds: AlertThresholds | None = None) -> dict[str, Any]:
        limits = thresholds or self.thresholds
        snapshot = self._current()
        alerts: list[dict[str, Any]] = []
        for cid, name, values in snapshot.memo("alert_values", lambda: self._alert_values(snapshot)):
            for figure, value in values.items():
                kind, threshold = ALERT_KINDS[figure], getattr(limits, figure)
                if value >= threshold:
                    alerts.append({"community_id": cid, "name": name, "kind": kind, "value": value,
                                   "threshold": threshold})
        alerts.extend(snapshot.memo(f"leases_expiring:{limits.lease_expiry_days}",
                                    lambda: self._lease_expiry_alerts(snapshot, limits.lease_expiry_days)))
        dead = self._projector_status()["dead_lettered"]
        if dead >= limits.dead_lettered:
            alerts.append({"community_id": None, "name": None, "kind": "dead_lettered_events", "value": dead,
                           "threshold": limits.dead_lettered})
        return {"alerts": alerts, "thresholds": limits.__dict__, "served_at": self.clock().isoformat()}

    @staticmethod
    def _lease_expiry_alerts(snapshot: _Snapshot, days: int) -> list[dict[str, Any]]:
        """A warning per community with running leases ending within `days` days, naming each lease."""
        alerts = []
        for cid, community in snapshot.communities.items():
            expiring = leases_expiring(community.docs.get("economy"), community.at.date(), days)
            if expiring:
                alerts.append({"community_id": cid, "name": community.figures["name"], "kind": "leases_expiring",
                               "value": len(expiring), "threshold": days, "leases": expiring})
        return alerts

    @staticmethod
    def _alert_values(snapshot: _Snapshot) -> list[tuple[str, str, dict[str, int]]]:
        """Per community, the figures alerts compare with their thresholds (computed once per snapshot)."""
        out = []
        for cid, community in snapshot.communities.items():
            figures = community.figures
            values = {"overdue_cases": INDICATORS["overdue_cases"](figures) or 0}
            if "economy" in community.docs:
                month_ago = (community.at - timedelta(days=30)).date()
                before = sum(arrears_as_of(community.docs["economy"], month_ago)[0].values())
                values["arrears_growth_fen"] = figures["economy"]["arrears"]["outstanding"] - before
            values["cycles_pending_approval"] = INDICATORS["cycles_pending_approval"](figures) or 0
            out.append((cid, figures["name"], values))
        return out


def _stored_rev(versions: dict[str, tuple[Any, ...]], collection: str, community_id: str) -> int:
    """The revision a scan found for one document (0: none; collections the district does not read: ignored)."""
    if collection not in _COLLECTION_INDEX:
        return 1 << 62
    version = versions.get(community_id, (None,) * len(COLLECTIONS))[_COLLECTION_INDEX[collection]]
    return (version[0] or 0) if version is not None else 0


def _merge_series(communities: list[dict[str, Any]], indicator: str) -> dict[str, float]:
    merged: dict[str, float] = {}
    for figures in communities:
        for month, value in SERIES[indicator](figures).items():
            merged[month] = round(merged.get(month, 0) + value, 4)
    return merged


def _copied(value: Any) -> Any:
    """A copy of JSON-shaped figures (dicts, lists, scalars), so a caller cannot change the cached ones.

    `copy.deepcopy` did the same at several times the cost (its memo and dispatch per object): it was
    the largest CPU cost of the communities table under load (bench/results/profile-load.txt).
    """
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    return value


def _last_months(series: dict[str, float], today: date, count: int) -> list[float]:
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [series.get(m, 0) for m in reversed(months)]
