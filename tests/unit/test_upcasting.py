"""Stored events evolve: grid's Case.Reported v1 (the first release) read by today's code.

The first release (commit 43eca76) stored a case report as community_id,
category and description only, with no `class_version`. Version 2 adds channel,
grid cell, structured location, reporter contact, attributes and deadline;
`Case.Reported.upcast_v1_v2` fills them in on read. The v1 records below are
byte-for-byte what that release's mapper wrote (JSON transcoder, no class_version).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import jsonschema
import pytest
from eventsourcing.persistence import StoredEvent

from services.grid.application import GridApplication
from services.grid.commands import ReopenCase, ReportCase, ResolveCase
from services.grid.contract import contract
from services.grid.domain import Case, CaseStatus
from shared.kernel.actor import ALL_COMMUNITIES, pseudonym
from shared.kernel.actor import Actor
from shared.platform.envelope import Envelope
from shared.platform.relay import Relay

ACTOR = Actor(subject="staff-1", role="community_staff", pseudonym=pseudonym("staff-1"), communities=(ALL_COMMUNITIES,))
OLD_ACTOR = {"subject": "staff-0", "role": "community_staff", "pseudonym": pseudonym("staff-0"),
             "communities": ["jinpen"], "correlation_id": None}


def _stored(case_id: uuid.UUID, version: int, topic: str, state: dict[str, Any]) -> StoredEvent:
    return StoredEvent(originator_id=case_id, originator_version=version, topic=topic,
                       state=json.dumps(state, separators=(",", ":")).encode())


def v1_reported(case_id: uuid.UUID) -> StoredEvent:
    """Case.Reported as the first release stored it."""
    return _stored(case_id, 1, "services.grid.domain:Case.Reported", {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-01T08:30:00+00:00"},
        "originator_topic": "services.grid.domain:Case",
        "community_id": "jinpen",
        "actor": OLD_ACTOR,
        "category": "drainage",
        "description": "manhole cover missing on Hexi Road",
    })


def v1_resolved(case_id: uuid.UUID) -> StoredEvent:
    """Case.Resolved as the first release stored it (no category / grid cell context yet)."""
    return _stored(case_id, 2, "services.grid.domain:Case.Resolved", {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-02T10:00:00+00:00"},
        "community_id": "jinpen",
        "actor": OLD_ACTOR,
        "outcome": "cover replaced",
    })


@pytest.fixture
def app(settings):
    application = GridApplication(env=settings.event_store_env("grid"))
    yield application
    application.close()


def test_stored_event_versions_are_declared():
    assert Case.Reported.class_version == 2
    assert not hasattr(Case.Reported, "upcast_v2_v3")


def test_a_v1_case_is_read_through_the_repository_and_the_application(app):
    case_id = uuid.uuid4()
    app.recorder.insert_events([v1_reported(case_id), v1_resolved(case_id)])

    case: Case = app.repository.get(case_id)
    assert (case.category, case.description, case.community_id) == (
        "drainage", "manhole cover missing on Hexi Road", "jinpen")
    assert case.channel == "resident"
    assert (case.grid_cell_id, case.location, case.reporter_contact, case.deadline) == (None, None, None, None)
    assert case.attributes == {}
    assert case.status == CaseStatus.RESOLVED and case.outcome == "cover replaced"
    assert case.version == 2

    view = app.case(ACTOR, str(case_id))
    assert view["channel"] == "resident" and view["status"] == "resolved"
    assert view["reported_at"] == "2026-11-01T08:30:00+00:00"


def test_the_upcast_event_has_the_v2_shape(app):
    case_id = uuid.uuid4()
    app.recorder.insert_events([v1_reported(case_id)])
    (stored,) = app.recorder.select_events(case_id)
    event = app.mapper.to_domain_event(stored)
    assert type(event) is Case.Reported
    assert {k: v for k, v in vars(event).items() if k in (
        "channel", "grid_cell_id", "location", "reporter_contact", "attributes", "deadline")} == {
        "channel": "resident", "grid_cell_id": None, "location": None, "reporter_contact": None,
        "attributes": {}, "deadline": None}
    assert "class_version" not in vars(event)


def test_a_v1_case_keeps_working_and_history_is_never_rewritten(app):
    case_id = uuid.uuid4()
    app.recorder.insert_events([v1_reported(case_id), v1_resolved(case_id)])
    app.reopen_case(ACTOR, case_id, ReopenCase(reason="cover stolen again"))
    app.resolve_case(ACTOR, case_id, ResolveCase(outcome="cover welded"))

    case: Case = app.repository.get(case_id)
    assert case.status == CaseStatus.RESOLVED and case.version == 4
    assert case.deadline is not None  # the reopen set one, under today's rules
    stored = app.recorder.select_events(case_id)
    assert stored[0].state == v1_reported(case_id).state  # upcasting happens on read only
    assert b"class_version" not in stored[1].state  # Resolved has no versions (still v1)


def test_events_stored_between_releases_without_class_version_are_untouched(app):
    """Stored by the second release: every v2 field, but no class_version (read as v1)."""
    case_id = uuid.uuid4()
    state = json.loads(v1_reported(case_id).state)
    state.update(channel="hotline", grid_cell_id=None, location={"lat": 26.4, "long": 112.8, "address": None},
                 reporter_contact={"phone": "13800000000"}, attributes={"hazard_kind": "structural"},
                 deadline={"_type_": "datetime_iso", "_data_": "2026-11-03T08:30:00+00:00"})
    app.recorder.insert_events([_stored(case_id, 1, "services.grid.domain:Case.Reported", state)])
    case: Case = app.repository.get(case_id)
    assert case.channel == "hotline"
    assert case.location == {"lat": 26.4, "long": 112.8, "address": None}
    assert case.attributes == {"hazard_kind": "structural"}
    assert case.deadline.isoformat() == "2026-11-03T08:30:00+00:00"


def test_new_reports_are_stored_as_v2(app):
    case_id = app.report_case(ACTOR, ReportCase(community_id="jinpen", category="noise", description="loud"))
    (stored,) = app.recorder.select_events(case_id)
    assert json.loads(stored.state)["class_version"] == 2
    assert app.repository.get(case_id).channel == "resident"


def test_a_v1_case_is_published_through_the_public_mapping(app):
    case_id = uuid.uuid4()
    app.recorder.insert_events([v1_reported(case_id), v1_resolved(case_id)])
    relay = Relay(app, contract, "shequ.grid.v1", "unused:9092")
    envelopes = [Envelope.from_bytes(relay._checked(n).value)
                 for n in app.recorder.select_notifications(start=1, limit=10)]
    reported, resolved = envelopes
    assert reported.type == "shequ.grid.CaseReported.v1" and reported.subject == str(case_id)
    assert reported.data == {"case_id": str(case_id), "category": "drainage",
                             "description": "manhole cover missing on Hexi Road", "channel": "resident",
                             "grid_cell_id": None, "deadline": None}
    assert reported.actorid == pseudonym("staff-0")
    assert resolved.type == "shequ.grid.CaseResolved.v1"
    assert resolved.data == {"case_id": str(case_id), "category": None, "grid_cell_id": None,
                             "outcome": "cover replaced"}
    from bootstrap.contract import EVENTS_DIR

    for envelope in envelopes:
        schema = json.loads((EVENTS_DIR / f"{envelope.type}.json").read_text())
        jsonschema.Draft202012Validator(schema).validate(envelope.data)
