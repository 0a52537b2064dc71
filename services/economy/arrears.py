"""Arrears aging: how outstanding rent (and property fees) is bucketed by days overdue; the collection rate.

Pure functions over plain values, so the economy domain (lease statements) and
the district read side (its economy projection) apply the same rule without
the read side importing the write model.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.kernel.errors import Invalid

AGING_BUCKETS = ("current", "30", "60", "90+")
BUCKET_FROM_DAYS = {"current": None, "30": 30, "60": 60, "90+": 90}
"""Each bucket holds rent overdue by at least this many days (and less than the next bucket's)."""


def overdue_days(bucket: str) -> tuple[int | None, int | None]:
    """(at least, less than) days overdue for the bucket; None is open-ended."""
    following = AGING_BUCKETS.index(bucket) + 1
    return BUCKET_FROM_DAYS[bucket], BUCKET_FROM_DAYS[AGING_BUCKETS[following]] if following < len(AGING_BUCKETS) else None


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a "YYYY-MM" month."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise Invalid(f"month {month!r} is not YYYY-MM", "month") from None
    if len(month) != 7:
        raise Invalid(f"month {month!r} is not YYYY-MM", "month")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def aging_bucket(days_overdue: int) -> str:
    for bucket in reversed(AGING_BUCKETS):
        at_least = BUCKET_FROM_DAYS[bucket]
        if at_least is None or days_overdue >= at_least:
            return bucket
    raise AssertionError("the first bucket is open-ended")


def age_arrears(charges: list[tuple[str, date, int]], credits: int, as_of: date) -> dict[str, int]:
    """Outstanding rent by aging bucket.

    charges: (month, due date, amount) billed for months starting on or before `as_of`;
    credits: paid plus written off up to `as_of`, settling the oldest charges first.
    """
    buckets = dict.fromkeys(AGING_BUCKETS, 0)
    for month, due_on, amount in sorted(charges):
        if month_bounds(month)[0] > as_of:
            continue
        settled = min(amount, credits)
        credits -= settled
        if amount > settled:
            buckets[aging_bucket((as_of - due_on).days)] += amount - settled
    return buckets


def account_statement(charges: dict[str, tuple[date, int]], credits: dict[str, list[tuple[date, int]]],
                      as_of: date | None = None) -> dict[str, Any]:
    """What was billed (month -> due date, amount), each kind of credit (paid, written off, ...) and what is
    outstanding, up to `as_of` if given (then with the arrears aged), else everything recorded."""
    day = as_of or date.max
    billed = [(month, due_on, amount) for month, (due_on, amount) in charges.items() if month_bounds(month)[0] <= day]
    statement: dict[str, Any] = {"billed": sum(amount for _, _, amount in billed)}
    for kind, entries in credits.items():
        statement[kind] = sum(amount for on, amount in entries if on <= day)
    credited = sum(statement[kind] for kind in credits)
    statement["outstanding"] = statement["billed"] - credited
    if as_of is not None:
        statement["aging"] = age_arrears(billed, credited, as_of)
    return statement


def collection_rate(billed: int, paid: int) -> float | None:
    """Share of what was billed that was paid; None before anything was billed."""
    return round(paid / billed, 4) if billed else None
