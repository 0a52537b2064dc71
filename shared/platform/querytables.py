"""Query tables: a service's list endpoints, served from tables in its own event store's database.

A service declares its tables and how each of its own stored events changes them (a `QueryProjection`, an
`eventsourcing.projection.Projection`). A `QueryTableRunner` (a background thread beside the relay) follows
the service's notification log and applies each batch of changes together with its tracking record in ONE
transaction of the same database (SQLite or PostgreSQL), so the tables are never ahead of or behind the
position they record, and a crash re-applies nothing twice. `rebuild()` drops the tables and replays.

Lists are eventually consistent: the runner wakes as soon as events are stored, so the lag is the time of one
batch. `catch_up()` applies everything stored so far at once (tests, and a freshly started process).

Pagination is by keyset: the cursor is the last item's sort key and id (opaque base64), and the next page is
"after that key", so rows inserted between two requests neither shift nor duplicate items.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from fastapi import Depends, Query, Request

from shared.kernel.actor import ALL_COMMUNITIES, Actor
from shared.kernel.errors import Invalid
from shared.platform.eventstore import ServiceApplication

log = logging.getLogger("shequ.querytables")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


# -- schema and changes ---------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A query table: `id` (text) is its primary key; every other column is nullable."""

    name: str
    columns: dict[str, str]
    """Column name -> "text" or "integer" (timestamps are `timestamp_text`, so they sort as text)."""
    indexes: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Add:
    """An Upsert value that adds to the column (a new row starts from 0): running totals need no read."""

    amount: int


@dataclass(frozen=True)
class CopyFrom:
    """An Upsert value copied from a row written earlier, e.g. the community of the aggregate a later event
    names (its first event was stored, and so applied, before it)."""

    table: str
    id: str
    column: str = "community_id"


@dataclass(frozen=True)
class Upsert:
    """Set these columns of row `id` (creating the row if it is missing); a value may be `Add` or `CopyFrom`."""

    table: str
    id: str
    values: dict[str, Any]


def timestamp_text(moment: datetime | None) -> str | None:
    """One fixed UTC format, so text order is time order on both databases."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- views: the tables and the tracking record, in the event store's database -----------------------


class QueryView:
    """What a projection writes to and a list endpoint reads from (one per service)."""

    tracking_name: str
    tables: Sequence[Table]

    def apply(self, changes: Sequence[Upsert], tracking: Tracking) -> None:
        """The changes and the tracking record, in one transaction."""
        raise NotImplementedError

    def position(self) -> int:
        return self.max_tracking_id(self.tracking_name) or 0  # type: ignore[attr-defined]

    def select(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Run a query written with `?` placeholders and `{table}` names."""
        raise NotImplementedError

    def drop(self) -> None:
        """Drop the tables and forget the position (then `create_table()` again)."""
        raise NotImplementedError

    @staticmethod
    def _upsert_sql(ref: Callable[[str], str], change: Upsert) -> tuple[str, list[Any]]:
        """One INSERT .. ON CONFLICT (`?` placeholders); `ref` names a table as the database wants it."""
        names, placeholders, updates, params = ["id"], ["?"], [], [change.id]
        for name, value in change.values.items():
            names.append(name)
            if isinstance(value, CopyFrom):
                placeholders.append(f"(SELECT {value.column} FROM {ref(value.table)} WHERE id = ?)")
                params.append(value.id)
            else:
                placeholders.append("?")
                params.append(value.amount if isinstance(value, Add) else value)
            updates.append(f"{name} = COALESCE(existing.{name}, 0) + excluded.{name}" if isinstance(value, Add)
                           else f"{name} = excluded.{name}")
        sql = (f"INSERT INTO {ref(change.table)} AS existing ({', '.join(names)}) VALUES ({', '.join(placeholders)}) "
               f"ON CONFLICT (id) DO UPDATE SET {', '.join(updates) or 'id = excluded.id'}")
        return sql, params

    def _create_statements(self, ref: Any) -> list[str]:
        statements = []
        for table in self.tables:
            columns = ", ".join(f"{n} {'BIGINT' if t == 'integer' else 'TEXT'}" for n, t in table.columns.items())
            statements.append(f"CREATE TABLE IF NOT EXISTS {ref(table.name)} (id TEXT PRIMARY KEY, {columns})")
            for index in table.indexes:
                statements.append(f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(index)} "
                                  f"ON {ref(table.name)} ({', '.join(index)})")
        return statements


class SQLiteQueryView(SQLiteTrackingRecorder, QueryView):
    def __init__(self, datastore: SQLiteDatastore, *, tracking_name: str, tables: Sequence[Table]) -> None:
        self.tracking_name, self.tables = tracking_name, tables
        super().__init__(datastore)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self._create_statements(lambda name: name)]

    def apply(self, changes: Sequence[Upsert], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            for change in changes:
                c.execute(*self._upsert_sql(lambda name: name, change))
            self._insert_tracking(c, tracking)

    def select(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql.format(**{t.name: t.name for t in self.tables}), list(params))
            return [dict(row) for row in c.fetchall()]

    def drop(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in self.tables:
                c.execute(f"DROP TABLE IF EXISTS {table.name}")
            c.execute("DELETE FROM tracking WHERE application_name = ?", [self.tracking_name])


class PostgresQueryView(PostgresTrackingRecorder, QueryView):
    def __init__(self, datastore: PostgresDatastore, *, tracking_name: str, tables: Sequence[Table]) -> None:
        self.tracking_name, self.tables = tracking_name, tables
        super().__init__(datastore, tracking_table_name="query_tables_tracking")
        from psycopg.sql import SQL

        self.sql_create_statements += [SQL(s) for s in self._create_statements(self._ref)]  # type: ignore[arg-type]

    def _ref(self, name: str) -> str:
        return f'"{self.datastore.schema}"."{name}"'

    def apply(self, changes: Sequence[Upsert], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for change in changes:
                sql, params = self._upsert_sql(self._ref, change)
                curs.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            self._insert_tracking(curs, tracking)

    def select(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        statement = sql.format(**{t.name: self._ref(t.name) for t in self.tables}).replace("?", "%s")
        with self.datastore.transaction(commit=False) as curs:
            # A list reads one page: JIT compiling it (when estimates over tables not yet analysed run high)
            # costs seconds and saves nothing.
            curs.execute("SET LOCAL jit = off")
            curs.execute(statement, list(params))  # type: ignore[arg-type]
            return [dict(row) for row in curs.fetchall()]

    def drop(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for table in self.tables:
                curs.execute(f"DROP TABLE IF EXISTS {self._ref(table.name)}")  # type: ignore[arg-type]
            curs.execute(f"DELETE FROM {self._ref(self.tracking_table_name)} WHERE application_name = %s",  # type: ignore[arg-type]
                         [self.tracking_name])


def open_view(application: ServiceApplication, tracking_name: str, tables: Sequence[Table]) -> QueryView:
    """The view in the application's own database (its datastore and connection pool); tables created."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    view: QueryView
    if isinstance(datastore, SQLiteDatastore):
        view = SQLiteQueryView(datastore, tracking_name=tracking_name, tables=tables)
    elif isinstance(datastore, PostgresDatastore):
        view = PostgresQueryView(datastore, tracking_name=tracking_name, tables=tables)
    else:  # pragma: no cover - the settings allow only these two
        raise TypeError(f"no query tables for {type(datastore).__name__}")
    view.create_table()  # type: ignore[attr-defined]
    return view


# -- projection -------------------------------------------------------------------


class QueryProjection(Projection[QueryView]):
    """A service's query tables: their schema and the changes each stored event makes."""

    tables: ClassVar[Sequence[Table]] = ()

    def changes(self, domain_event: Any) -> Iterable[Upsert]:
        """The rows this event changes (none for events the tables do not show)."""
        raise NotImplementedError

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        self.view.apply(list(self.changes(domain_event)), tracking)

    def process_batch(self, domain_events: Sequence[Any], tracking: Tracking) -> None:
        """Several events and the position of the last one, in one transaction."""
        self.view.apply([c for e in domain_events for c in self.changes(e)], tracking)


# -- runner -----------------------------------------------------------------------


class QueryTableRunner:
    """Follows a service's notification log into its query tables (a background worker beside the relay)."""

    def __init__(self, application: ServiceApplication, projection_class: type[QueryProjection], *,
                 batch_size: int = 500, idle_seconds: float = 0.5) -> None:
        self.application = application
        self.projection_class = projection_class
        self.view = open_view(application, f"querytables:{projection_class.name}", projection_class.tables)
        self.projection = projection_class(self.view)
        self.batch_size, self.idle_seconds = batch_size, idle_seconds
        self._lock = threading.Lock()  # one writer per process: the live loop, catch_up() and rebuild()
        self._stored = threading.Event()
        application.stored_listeners.append(lambda _service, _type: self._stored.set())
        self.failed: str | None = None

    def position(self) -> int:
        return self.view.position()

    def lag(self) -> int:
        return max(0, (self.application.recorder.max_notification_id() or 0) - self.position())

    def _apply_next_batch(self) -> int:
        position = self.position()
        notifications = self.application.recorder.select_notifications(
            start=position, limit=self.batch_size, inclusive_of_start=False)
        if not notifications:
            return 0
        events = [self.application.mapper.to_domain_event(n) for n in notifications]
        try:
            self.projection.process_batch(events, Tracking(self.view.tracking_name, notifications[-1].id))
        except IntegrityError:
            # Another replica applied this batch first (its tracking record is already there): nothing lost.
            log.info("query tables %s: batch after %s already applied elsewhere", self.projection.name, position)
        return len(notifications)

    def catch_up(self) -> int:
        """Apply everything stored so far; return how many notifications that covered."""
        applied = 0
        with self._lock:
            while (count := self._apply_next_batch()):
                applied += count
        return applied

    def rebuild(self) -> int:
        """Drop the tables, create them again and replay the whole log into them."""
        with self._lock:
            self.view.drop()
            self.view.create_table()  # type: ignore[attr-defined]
        return self.catch_up()

    def run(self, stop: threading.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                self._stored.clear()
                self.catch_up()
                self.failed = None
                backoff = 0.2
                self._stored.wait(self.idle_seconds)  # woken at once when events are stored
            except Exception as exc:  # noqa: BLE001 - e.g. the database is briefly unreachable: retry
                self.failed = f"{type(exc).__name__}: {exc}"
                log.exception("query tables %s: error (%s); retrying in %.1fs", self.projection.name, exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def check(self) -> None:
        """Readiness: fails while the runner cannot apply events."""
        if self.failed:
            raise RuntimeError(f"query tables {self.projection.name}: {self.failed}")


# -- reading: scoping and keyset pagination -------------------------------------------------


@dataclass(frozen=True)
class Sort:
    """A list's order: one column (NULLs last), then id, both in the same direction."""

    column: str
    descending: bool = False
    nullable: bool = False

    @property
    def key_expression(self) -> str:
        # NULL sorts first on SQLite and last on PostgreSQL: '~' (after every timestamp) makes both "last".
        # A column that is never NULL stays bare, so an index on it serves the ORDER BY.
        return f"COALESCE({self.column}, '~')" if self.nullable else self.column


def choices(name: str, domain: type[StrEnum], **extra: str) -> type[StrEnum]:
    """A list parameter's values: the domain's (so they follow it) and a few of the list's own, e.g. `open`."""
    return StrEnum(name, {**{key.upper(): value for key, value in extra.items()},  # type: ignore[return-value]
                          **{member.name: member.value for member in domain}})


def placeholders(values: Sequence[Any]) -> str:
    """`?, ?, ?` for an IN (...) of these values."""
    return ", ".join("?" for _ in values)


def aware(name: str, moment: datetime | None) -> str | None:
    """A query parameter's time as stored text; 422 naming it when it has no time zone."""
    if moment is not None and moment.tzinfo is None:
        raise Invalid(f"{name} needs a time zone (e.g. 2026-01-31T00:00:00Z)", field=name)
    return timestamp_text(moment)


def encode_cursor(sort_name: str, key: Any, row_id: str) -> str:
    raw = json.dumps([sort_name, key, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort_name: str) -> tuple[Any, str]:
    """(sort key, id) of the last item of the previous page; 422 naming `cursor` if it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, key, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(row_id, str) or not isinstance(made_for, str):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor is not a cursor this list returned", field="cursor") from None
    if made_for != sort_name:
        raise Invalid(f"cursor was made for sort={made_for}, not sort={sort_name}", field="cursor")
    return key, row_id


@dataclass
class ListQuery:
    """A filtered, scoped, keyset-paginated SELECT over one query table (`item` in the SQL).

    `computed` adds columns judged at query time (SQL expressions, e.g. a correlated subquery over another
    table written `{table}`), so what depends on today or on another row is never stale in a stored row.
    """

    table: str
    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    computed: dict[str, str] = field(default_factory=dict)
    computed_params: list[Any] = field(default_factory=list)

    def where(self, condition: str, *params: Any) -> ListQuery:
        self.conditions.append(condition)
        self.params.extend(params)
        return self

    def equal(self, column: str, value: Any) -> ListQuery:
        return self if value is None else self.where(f"{column} = ?", value)

    def one_of(self, column: str, values: Sequence[Any]) -> ListQuery:
        return self.where(f"{column} IN ({placeholders(values)})", *values)

    def flag(self, value: bool | None, condition: str, *params: Any) -> ListQuery:
        """`?flag=true` keeps the rows meeting the condition, `false` the others, absent all of them."""
        if value is None:
            return self
        return self.where(f"({condition})" if value else f"NOT ({condition})", *params)

    def between(self, column: str, low: str | None, high: str | None) -> ListQuery:
        """low <= column < high, either end left open when None (text: ISO dates and timestamps)."""
        if low is not None:
            self.where(f"{column} >= ?", low)
        if high is not None:
            self.where(f"{column} < ?", high)
        return self

    def compute(self, name: str, expression: str, *params: Any) -> ListQuery:
        self.computed[name] = expression
        self.computed_params.extend(params)
        return self

    def scoped_to(self, actor: Actor, community_id: str | None, column: str = "community_id") -> ListQuery:
        """Only the communities the actor serves; asking for another one is 403."""
        if community_id is not None:
            actor.ensure_serves(community_id)
            return self.where(f"{column} = ?", community_id)
        if ALL_COMMUNITIES in actor.communities:
            return self
        if not actor.communities:
            return self.where("1 = 0")
        return self.one_of(column, actor.communities)

    def page(self, view: QueryView, sort_name: str, sort: Sort, limit: int, cursor: str | None) -> dict[str, Any]:
        """`{"items": [...], "next_cursor": str | None}`."""
        conditions, params = list(self.conditions), list(self.params)
        direction = "<" if sort.descending else ">"
        if cursor:
            key, row_id = decode_cursor(cursor, sort_name)
            conditions.append(f"({sort.key_expression}, id) {direction} (?, ?)")
            params += [key, row_id]
        order = "DESC" if sort.descending else "ASC"
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        ordered = f"ORDER BY sort_key {order}, id {order}"
        # One more than asked (is there a next page?); the computed columns only for the rows of the page.
        sql = (f"SELECT *, {sort.key_expression} AS sort_key FROM {{{self.table}}} AS item{where} {ordered} LIMIT ?")
        if self.computed:
            computed = ", ".join(f"{expression} AS {name}" for name, expression in self.computed.items())
            sql = f"SELECT item.*, {computed} FROM ({sql}) AS item {ordered}"
        rows = view.select(sql, [*self.computed_params, *params, limit + 1])
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor(sort_name, rows[-1]["sort_key"], rows[-1]["id"])
        for row in rows:
            del row["sort_key"]
        return {"items": rows, "next_cursor": next_cursor}


# -- HTTP: what every service's list routes take ------------------------------------------------------------


async def query_view(request: Request) -> QueryView:
    return request.app.state.query_view


Lists = Annotated[QueryView, Depends(query_view)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
