"""Volunteering commands: what each use case is given, validated before it runs (bad input is a 422).

The HTTP API receives them as request bodies; the application takes them typed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.volunteering.domain import TeamPurpose, Urgency

COMMUNITY_ID = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
ID = Field(min_length=1, max_length=64)
OPTIONAL_ID = Field(default=None, min_length=1, max_length=64)
TEXT = Field(min_length=1, max_length=2000)
NAME = Field(min_length=1, max_length=200)


class Command(BaseModel):
    """A command's content: unknown fields are refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


class RegisterVolunteer(Command):
    community_id: str = COMMUNITY_ID
    name: str = NAME
    phone: str = Field(min_length=3, max_length=32, pattern=r"^\+?[0-9 -]+$")
    skills: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list, max_length=30)


class Reason(Command):
    reason: str = TEXT


class FormTeam(Command):
    community_id: str = COMMUNITY_ID
    name: str = NAME
    purpose: TeamPurpose


class VolunteerRef(Command):
    volunteer_id: str = ID


class PublishActivity(Command):
    community_id: str = COMMUNITY_ID
    title: str = NAME
    place: str = NAME
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    slots: int = Field(ge=1, le=10_000)
    points_per_hour: int = Field(ge=0, le=1_000)
    team_id: str | None = OPTIONAL_ID


class Attendance(Command):
    volunteer_id: str = ID
    at: AwareDatetime | None = None


class ReceiveHelpRequest(Command):
    community_id: str = COMMUNITY_ID
    need: str = TEXT
    urgency: Urgency = Urgency.NORMAL
    deadline: AwareDatetime
    grid_case_id: str | None = OPTIONAL_ID


class MatchHelpRequest(Command):
    volunteer_id: str | None = OPTIONAL_ID
    team_id: str | None = OPTIONAL_ID


class FulfilHelpRequest(Command):
    hours: float = Field(gt=0, le=24)
    outcome: str = TEXT


class ExpireOverdue(Command):
    now: AwareDatetime | None = None


class Bonus(Command):
    points: int = Field(ge=1, le=100_000)
    reason: str = TEXT


class Redeem(Command):
    points: int = Field(ge=1, le=100_000)
    purpose: str = TEXT
