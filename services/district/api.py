"""District HTTP API: read-only views for district operators (no personal data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from services.district.queries import AlertThresholds, DistrictQueries
from shared.kernel.actor import Actor, Role
from shared.platform.auth import requires
from shared.platform.deadletters import STATUSES, DeadLetterReplayer
from shared.platform.http import OneHopRoute
from shared.platform.rebuilds import RebuildRefused

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
COMMUNITY = Annotated[str, Path(min_length=1, max_length=64)]


async def queries(request: Request) -> DistrictQueries:
    return request.app.state.queries


District = Annotated[DistrictQueries, Depends(queries)]


async def dead_letters(request: Request) -> DeadLetterReplayer:
    return request.app.state.dead_letters


DeadLetters = Annotated[DeadLetterReplayer, Depends(dead_letters)]
AdminActor = Annotated[Actor, Depends(requires(Role.ADMIN))]
DEAD_LETTER_ID = Annotated[str, Path(min_length=5, max_length=300, pattern=r"^[^:]+:\d+:\d+$",
                                     description="topic:partition:offset")]


class Discard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, description="Why the message may stay out of the read models")


def router() -> APIRouter:
    api = APIRouter(tags=["district"], dependencies=[Depends(requires(Role.DISTRICT_OPERATOR, Role.ADMIN))],
                    route_class=OneHopRoute)

    @api.get("/overview")
    def overview(district: District) -> dict[str, Any]:
        """District totals for all four domains, with freshness."""
        return district.overview()

    @api.get("/communities")
    def communities(
        district: District,
        sort: Annotated[str, Query(max_length=64)] = "name",
        descending: bool = False,
        search: Annotated[str | None, Query(max_length=64)] = None,
        district_name: Annotated[str | None, Query(alias="district", max_length=64)] = None,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> dict[str, Any]:
        """One row per community with its key indicators: sortable, filterable, paginated."""
        return district.communities(sort=sort, descending=descending, search=search, district=district_name,
                                    offset=offset, limit=limit)

    @api.get("/communities.csv", response_class=Response)
    def communities_csv(
        district: District,
        sort: Annotated[str, Query(max_length=64)] = "name",
        descending: bool = False,
    ) -> Response:
        body = "\ufeff" + district.communities_csv(sort=sort, descending=descending)  # BOM: Excel reads UTF-8
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="communities.csv"'})

    @api.get("/communities/{community_id}")
    def community(community_id: COMMUNITY, district: District) -> dict[str, Any]:
        """Everything about one community, all domains, with monthly series."""
        return district.community(community_id)

    @api.get("/rankings")
    def rankings(
        district: District,
        indicator: Annotated[str, Query(max_length=64)],
        descending: bool = True,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> dict[str, Any]:
        return district.rankings(indicator, descending=descending, limit=limit)

    @api.get("/timeseries")
    def timeseries(
        district: District,
        indicator: Annotated[str, Query(max_length=64)],
        community: Annotated[str | None, Query(max_length=64)] = None,
        start: Annotated[str | None, Query(alias="from", pattern=MONTH)] = None,
        end: Annotated[str | None, Query(alias="to", pattern=MONTH)] = None,
    ) -> dict[str, Any]:
        return district.timeseries(indicator, community=community, start=start, end=end)

    @api.get("/alerts")
    def alerts(
        district: District,
        overdue_cases: Annotated[int | None, Query(ge=1)] = None,
        arrears_growth_fen: Annotated[int | None, Query(ge=1)] = None,
        cycles_pending_approval: Annotated[int | None, Query(ge=1)] = None,
        dead_lettered: Annotated[int | None, Query(ge=1)] = None,
        lease_expiry_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    ) -> dict[str, Any]:
        """Communities breaching thresholds; defaults from settings, overridable per request."""
        base = district.thresholds
        return district.alerts(AlertThresholds(
            overdue_cases=overdue_cases or base.overdue_cases,
            arrears_growth_fen=arrears_growth_fen or base.arrears_growth_fen,
            cycles_pending_approval=cycles_pending_approval or base.cycles_pending_approval,
            dead_lettered=dead_lettered or base.dead_lettered,
            lease_expiry_days=base.lease_expiry_days if lease_expiry_days is None else lease_expiry_days,
        ))

    @api.post("/admin/rebuild", status_code=202, dependencies=[Depends(requires(Role.ADMIN))])
    def rebuild(request: Request) -> dict[str, Any]:
        """Drop every district read model and replay the topics from offset 0, once every live projector
        member paused (409, nothing dropped, if one does not or another rebuild is running)."""
        rebuild = getattr(request.app.state, "rebuild", None)
        if rebuild is None:
            raise HTTPException(409, "this process runs no projector; run `shequ rebuild` beside `shequ project`")
        try:
            return rebuild()
        except RebuildRefused as exc:
            raise HTTPException(409, f"rebuild refused: {exc}") from exc

    # -- dead letters: operators read them, admins replay or discard them --------------------------------

    @api.get("/admin/dlq")
    def list_dead_letters(
        dead: DeadLetters,
        status: Annotated[str, Query(pattern=f"^({'|'.join(STATUSES)}|all)$")] = "open",
        topic: Annotated[str | None, Query(max_length=255)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Dead-lettered messages (oldest first) with reason, topic, partition, offset and age; counts by status."""
        rows = dead.store.list(status=None if status == "all" else status, topic=topic, limit=limit)
        return {"dead_letters": rows, "depth": dead.store.depth()}

    @api.get("/admin/dlq/{ident}")
    def show_dead_letter(ident: DEAD_LETTER_ID, dead: DeadLetters) -> dict[str, Any]:
        """One dead letter: the message as read, its headers, its replays and discard."""
        return dead.store.show(ident)

    @api.post("/admin/dlq/replay")
    def replay_open_dead_letters(actor: AdminActor, dead: DeadLetters) -> dict[str, Any]:
        """Replay every open dead letter with the projection code running now (after a fix)."""
        return {"replayed": [o.as_dict() for o in dead.replay(None, by=actor.subject)]}

    @api.post("/admin/dlq/{ident}/replay")
    def replay_dead_letter(ident: DEAD_LETTER_ID, actor: AdminActor, dead: DeadLetters) -> dict[str, Any]:
        """Replay one dead letter; a document that already has it changes nothing (applied exactly once)."""
        return dead.replay([ident], by=actor.subject)[0].as_dict()

    @api.post("/admin/dlq/{ident}/discard")
    def discard_dead_letter(ident: DEAD_LETTER_ID, body: Discard, actor: AdminActor,
                            dead: DeadLetters) -> dict[str, Any]:
        """Set an open dead letter aside for good; kept, with who, when and why."""
        return dead.store.discard(ident, by=actor.subject, reason=body.reason)

    return api
