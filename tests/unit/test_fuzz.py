"""Property-based fuzzing of every service's OpenAPI schema (schemathesis): no input gets a 5xx or crashes.

Each operation of each app (grid, economy, welfare, volunteering, district) gets
generated requests in three flavours: valid by the schema (positive), invalid by
the schema (negative), and valid with the path pointing at records that exist
(so bodies reach the domain rules rather than stopping at 404); then a stateful
run follows the links schemathesis infers between operations (an id a POST
creates, fed to the operations that take it). Requests carry a token holding
every role for every community, so they get past authentication and
authorisation. Deterministic (derandomized) and bounded by a fixed budget
(MAX_EXAMPLES per operation and flavour, STATEFUL_SCENARIOS x STATEFUL_STEPS per
service). Each service's run prints and records (test-artifacts/schemathesis-<service>.json)
the operations exercised, the examples and stateful steps sent and the server
errors (the target, asserted: 0).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, measured

# Not yet in pyproject's `test` extra: pin schemathesis==4.32.5 there (it brings hypothesis==6.170.15).
# In CI a missing schemathesis fails the run rather than skipping it.
schemathesis = __import__("schemathesis") if IN_CI else pytest.importorskip("schemathesis")
import hypothesis  # noqa: E402
from hypothesis import HealthCheck, Phase, strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from bootstrap.registry import domain_services  # noqa: E402
from shared.kernel.actor import Role
from shared.platform.auth import DevelopmentKeys
from bootstrap.runtime import build_district_http, build_service, build_verifier  # noqa: E402
from tests.api_world import seed  # noqa: E402
from tests.conftest import teach_directory  # noqa: E402
from shared.platform.settings import Settings  # noqa: E402

# The fixed budget of `make test`; SHEQU_FUZZ_EXAMPLES raises it for a longer hunt by hand.
EXAMPLES = int(os.environ.get("SHEQU_FUZZ_EXAMPLES", "6"))
MAX_EXAMPLES = {GenerationMode.POSITIVE: EXAMPLES, GenerationMode.NEGATIVE: EXAMPLES, "seeded": EXAMPLES}
STATEFUL_SCENARIOS, STATEFUL_STEPS = 15, 8  # the fixed budget of the stateful run, per service
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SERVICES = [d.name for d in domain_services()] + ["district"]


def fuzz_settings(max_examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples, derandomize=True, database=None, deadline=None, print_blob=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def app_for(read_settings, mongo_client, monkeypatch) -> Callable[[str], tuple[Any, dict[str, str]]]:
    monkeypatch.delenv("WELFARE_CIPHER_KEY", raising=False)
    settings = read_settings
    verifier = build_verifier(settings)
    token = DevelopmentKeys(settings.data_dir).mint("fuzzer", [r.value for r in Role], ["*"])
    headers = {"Authorization": f"Bearer {token}"}
    built: list[Any] = []

    def make(name: str) -> tuple[Any, dict[str, str]]:
        if name == "district":
            return build_district_http(settings, mongo_client, {}, verifier), headers
        definition = next(d for d in domain_services() if d.name == name)
        running = build_service(definition, settings, None, verifier, with_relay=False)
        teach_directory(running.application)
        built.append(running)
        return running.http, headers

    yield make
    for running in built:
        running.application.close()


@dataclass
class Tally:
    """What one service's run exercised: operations, requests sent (examples, stateful steps) and server errors."""

    service: str
    operations: int = 0
    examples: int = 0
    stateful_steps: int = 0
    stateful_links: int = 0
    server_errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: {"operations": 0.0, "stateful": 0.0})

    def record(self, case: Any, response: Any, stateful: bool = False) -> None:
        if stateful:
            self.stateful_steps += 1
        else:
            self.examples += 1
        self.statuses[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            self.server_errors += 1
            if len(self.errors) < 20:
                self.errors.append(f"{case.method} {case.formatted_path} body={str(case.body)[:300]!r} "
                                   f"query={case.query!r} -> {response.status_code} {response.text[:500]}")

    def summary(self) -> dict[str, Any]:
        return {"service": self.service, "operations": self.operations, "examples": self.examples,
                "stateful_links": self.stateful_links, "stateful_steps": self.stateful_steps,
                "server_errors": self.server_errors, "statuses": dict(sorted(self.statuses.items())),
                "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
                "budget": {"per_operation": {str(k): v for k, v in MAX_EXAMPLES.items()},
                           "stateful": {"scenarios": STATEFUL_SCENARIOS, "steps": STATEFUL_STEPS}}}


def run_operation(strategy: Any, examples: int, headers: dict[str, str], tally: Tally) -> None:
    @fuzz_settings(examples)
    @hypothesis.given(case=strategy)
    def check(case: Any) -> None:
        tally.record(case, case.call(headers=headers))

    check()


def run_stateful(schema: Any, headers: dict[str, str], tally: Tally) -> None:
    """Sequences of calls along the links schemathesis infers (a created id fed to the operations taking it)."""
    machine = schema.as_state_machine()
    tally.stateful_links = sum(1 for name in vars(machine) if "__" in name and not name.startswith(("_", "RANDOM")))
    if not tally.stateful_links:
        return

    class Counting(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            tally.record(case, response, stateful=True)

    Counting.run(settings=hypothesis.settings(
        max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS, derandomize=True, database=None,
        deadline=None, print_blob=False, phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


def report(request: pytest.FixtureRequest, tally: Tally) -> None:
    """Print the counts (also under -q) and keep them in test-artifacts/schemathesis-<service>.json."""
    summary = tally.summary()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"schemathesis-{tally.service}.json").write_text(json.dumps(summary, indent=2) + "\n")
    measured(request, f"schemathesis {tally.service}: {tally.operations} operations, {tally.examples} examples, "
                      f"{tally.stateful_steps} stateful steps over {tally.stateful_links} inferred links, "
                      f"{tally.server_errors} server errors; {dict(sorted(tally.statuses.items()))}; "
                      f"{tally.seconds['operations']:.0f}s + {tally.seconds['stateful']:.0f}s stateful")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", SERVICES)
def test_no_input_gets_a_server_error(name, app_for, request):
    app, headers = app_for(name)
    ids = {} if name == "district" else seed(name, app, headers)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tally = Tally(name)
    failures: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        params = set(re.findall(r"\{(\w+)\}", operation.path))
        runs: list[tuple[str, Any, int]] = [
            (mode.value, operation.as_strategy(generation_mode=mode), MAX_EXAMPLES[mode])
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
        if params and params <= ids.keys():
            runs.append(("seeded", operation.as_strategy(path_parameters={p: ids[p] for p in params}),
                         MAX_EXAMPLES["seeded"]))
        for flavour, strategy, examples in runs:
            try:
                run_operation(strategy, examples, headers, tally)
            except hypothesis.errors.Unsatisfiable:
                continue  # e.g. no way to make this operation's input invalid
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
                failures.append(f"{operation.label} [{flavour}]: {type(exc).__name__}: {str(exc)[:2000]}")
    tally.seconds["operations"] = time.monotonic() - started
    try:
        run_stateful(schema, headers, tally)
    except Exception as exc:  # noqa: BLE001
        failures.append(f"stateful: {type(exc).__name__}: {str(exc)[:2000]}")
    tally.seconds["stateful"] = time.monotonic() - started - tally.seconds["operations"]
    report(request, tally)
    assert tally.operations >= 5 and tally.examples >= tally.operations
    assert not failures, "\n\n".join(failures)
    assert tally.server_errors == 0, "\n".join(tally.errors)


OPEN311_DATES = st.one_of(
    st.datetimes(timezones=st.sampled_from([None, __import__("datetime").UTC])).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-30", "", "Z", "2024-01-01T00:00:00+14:00"]),
    st.text(max_size=40),
)


def test_open311_search_parameters_get_no_server_error(app_for):
    """Open311's search reads its query parameters itself (they are not in the OpenAPI schema), so fuzz them here."""
    from fastapi.testclient import TestClient

    app, headers = app_for("grid")
    seed("grid", app, headers)
    client = TestClient(app, raise_server_exceptions=False)

    @fuzz_settings(60)
    @hypothesis.given(start=st.none() | OPEN311_DATES, end=st.none() | OPEN311_DATES,
                      status=st.none() | st.text(max_size=20), code=st.none() | st.text(max_size=20),
                      fmt=st.sampled_from(["json", "xml", "csv"]))
    def search(start: str | None, end: str | None, status: str | None, code: str | None, fmt: str) -> None:
        params = {k: v for k, v in {"start_date": start, "end_date": end, "status": status, "service_code": code,
                                    "jurisdiction_id": "jinpen"}.items() if v is not None}
        response = client.get(f"/open311/v2/requests.{fmt}", params=params)
        assert response.status_code < 500, (params, response.text)

    search()
