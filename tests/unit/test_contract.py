"""The public event contract: catalogue up to date, compatibility gate, AsyncAPI 3.0, validation at the relay."""

from __future__ import annotations

import ast
import copy
import importlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from services.grid.application import GridApplication
from services.grid.commands import (
    AssignCase, AssignWorker, CloseCase, CompleteInspection, DrawCell, EscalateCase, OpenMediation, RegisterCommunity,
    RejectCase, ReopenCase, ReportCase, ResolveCase, SettleMediation, UpdateCommunity,
)
from services.grid.contract import contract as grid_contract
from services.grid.domain import Case, Mediation
from services.grid.events import CaseReported
from bootstrap.registry import domain_services
from bootstrap import contract as contract_files
from shared.platform import catalogue, metrics
from shared.kernel.actor import ALL_COMMUNITIES, pseudonym
from shared.platform.compat import compare_catalogues, compare_schemas, load_schemas, retired_types
from shared.platform.envelope import Envelope, EventContract, PublicEventSet
from shared.kernel.actor import Actor
from shared.platform.relay import ContractViolation, Relay
from shared.platform.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "docs" / "events"
ASYNCAPI_SCHEMA = ROOT / "tests" / "schemas" / "asyncapi-3.0.0.json"
CASE_REPORTED = "shequ.grid.CaseReported.v1"
ACTOR = Actor(subject="staff-1", role="community_staff", pseudonym=pseudonym("staff-1"), correlation_id="c-1",
              communities=(ALL_COMMUNITIES,))


@pytest.fixture(scope="module")
def committed() -> dict[str, dict[str, Any]]:
    return load_schemas(EVENTS)


def _registry(schemas: dict[str, dict[str, Any]]) -> Registry:
    return Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012)) for s in schemas.values()
    )


def validate_envelope(raw: bytes, schemas: dict[str, dict[str, Any]]) -> None:
    """What a consumer in any language can do with the committed files alone."""
    payload = json.loads(raw)
    registry = _registry(schemas)
    jsonschema.Draft202012Validator(schemas["envelope"], registry=registry).validate(payload)
    jsonschema.Draft202012Validator(schemas[payload["type"]], registry=registry).validate(payload["data"])


# -- 1. the catalogue -----------------------------------------------------------------


def test_committed_catalogue_is_what_the_models_generate():
    """CI's check: `make contract` on a clean checkout gives no diff."""
    problems = contract_files.out_of_date()
    assert not problems, "run `make contract` and commit:\n" + "\n".join(problems)


def test_generation_is_deterministic():
    assert contract_files.render() == contract_files.render()


def test_every_public_event_type_has_a_2020_12_schema(committed):
    types = {t for d in domain_services() for t in d.contract.events.public_types}
    assert types <= set(committed)
    for name in types:
        schema = committed[name]
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://shequ.example/events/{name}.json"
        assert schema["title"] == name and schema["description"]
    assert committed[CASE_REPORTED]["description"] == "A resident report or service request was recorded."
    jsonschema.Draft202012Validator.check_schema(committed["envelope"])


def test_topics_match_the_runtime_settings():
    settings = Settings()
    for definition in domain_services():
        assert catalogue.topic_for(definition.name) == settings.topic_for(definition.name)
    assert catalogue.DEAD_LETTER_TOPIC == settings.dead_letter_topic


def test_check_cli_reports_a_stale_file(tmp_path, capsys):
    files = contract_files.render()
    for relative, content in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(content)
    assert contract_files.out_of_date(tmp_path, files) == []
    stale = tmp_path / "docs/events" / f"{CASE_REPORTED}.json"
    stale.write_text(stale.read_text().replace("Resolve by", "Resolve before"))
    (tmp_path / "docs/events/shequ.grid.Gone.v1.json").write_text("{}")
    problems = contract_files.out_of_date(tmp_path, files)
    assert any(p.startswith(f"out of date: docs/events/{CASE_REPORTED}.json") and "Resolve before" in p
               for p in problems)
    assert any("not generated any more: docs/events/shequ.grid.Gone.v1.json" in p for p in problems)


def test_each_service_serves_its_catalogue(service_client):
    for definition in domain_services():
        client = service_client(definition)
        response = client.get("/events/catalogue")  # public documentation: no token
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["topic"] == f"shequ.{definition.name}.v1"
        assert body["envelope"]["$id"] == "https://shequ.example/events/envelope.json"
        assert {e["type"] for e in body["events"]} == set(definition.contract.events.public_types)
        for event in body["events"]:
            assert event["schema"] == json.loads((EVENTS / f"{event['type']}.json").read_text())


# -- 2. AsyncAPI 3.0 ---------------------------------------------------------------------


def test_asyncapi_document_validates_against_the_asyncapi_3_0_schema():
    document = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text())
    meta_schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(meta_schema).iter_errors(document), key=lambda e: e.json_path)
    assert not errors, "\n".join(f"{e.json_path}: {e.message[:300]}" for e in errors[:10])
    assert document["asyncapi"] == "3.0.0"


def test_asyncapi_document_describes_every_topic_key_and_message():
    document = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text())
    channels = document["channels"]
    assert channels["deadLetter"]["address"] == "shequ.district.dlq"
    for definition in domain_services():
        channel = channels[definition.name]
        assert channel["address"] == f"shequ.{definition.name}.v1"
        for type_name in definition.contract.events.public_types:
            message_id = type_name.removeprefix("shequ.")
            assert channel["messages"][message_id] == {"$ref": f"#/components/messages/{message_id}"}
            message = document["components"]["messages"][message_id]
            assert message["bindings"]["kafka"]["key"]["type"] == "string"
            payload = document["components"]["schemas"][type_name]
            data_ref = payload["allOf"][1]["properties"]["data"]["$ref"]
            assert (ROOT / "docs" / data_ref).exists()
    assert document["components"]["schemas"]["CloudEvent"] == {"$ref": "./events/envelope.json"}


def test_asyncapi_meta_schema_rejects_a_broken_document():
    """The validation above is not vacuous."""
    document = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text())
    document["channels"]["grid"]["address"] = 42
    del document["info"]["version"]
    meta_schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    assert not jsonschema.Draft7Validator(meta_schema).is_valid(document)


# -- 3. the compatibility gate ------------------------------------------------------------


def test_current_schemas_are_compatible_with_the_committed_baseline(committed):
    changes = compare_catalogues(committed, contract_files.generated_schemas(), retired_types(EVENTS / "RETIRED.md"))
    assert not changes, "\n".join(map(str, changes))


def _case_reported(committed) -> dict[str, Any]:
    return copy.deepcopy(committed[CASE_REPORTED])


def test_gate_fails_on_a_removed_field(committed):
    new = _case_reported(committed)
    del new["properties"]["grid_cell_id"]
    assert [str(c) for c in compare_schemas(CASE_REPORTED, committed[CASE_REPORTED], new)] == [
        f"{CASE_REPORTED}:grid_cell_id: property removed"]


def test_gate_fails_on_a_new_required_field(committed):
    new = _case_reported(committed)
    new["properties"]["ward"] = {"type": "string"}
    new["required"].append("ward")
    new["required"].append("channel")  # and an optional one made required
    reasons = {c.path: c.reason for c in compare_schemas(CASE_REPORTED, committed[CASE_REPORTED], new)}
    assert reasons == {"ward": "new required property", "channel": "optional property made required"}


def test_gate_fails_on_a_narrowed_enum(committed):
    new = _case_reported(committed)
    new["$defs"]["CaseCategory"]["enum"].remove("drainage")
    changes = compare_schemas(CASE_REPORTED, committed[CASE_REPORTED], new)
    assert [(c.path, c.reason) for c in changes] == [("category", 'enum narrowed: "drainage" removed')]


def test_gate_fails_on_a_retyped_field_and_a_narrowed_constraint(committed):
    new = _case_reported(committed)
    new["properties"]["deadline"] = {"type": "integer"}  # date-time|null -> integer
    new["properties"]["description"]["maxLength"] = 500
    new["properties"]["channel"] = {"type": "string"}  # null no longer allowed
    reasons = {c.path: c.reason for c in compare_schemas(CASE_REPORTED, committed[CASE_REPORTED], new)}
    assert reasons["deadline"] == "type changed from null|string to integer"
    assert reasons["description"] == "maxLength narrowed from 2000 to 500"
    assert reasons["channel"] == "type changed from null|string to string"


def test_gate_passes_an_additive_optional_field_and_a_widened_enum(committed):
    new = _case_reported(committed)
    new["properties"]["ward"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    new["$defs"]["CaseCategory"]["enum"].append("graffiti")
    new["properties"]["description"]["maxLength"] = 4000
    assert compare_schemas(CASE_REPORTED, committed[CASE_REPORTED], new) == []


def test_gate_on_a_real_model_change(committed):
    """The same, from models: an additive field passes; a retype fails unless the version is bumped."""

    # A model standing for a changed CaseReported says so: a subclass is otherwise a new event type.
    class Additive(CaseReported):
        event_name = "CaseReported"
        ward: str | None = None

    class Retyped(CaseReported):
        event_name = "CaseReported"
        grid_cell_id: int  # was str | None

    class RetypedV2(Retyped):
        event_name = "CaseReported"
        version = 2

    def current(public: type) -> dict[str, dict[str, Any]]:
        trial = PublicEventSet("grid", [public])
        return {**committed, **catalogue.contract_schemas(trial)}

    assert compare_catalogues(committed, current(Additive)) == []
    broken = compare_catalogues(committed, current(Retyped))
    assert {(c.schema, c.path, c.reason) for c in broken} == {
        (CASE_REPORTED, "grid_cell_id", "type changed from null|string to integer"),
        (CASE_REPORTED, "grid_cell_id", "optional property made required")}
    bumped = current(RetypedV2)  # v1 unchanged (still published), v2 is a new type
    assert "shequ.grid.CaseReported.v2" in bumped
    assert compare_catalogues(committed, bumped) == []


def test_gate_fails_on_a_removed_event_type_unless_retired(committed, tmp_path):
    current = dict(contract_files.generated_schemas())
    del current[CASE_REPORTED]
    assert [str(c) for c in compare_catalogues(committed, current)] == [
        f"{CASE_REPORTED}: event type removed without being retired (list it in docs/events/RETIRED.md with a date)"]
    retired = tmp_path / "RETIRED.md"
    retired.write_text(f"| `{CASE_REPORTED}` | 2027-01-31 | replaced by `shequ.grid.CaseReported.v2` |\n")
    assert retired_types(retired) == {CASE_REPORTED: "2027-01-31"}
    assert compare_catalogues(committed, current, retired_types(retired)) == []


def test_write_refuses_to_overwrite_the_baseline_with_a_breaking_change(tmp_path, monkeypatch, committed):
    (tmp_path / "docs/events").mkdir(parents=True)
    baseline = _case_reported(committed)
    baseline["properties"]["legacy"] = {"type": "string"}  # the models no longer have it
    (tmp_path / "docs/events" / f"{CASE_REPORTED}.json").write_text(json.dumps(baseline))
    with pytest.raises(contract_files.BreakingChange, match="legacy: property removed"):
        contract_files.write(tmp_path)
    assert not (tmp_path / "docs/asyncapi.yaml").exists()


# -- 4. every envelope a contract produces validates against the committed schemas --------------


def _grid_history(app: GridApplication) -> None:
    app.register_community(ACTOR, RegisterCommunity(id="jinpen", name="Jinpen", district="Leiyang", households=10,
                                                    residents=30, floating_population=2))
    app.update_community(ACTOR, "jinpen", UpdateCommunity(households=11))
    cell = str(app.draw_cell(ACTOR, DrawCell(community_id="jinpen", name="A1", households=5)))
    app.assign_worker(ACTOR, cell, AssignWorker(worker_id="w-1"))
    app.unassign_worker(ACTOR, cell, "w-1")
    first = str(app.report_case(ACTOR, ReportCase(
        community_id="jinpen", category="noise", description="loud", channel="hotline", grid_cell_id=cell,
        location={"lat": 26.4, "long": 112.8}, reporter_contact={"phone": "138"}, attributes={"time_of_day": "night"})))
    app.accept_case(ACTOR, first)
    app.assign_case(ACTOR, first, AssignCase(worker_id="w-1"))
    app.escalate_case(ACTOR, first, EscalateCase(level="street", reason="big"))
    app.resolve_case(ACTOR, first, ResolveCase(outcome="quiet"))
    app.close_case(ACTOR, first, CloseCase(satisfaction=4))
    app.reopen_case(ACTOR, first, ReopenCase(reason="loud again"))
    second = str(app.report_case(ACTOR, ReportCase(community_id="jinpen", category="drainage", description="flood")))
    app.reject_case(ACTOR, second, RejectCase(reason="duplicate", duplicate_of=first))
    mediation = str(app.open_mediation(ACTOR, OpenMediation(community_id="jinpen", case_id=first,
                                                            dispute_type="neighbour", parties=2, summary="noise")))
    app.settle_mediation(ACTOR, mediation, SettleMediation(agreement="quiet hours"))
    app.complete_inspection(ACTOR, CompleteInspection(
        community_id="jinpen", inspection_type="fire_safety", site="market", grid_cell_id=cell,
        hazards=[{"description": "blocked exit", "attributes": {"hazard_kind": "fire"}}], open_cases=True))


def test_every_grid_envelope_validates_against_the_committed_schemas(settings, committed):
    app = GridApplication(env=settings.event_store_env("grid"))
    try:
        _grid_history(app)
        relay = Relay(app, grid_contract, "shequ.grid.v1", "unused:9092")
        types = set()
        for notification in app.recorder.select_notifications(start=1, limit=1000):
            checked = relay._checked(notification)  # the relay's own check passes
            if checked is not None:
                validate_envelope(checked.value, committed)  # the exact bytes the relay sends
                # the relay's bytes are the envelope's, made without building one
                envelope = grid_contract.to_envelope(app.mapper.to_domain_event(notification))
                assert checked.value == envelope.to_bytes()
                assert (checked.subject, checked.type, checked.id) == (envelope.subject, envelope.type, envelope.id)
                types.add(checked.type)
        assert {CASE_REPORTED, "shequ.grid.CaseReopened.v1", "shequ.grid.CaseRejected.v1",
                "shequ.grid.MediationOpened.v1", "shequ.grid.InspectionCompleted.v1"} <= types
        assert len(types) >= 15
    finally:
        app.close()


def test_schemas_reject_what_the_models_reject(committed):
    good = {"case_id": "c", "category": "noise", "description": "loud"}
    schema = committed[CASE_REPORTED]
    assert jsonschema.Draft202012Validator(schema).is_valid(good)
    for bad in ({**good, "category": "graffiti"}, {**good, "reporter_contact": "138"}, {"case_id": "c"},
                {**good, "description": "x" * 2001}):
        assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


# -- 5. validation at the relay ----------------------------------------------------------------


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    def send(self, topic: str, *, key: bytes, value: bytes, headers: list) -> Any:
        self.sent.append((topic, key, value))

        class Acked:
            def get(self, timeout: float) -> None:
                return None

        return Acked()

    def flush(self, timeout: float) -> None:
        pass

    def close(self, timeout: float = 0) -> None:
        pass


def _offline_relay(app: GridApplication, contract: EventContract) -> tuple[Relay, FakeProducer]:
    producer = FakeProducer()
    relay = Relay(app, contract, "shequ.grid.v1", "unused:9092", producer_factory=lambda: producer)
    relay._connect = lambda: "test-cluster"  # type: ignore[method-assign]  # no broker: the check is offline
    relay._producer = producer  # type: ignore[assignment]
    return relay, producer


def _garbage_contract() -> EventContract:
    """The grid contract with a buggy Case.Reported converter (bypasses the model's validation)."""
    buggy = EventContract(PublicEventSet("grid", [CaseReported]))
    buggy.publishes(Case.Reported, CaseReported)(
        lambda e: CaseReported.model_construct(case_id=str(e.originator_id), category="graffiti",
                                               description=e.description))
    buggy.withholds(Case.Resolved)
    return buggy


def _violations() -> float:
    return metrics.RELAY_CONTRACT_VIOLATIONS.labels("grid")._value.get()


def test_relay_publishes_valid_envelopes(settings, committed):
    app = GridApplication(env=settings.event_store_env("grid"))
    try:
        app.report_case(ACTOR, ReportCase(community_id="jinpen", category="noise", description="loud"))
        relay, producer = _offline_relay(app, grid_contract)
        assert relay.publish_batch() == 1
        (topic, key, value), = producer.sent
        validate_envelope(value, committed)
        assert Envelope.from_bytes(value).type == CASE_REPORTED
    finally:
        app.close()


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
def test_relay_stops_loudly_on_a_contract_violation_and_publishes_nothing(settings, caplog):
    app = GridApplication(env=settings.event_store_env("grid"))
    try:
        good = app.report_case(ACTOR, ReportCase(community_id="jinpen", category="noise", description="fine"))
        app.resolve_case(ACTOR, good, ResolveCase(outcome="done"))
        relay, producer = _offline_relay(app, _garbage_contract())
        before = _violations()
        stop = threading.Event()
        with caplog.at_level(logging.ERROR, logger="shequ.relay"), pytest.raises(ContractViolation) as raised:
            relay.run(stop)  # the loop does not retry: it raises out (BackgroundWorkers logs the crash)
        assert "Case.Reported" in str(raised.value) and "category" in str(raised.value)
        assert raised.value.position == 1
        assert producer.sent == []  # nothing of the batch was published
        assert relay.position("test-cluster") == 0  # and the position did not move
        assert _violations() == before + 1
        assert any(r.levelno == logging.ERROR and "violates the public contract" in r.getMessage()
                   for r in caplog.records)
    finally:
        app.close()


def test_relay_treats_a_converter_that_cannot_build_its_model_as_a_violation(settings):
    app = GridApplication(env=settings.event_store_env("grid"))
    try:
        app.report_case(ACTOR, ReportCase(community_id="jinpen", category="noise", description="fine"))
        buggy = EventContract(PublicEventSet("grid", [CaseReported]))
        buggy.publishes(Case.Reported, CaseReported)(
            lambda e: CaseReported(case_id=str(e.originator_id), category=e.category, description="x" * 2001))
        relay, producer = _offline_relay(app, buggy)
        with pytest.raises(ContractViolation, match="description"):
            relay.publish_batch()
        assert producer.sent == []
    finally:
        app.close()


# -- 5. public events a consumer imports without the producer's domain ----------------------------

PUBLIC_ENUMS = [("grid", "CaseCategory"), ("economy", "AssetType"), ("economy", "TerminationReason"),
                ("economy", "IncomeSource"), ("economy", "ExpenseCategory"), ("economy", "Sector"),
                ("economy", "CompanyKind"), ("economy", "FeeBasis"), ("volunteering", "TeamPurpose"),
                ("volunteering", "Urgency")]


@pytest.mark.parametrize(("service", "name"), PUBLIC_ENUMS)
def test_a_public_enum_has_the_domain_enum_values(service, name):
    public = getattr(importlib.import_module(f"services.{service}.events"), name)
    domain = getattr(importlib.import_module(f"services.{service}.domain"), name)
    assert public is not domain
    assert [m.value for m in public] == [m.value for m in domain]


def test_every_public_event_has_a_stored_event_mapped_to_it():
    for definition in domain_services():
        assert definition.contract.unpublished() == set(), definition.name


def test_a_contract_maps_only_onto_its_own_public_events():
    contract = EventContract(PublicEventSet("grid", [CaseReported]))
    with pytest.raises(ValueError, match="CaseResolvedForTest is not among the grid public events"):
        contract.publishes(Case.Resolved, CaseResolvedForTest)
    with pytest.raises(ValueError, match="has no field"):
        contract.copies(Case.Reported, CaseReported, id_field="cell_id")


class CaseResolvedForTest(CaseReported):
    event_name = "CaseResolved"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


SERVICES_DIR = ROOT / "services"


@pytest.mark.parametrize("service", ["grid", "economy", "welfare", "volunteering"])
def test_public_events_import_nothing_from_services(service):
    imported = _imported_modules(SERVICES_DIR / service / "events.py")
    assert not {m for m in imported if m.split(".")[0] == "services"}


def test_the_district_and_reactions_import_only_public_events_of_other_services():
    consumers = [*sorted((SERVICES_DIR / "district").rglob("*.py")), SERVICES_DIR / "directory.py",
                 SERVICES_DIR / "grid" / "reactions.py", SERVICES_DIR / "volunteering" / "reactions.py"]
    for path in consumers:
        own = path.relative_to(SERVICES_DIR).parts[0]
        for module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] == "services" and len(parts) > 1 and parts[1] not in (own, "directory"):
                allowed = module.endswith(".events") or module == "services.economy.arrears"
                assert allowed, f"{path.relative_to(SERVICES_DIR)} imports {module}"


def test_envelope_ids_are_the_uuid5_of_service_aggregate_and_version():
    import random
    import uuid

    from shared.platform.envelope import ENVELOPE_NAMESPACE, envelope_id

    rng = random.Random(18)
    for i in range(2000):
        service = rng.choice(["grid", "economy", "welfare", "volunteering"])
        aggregate = str(uuid.UUID(int=rng.getrandbits(128))) if i % 3 else f"社区-{i}"
        version = rng.randint(1, 10**9)
        expected = str(uuid.uuid5(ENVELOPE_NAMESPACE, f"{service}/{aggregate}/{version}"))
        assert envelope_id(service, aggregate, version) == expected
