"""The grid <-> volunteering saga, end to end on the real broker: the two services cooperate through Kafka only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from services.grid.commands import RegisterCommunity, ReopenCase, ReportCase, ResolveCase
from services.grid.config import SERVICE as GRID
from services.grid.domain import Case
from services.volunteering.commands import FulfilHelpRequest, MatchHelpRequest, Reason, RegisterVolunteer
from services.volunteering.config import SERVICE as VOLUNTEERING
from services.volunteering.domain import help_request_id_for_grid_case
from shared.kernel.actor import pseudonym
from shared.kernel.actor import Actor
from shared.kernel.errors import NotFound
from bootstrap.runtime import BackgroundWorkers, RunningService, build_reactions, build_service, build_verifier
from shared.kernel.directory import KnownCommunity
from tests.conftest import TEST_COMMUNITIES, teach_directory
from tests.kafka_helpers import read_topic, send_raw, wait_for

COMMUNITY = "jinpen"
STAFF = Actor(subject="staff-1", role="community_staff", pseudonym=pseudonym("staff-1"), communities=(COMMUNITY,))
SLOW = 90.0  # a consumer group (re)join on Tansu takes a few seconds


class Saga:
    """Grid and volunteering, each with its relay and its reaction consumer, as separately stoppable workers."""

    def __init__(self, settings, bootstrap: str) -> None:
        self.settings, self.bootstrap = settings, bootstrap
        verifier = build_verifier(settings)
        self.grid: RunningService = build_service(GRID, settings, bootstrap, verifier)
        self.vol: RunningService = build_service(VOLUNTEERING, settings, bootstrap, verifier)
        self.relays = BackgroundWorkers()
        self.consumers: dict[str, BackgroundWorkers] = {}

    def start(self) -> Saga:
        # As in production: the community is registered in grid, and volunteering learns it over Kafka.
        admin = Actor(subject="admin", role="admin", pseudonym=pseudonym("admin"))
        self.grid.application.register_community(admin, RegisterCommunity(
            id=COMMUNITY, name="金盆社区", district="耒阳市", households=8325, residents=35353, floating_population=2200))
        for running in (self.grid, self.vol):
            self.relays.start(f"relay-{running.definition.name}", running.relay.run)
            self.start_consumer(running)
        known = KnownCommunity.create_id(COMMUNITY)
        wait_for(lambda: known in self.vol.application.repository, timeout=SLOW)
        return self

    def start_consumer(self, running: RunningService) -> None:
        workers = BackgroundWorkers()
        workers.start(f"reactions-{running.definition.name}", running.reactions.run)
        self.consumers[running.definition.name] = workers

    def restart_consumer(self, running: RunningService, *, between=lambda: None) -> None:  # noqa: ANN001
        """Stop the reaction consumer, run `between`, start a new one (new process: empty seen-store)."""
        self.consumers.pop(running.definition.name).stop()
        between()
        running.reactions = build_reactions(running.definition, running.application, self.settings, self.bootstrap)
        self.start_consumer(running)

    def stop(self) -> None:
        for workers in self.consumers.values():
            workers.stop()
        self.relays.stop()
        for running in (self.grid, self.vol):
            running.application.close()

    # -- the story ------------------------------------------------------------

    @property
    def grid_app(self):  # noqa: ANN201
        return self.grid.application

    @property
    def vol_app(self):  # noqa: ANN201
        return self.vol.application

    def report(self, category: str = "elderly_assistance") -> str:
        return str(self.grid_app.report_case(STAFF, ReportCase(
            community_id=COMMUNITY, category=category, description="Mrs Li needs her shopping carried upstairs")))

    def help_request(self, case_id: str, timeout: float = SLOW) -> dict:
        def found():  # noqa: ANN202
            try:
                return self.vol_app.help_request(STAFF, help_request_id_for_grid_case(case_id))
            except NotFound:
                return None

        return wait_for(found, timeout=timeout)

    def volunteer(self) -> uuid.UUID:
        return self.vol_app.register_volunteer(STAFF, RegisterVolunteer(
            community_id=COMMUNITY, name="Wang", phone="13800000000", skills=["errands"]))

    def fulfil(self, request_id: str, outcome: str = "shopping carried up; Mrs Li is fine") -> None:
        self.vol_app.match_help_request(STAFF, request_id, MatchHelpRequest(volunteer_id=str(self.volunteer())))
        self.vol_app.fulfil_help_request(STAFF, request_id, FulfilHelpRequest(hours=1.5, outcome=outcome))

    def case_when(self, case_id: str, predicate, timeout: float = SLOW) -> dict:  # noqa: ANN001
        return wait_for(lambda: (c := self.grid_app.case(STAFF, case_id)) and predicate(c) and c, timeout=timeout)

    def history_types(self, case_id: str) -> list[str]:
        return [entry["type"] for entry in self.grid_app.case_history(STAFF, case_id)]

    def help_requests_for(self, case_id: str) -> int:
        return sum(1 for rid in self.vol_app._help_request_ids()
                   if self.vol_app.help_request(STAFF, rid)["grid_case_id"] == case_id)

    def redeliver_everything(self) -> None:
        """Re-send every message of both topics (duplicated deliveries)."""
        for service in ("grid", "volunteering"):
            topic = self.settings.topic_for(service)
            messages = read_topic(self.bootstrap, topic, expect=1)
            send_raw(self.bootstrap, topic, [(m.key, m.value) for m in messages])

    def drained(self, running: RunningService) -> None:
        """Wait until the reaction consumer's group has committed every message of the topics it reads."""
        consumer = running.reactions
        for topic in consumer.topics:
            total = len(read_topic(self.bootstrap, topic, expect=1, timeout=5))
            wait_for(lambda t=topic, n=total: committed(self.bootstrap, consumer.group_id, t) >= n, timeout=SLOW)


def committed(bootstrap: str, group: str, topic: str) -> int:
    """Messages of a topic a group has committed (sum of committed offsets over partitions)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return sum(consumer.committed(TopicPartition(topic, p)) or 0 for p in consumer.partitions_for_topic(topic) or ())
    finally:
        consumer.close()


@pytest.fixture
def saga(settings, fresh_broker) -> Iterator[Saga]:
    running = Saga(settings, fresh_broker.bootstrap_servers).start()
    yield running
    running.stop()


OUTCOME = "shopping carried up; Mrs Li is fine"


def test_a_volunteer_suitable_case_is_resolved_by_a_volunteer(saga):
    case_id = saga.report("elderly_assistance")
    request = saga.help_request(case_id)
    assert request["community_id"] == COMMUNITY and request["urgency"] == "high"
    assert request["status"] == "received"
    saga.fulfil(request["id"], OUTCOME)
    case = saga.case_when(case_id, lambda c: c["status"] == "resolved")
    assert case["outcome"] == OUTCOME
    assert [n["reference"] for n in case["notes"]] == [f"volunteering/help-request/{request['id']}/fulfilled"]
    # The saga's changes say who made them: a system actor, not a person.
    last = saga.grid_app.case_history(STAFF, case_id)[-1]
    assert last["actor_role"] == "system" and last["actor_id"] == pseudonym("saga:volunteer-help")


def test_a_declined_help_request_leaves_the_case_open_with_a_note(saga):
    case_id = saga.report("sanitation")
    request = saga.help_request(case_id)
    saga.vol_app.decline_help_request(STAFF, request["id"], Reason(reason="needs a professional cleaner"))
    case = saga.case_when(case_id, lambda c: c["notes"])
    assert case["status"] == "reported" and case["outcome"] is None
    assert "declined: needs a professional cleaner" in case["notes"][0]["notes"]
    assert saga.history_types(case_id) == ["Reported", "NoteAdded"]


def test_other_categories_do_not_become_help_requests(saga):
    noise = saga.report("noise")
    suitable = saga.report("elderly_assistance")
    saga.help_request(suitable)  # the later case came through, so the earlier one was seen
    saga.drained(saga.vol)
    with pytest.raises(NotFound):
        saga.vol_app.help_request(STAFF, help_request_id_for_grid_case(noise))


def test_duplicates_and_a_restart_in_the_middle_give_the_same_outcome(saga):
    case_id = saga.report("elderly_assistance")
    declined_case = saga.report("elderly_assistance")
    request = saga.help_request(case_id)
    other = saga.help_request(declined_case)

    def while_grid_consumer_is_down() -> None:
        saga.fulfil(request["id"], OUTCOME)
        saga.vol_app.decline_help_request(STAFF, other["id"], Reason(reason="nobody free"))
        saga.redeliver_everything()

    # The grid consumer goes down in the middle, volunteering moves on, everything is delivered twice.
    saga.restart_consumer(saga.grid, between=while_grid_consumer_is_down)
    case = saga.case_when(case_id, lambda c: c["status"] == "resolved")
    saga.case_when(declined_case, lambda c: c["notes"])
    # And once more: volunteering's consumer restarts (forgetting what it saw) and everything is redelivered.
    saga.restart_consumer(saga.vol, between=saga.redeliver_everything)
    saga.drained(saga.vol)
    saga.drained(saga.grid)

    assert case["outcome"] == OUTCOME
    assert saga.history_types(case_id) == ["Reported", "Resolved", "NoteAdded"]
    assert saga.history_types(declined_case) == ["Reported", "NoteAdded"]
    assert saga.grid_app.case(STAFF, declined_case)["status"] == "reported"
    assert saga.help_requests_for(case_id) == 1 and saga.help_requests_for(declined_case) == 1
    vol_history = [e.originator_version for e in saga.vol_app.repository.event_store.get(uuid.UUID(request["id"]))]
    assert vol_history == [1, 2, 3]  # received, matched, fulfilled: nothing twice
    assert saga.vol.reactions.totals.dead_lettered == 0 and saga.grid.reactions.totals.dead_lettered == 0


def test_a_resolved_case_is_not_resolved_again_after_staff_reopen_it(saga):
    case_id = saga.report("elderly_assistance")
    request = saga.help_request(case_id)
    saga.fulfil(request["id"], OUTCOME)
    saga.case_when(case_id, lambda c: c["status"] == "resolved")
    saga.grid_app.reopen_case(STAFF, case_id, ReopenCase(reason="Mrs Li called again"))
    saga.restart_consumer(saga.grid, between=saga.redeliver_everything)
    saga.drained(saga.grid)
    assert saga.grid_app.case(STAFF, case_id)["status"] == "reopened"


def test_fulfilment_before_the_case_exists_is_retried_not_dropped(saga):
    """Out of order across topics: volunteering knows the case before grid's store does (e.g. after a restore)."""
    case = Case.report(community_id=COMMUNITY, category="elderly_assistance", description="early")
    case_id = str(case.id)
    from datetime import timedelta

    from shared.kernel import clock

    request_id = saga.vol_app.receive_help_request_from_grid_case(
        STAFF, COMMUNITY, case_id, "early", "high", clock.now() + timedelta(hours=4))
    saga.fulfil(str(request_id), OUTCOME)
    wait_for(lambda: saga.grid.reactions.totals.retried >= 2, timeout=SLOW)
    with pytest.raises(NotFound):
        saga.grid_app.case(STAFF, case_id)
    saga.grid_app.save(case, actor=STAFF)  # the case arrives in grid's store
    resolved = saga.case_when(case_id, lambda c: c["status"] == "resolved")
    assert resolved["outcome"] == OUTCOME
    assert saga.grid.reactions.totals.dead_lettered == 0
    # Its CaseReported reaches volunteering too, which already has the help request: nothing new.
    saga.drained(saga.vol)
    assert saga.help_requests_for(case_id) == 1




def test_a_case_settled_by_staff_withdraws_its_help_request_even_on_replay(settings):
    """Replaying history (a new broker) must not leave help requests open for cases staff already closed."""
    from services.grid.application import GridApplication
    from services.grid.contract import contract as grid_contract
    from services.volunteering.application import VolunteeringApplication, help_request_id_for_grid_case
    from services.volunteering.reactions import reactions as volunteering_reactions
    from shared.kernel.actor import pseudonym
    from shared.kernel.actor import Actor

    staff = Actor(subject="staff", role="community_staff", pseudonym=pseudonym("staff"), communities=("jinpen",))
    grid = GridApplication(env=settings.event_store_env("grid"))
    volunteering = VolunteeringApplication(env=settings.event_store_env("volunteering"))
    teach_directory(volunteering)
    case_id = grid.report_case(staff, ReportCase(community_id="jinpen", category="elderly_assistance", description="shopping"))
    grid.resolve_case(staff, case_id, ResolveCase(outcome="neighbour helped"))
    handlers = {public: handle for _, public, handle in volunteering_reactions(volunteering)}
    history = [grid_contract.to_envelope(grid.mapper.to_domain_event(n))
               for n in grid.recorder.select_notifications(1, 100)]
    for _ in range(2):  # replayed twice: still one request, withdrawn once
        for envelope in history:
            event = grid_contract.events.decode(envelope)
            handler = handlers.get(type(event))
            if handler:
                handler(envelope, event)
    request = volunteering.help_request(STAFF, help_request_id_for_grid_case(str(case_id)))
    assert request["status"] == "declined"
    assert len(volunteering.repository.get(help_request_id_for_grid_case(str(case_id))).collect_events()) == 0
    learned = len(TEST_COMMUNITIES)
    assert volunteering.recorder.max_notification_id() == learned + 2  # received, declined: nothing more
