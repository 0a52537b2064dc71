"""The platform's notion of "now".

Everything that stamps or judges time (event timestamps, deadlines, ages) asks
`now()`. Only the demo seeder and tests move it, to record history as it
happened (`recorded_at`); production never overrides it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

_override: ContextVar[datetime | None] = ContextVar("shequ_clock_override", default=None)


def now() -> datetime:
    return _override.get() or datetime.now(UTC)


def today() -> date:
    return now().date()


@contextmanager
def recorded_at(moment: datetime) -> Iterator[None]:
    """Within this block, events are stamped (and deadlines judged) at `moment`."""
    if moment.tzinfo is None:
        raise ValueError("recorded_at needs a timezone-aware datetime")
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)
