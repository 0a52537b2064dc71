"""Static checks of the deployment files: nothing here needs Docker or a cluster.

- docker-compose.yml: structure, health checks, start order, ports, and that every
  environment variable a shequ container gets is one the code reads.
- Dockerfile: multi-stage, non-root, health check.
- deploy/k8s: every manifest validated against the Kubernetes JSON schemas
  (kubernetes-validate, offline, strict), plus probes, resources and replicas.
- deploy/prometheus: rules parse, every metric exists in shared/metrics.py,
  `promtool` checks and rule unit tests when promtool is installed.
- deploy/grafana: provisioning and dashboard JSON, every metric exists.
- docs/metrics.md: the catalogue lists every metric the code defines, and nothing else.
- the projector's metrics port: the CLI default, the scrape job, compose and k8s agree.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is needed for the deployment checks (pip install PyYAML)")

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "docker-compose.yml"
K8S = DEPLOY / "k8s"
PROM = DEPLOY / "prometheus"
GRAFANA = DEPLOY / "grafana"
IN_CI = os.environ.get("CI", "").lower() == "true"

HTTP_SERVICES = ("grid", "economy", "welfare", "volunteering", "district")
HEALTHY_CONDITIONS = {"service_healthy", "service_started", "service_completed_successfully"}

# Read by code that is not in shared/settings.py and not found by the source scan
# below (e.g. still being written). Keep this list short and documented.
DOCUMENTED_EXTRAS = {
    "WELFARE_CIPHER_KEY": "welfare service: key for the personal data it encrypts",
}
# The eventsourcing library reads <APPLICATION NAME>_<KEY> before <KEY>.
EVENTSOURCING_KEYS = ("POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD",
                      "POSTGRES_SCHEMA")
# Services that keep state in SHEQU_DATA_DIR and so cannot run 2+ replicas yet.
SINGLE_REPLICA: dict[str, str] = {}  # deployments that must not scale out, and why (none: every service scales)
SECRET_VARS = ("POSTGRES_PASSWORD", "WELFARE_CIPHER_KEY", "GF_SECURITY_ADMIN_PASSWORD")
# Deployments that talk to no broker, and why.
NO_BROKER = {"staff": "serves the workbench's page and modules only"}


# --------------------------------------------------------------------------- helpers


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_all_yaml(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


def env_vars_read_by_code() -> set[str]:
    from shared.platform.settings import SERVICES, Settings

    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(str(alias).upper() if alias else name.upper())
    pattern = re.compile(r"""(?:environ\.get|environ\[|getenv|_int_env)\(?\s*["']([A-Z][A-Z0-9_]*)["']""")
    for package in ("shared", "services"):
        for source in (ROOT / package).rglob("*.py"):
            names.update(pattern.findall(source.read_text(encoding="utf-8")))
    names.update(f"{service.upper()}_{key}" for service in SERVICES for key in EVENTSOURCING_KEYS)
    names.update(DOCUMENTED_EXTRAS)
    return names


def known_metric_names() -> set[str]:
    from prometheus_client.metrics import MetricWrapperBase

    from shared.platform import consumer, metrics

    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "summary": ("", "_count", "_sum", "_created"),
        "info": ("_info",),
        "enum": ("",),
    }
    names: set[str] = set()
    for value in [*vars(metrics).values(), *vars(consumer).values()]:  # consumer: the saga metric
        if isinstance(value, MetricWrapperBase):
            for described in value.describe():
                names.update(described.name + suffix for suffix in suffixes[described.type])
    return names


METRIC_TOKEN = re.compile(r"\bshequ_[a-zA-Z0-9_:]+")
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def metrics_in(expr: str) -> set[str]:
    """The shequ_* metric names in a PromQL expression (label values ignored)."""
    return set(METRIC_TOKEN.findall(QUOTED.sub('""', expr)))


def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


def is_shequ(spec: dict[str, Any]) -> bool:
    return "build" in spec or str(spec.get("image", "")).startswith("shequ:")


def healthcheck_python_snippets(test: list[str]) -> list[str]:
    return [test[i + 1] for i, arg in enumerate(test[:-1]) if arg == "-c" and "python" in " ".join(test[:i])]


def command_port(command: list[str]) -> int | None:
    return int(command[command.index("--port") + 1]) if "--port" in command else None


# --------------------------------------------------------------------------- sanity of the helpers


def test_metric_catalogue_is_read_from_shared_metrics() -> None:
    names = known_metric_names()
    assert "shequ_http_requests_total" in names
    assert "shequ_http_request_duration_seconds_bucket" in names
    assert "shequ_relay_lag_events" in names
    assert "shequ_http_requests" not in names
    assert metrics_in('sum(rate(shequ_a_total{topic="shequ_not_a_metric"}[5m])) / shequ_b') == {
        "shequ_a_total", "shequ_b"}


def test_env_catalogue_is_read_from_settings() -> None:
    names = env_vars_read_by_code()
    for expected in ("KAFKA_BOOTSTRAP_SERVERS", "MONGO_URL", "SHEQU_ENV", "OIDC_ISSUER", "OIDC_JWKS_URL",
                     "KAFKA_MAX_POLL_INTERVAL_MS", "GRID_POSTGRES_DBNAME"):
        assert expected in names
    assert "NOT_READ_BY_ANYTHING" not in names


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    froms = [line for line in lines if line.upper().startswith("FROM ")]
    assert len(froms) >= 2, "builder and runtime stages"
    assert froms[-1].split()[1] == "python:3.11-slim"
    assert any(line.startswith("COPY --from=builder") for line in lines)
    users = [line.split()[1] for line in lines if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the runtime runs as a non-root user"
    joined = text.replace("\\\n", " ")
    assert re.search(r"^HEALTHCHECK .*CMD .*/healthz", joined, re.M), "HEALTHCHECK hits /healthz"
    cmd = [line for line in lines if line.startswith("CMD ")]
    assert cmd and json.loads(cmd[-1][4:])[:2] == ["shequ", "serve"]
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignore and ".git" in ignore


# --------------------------------------------------------------------------- docker-compose.yml


def test_compose_every_service_has_image_healthcheck_and_conditions() -> None:
    services = compose()["services"]
    for name, spec in services.items():
        assert "image" in spec or "build" in spec, f"{name}: image or build"
        check = spec.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name}: healthcheck"
        for snippet in healthcheck_python_snippets(check["test"]):
            ast.parse(snippet)
        depends = spec.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must use conditions"
        for target, how in depends.items():
            assert target in services, f"{name} depends on unknown {target}"
            assert how.get("condition") in HEALTHY_CONDITIONS, f"{name} -> {target}: condition"
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[target]


def test_compose_start_order_is_acyclic_and_infrastructure_first() -> None:
    services = compose()["services"]
    graph = {name: set(spec.get("depends_on", {})) for name, spec in services.items()}
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> None:
        assert node not in visiting, f"depends_on cycle through {node}"
        if node in done:
            return
        visiting.add(node)
        for nxt in graph[node]:
            visit(nxt)
        visiting.discard(node)
        done.add(node)

    for node in graph:
        visit(node)
    for service in ("grid", "economy", "welfare", "volunteering"):
        for infra in ("kafka", "postgres"):
            assert services[service]["depends_on"][infra]["condition"] == "service_healthy"
    for reader in ("district", "projector"):
        for infra in ("kafka", "mongo"):
            assert services[reader]["depends_on"][infra]["condition"] == "service_healthy"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_compose_has_every_component() -> None:
    from shared.platform.settings import SERVICES

    services = compose()["services"]
    for name in (*SERVICES, "district", "projector", "kafka", "mongo", "postgres", "prometheus", "grafana"):
        assert name in services, name
    assert services["kafka"]["image"].startswith("apache/kafka")
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert "--replSet" in services["mongo"]["command"]
    assert "rs.initiate" in " ".join(services["mongo"]["healthcheck"]["test"])
    assert services["projector"]["command"] == ["shequ", "project"]
    for name in (*SERVICES, "district", "staff"):
        assert services[name]["command"][:3] == ["shequ", "serve", name]


def test_compose_env_vars_are_read_by_the_code() -> None:
    known = env_vars_read_by_code()
    for name, spec in compose()["services"].items():
        if not is_shequ(spec):
            continue
        unknown = sorted(set(spec.get("environment", {})) - known)
        assert not unknown, f"{name} sets variables no code reads: {unknown}"


def test_compose_production_settings_and_secrets_come_from_env() -> None:
    services = compose()["services"]
    for name, spec in services.items():
        env = spec.get("environment", {})
        if is_shequ(spec):
            assert env["SHEQU_ENV"] == "production", name
            for var in ("OIDC_ISSUER", "OIDC_JWKS_URL"):
                assert re.fullmatch(rf"\$\{{{var}:\?[^}}]+\}}", env[var]), f"{name}: {var} must be required"
        for var in SECRET_VARS:
            if var in env:
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(env[var])), f"{name}: {var} is a secret"
    assert "WELFARE_CIPHER_KEY" in services["welfare"]["environment"]


def test_compose_one_database_per_domain_service() -> None:
    from shared.platform.settings import SERVICES

    services = compose()["services"]
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE DATABASE\s+(\w+)", init_sql, re.I))
    databases = []
    for name in SERVICES:
        env = services[name]["environment"]
        assert env["SHEQU_EVENT_STORE"] == "postgres"
        database = env[f"{name.upper()}_POSTGRES_DBNAME"]
        assert database in created, f"{name}: {database} is not created by init.sql"
        databases.append(database)
    assert len(set(databases)) == len(databases)
    mounts = " ".join(services["postgres"]["volumes"])
    assert "./deploy/postgres/init.sql:/docker-entrypoint-initdb.d/" in mounts


def test_compose_ports_are_consistent() -> None:
    services = compose()["services"]
    host_ports: list[str] = []
    for spec in services.values():
        for mapping in spec.get("ports", []):
            host_ports.append(str(mapping).split(":")[0])
    assert len(host_ports) == len(set(host_ports)), f"host ports collide: {host_ports}"

    scrape = load_yaml(PROM / "prometheus.yml")
    targets = {t for job in scrape["scrape_configs"] for group in job["static_configs"] for t in group["targets"]}
    for name in HTTP_SERVICES:
        spec = services[name]
        port = command_port(spec["command"])
        assert port is not None, f"{name}: --port"
        assert [str(m).split(":")[1] for m in spec["ports"]] == [str(port)], f"{name}: published port"
        assert f":{port}/healthz" in " ".join(spec["healthcheck"]["test"]), f"{name}: healthcheck port"
        assert f"{name}:{port}" in targets, f"Prometheus does not scrape {name}:{port}"
    bootstrap = services["grid"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"]
    assert bootstrap in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]


def test_compose_config_validates_with_docker_compose() -> None:
    """`docker-compose config` (Debian's docker-compose 1.29, which needs no engine) when installed."""
    binary = shutil.which("docker-compose")
    if not binary:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must validate docker-compose.yml: docker-compose not on PATH (.ci/run installs it)")
        pytest.skip("docker-compose not on PATH (apt-get install -y docker-compose); compose schema not checked")
    env = {**os.environ, "OIDC_ISSUER": "https://id.invalid/", "OIDC_JWKS_URL": "https://id.invalid/jwks",
           "POSTGRES_PASSWORD": "x", "WELFARE_CIPHER_KEY": "x", "GRAFANA_ADMIN_PASSWORD": "x"}
    result = subprocess.run([binary, "-f", str(COMPOSE), "config", "-q"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    missing = {k: v for k, v in env.items() if k != "OIDC_ISSUER"}
    result = subprocess.run([binary, "-f", str(COMPOSE), "config", "-q"], cwd=ROOT, env=missing,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "OIDC_ISSUER" in result.stdout + result.stderr, "OIDC_ISSUER must be required"


def test_compose_welfare_keeps_no_local_state() -> None:
    """Welfare's per-person keys live in its PostgreSQL database, so it needs no volume (and may scale)."""
    welfare = compose()["services"]["welfare"]
    assert not welfare.get("volumes"), "welfare keeps its keys in PostgreSQL, not on a volume"
    assert "WELFARE_CIPHER_KEY" in welfare["environment"]


def test_compose_mounts_exist() -> None:
    for name, spec in compose()["services"].items():
        for volume in spec.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


# --------------------------------------------------------------------------- Kubernetes


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    files = sorted(K8S.glob("*.yaml")) + sorted(K8S.glob("*.yml"))
    assert files, "no manifests in deploy/k8s"
    return [(path, doc) for path in files for doc in load_all_yaml(path)]


K8S_VERSION = "1.30.0"


@pytest.fixture(scope="module")
def kubernetes_validate():  # noqa: ANN201
    try:
        import kubernetes_validate as kv
    except ImportError:
        if IN_CI:
            pytest.fail("kubernetes-validate is required in CI (pip install kubernetes-validate==1.37.0)")
        pytest.skip("kubernetes-validate not installed (pip install kubernetes-validate==1.37.0)")
    return kv


def test_k8s_manifests_validate_against_schemas(kubernetes_validate) -> None:  # noqa: ANN001
    validated = []
    for path, doc in k8s_documents():
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        validated.append((doc["kind"], doc["metadata"]["name"]))
    kinds = {kind for kind, _ in validated}
    # Not vacuous: every service's Deployment and Service, the projector, config and secret template were read.
    assert {"Deployment", "Service", "ConfigMap"} <= kinds, kinds
    assert sum(kind == "Deployment" for kind, _ in validated) >= 6, validated


def test_k8s_validator_rejects_a_bad_manifest(kubernetes_validate) -> None:  # noqa: ANN001
    _, deployment = next((p, d) for p, d in k8s_documents() if d["kind"] == "Deployment")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "two"
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"pth": "/healthz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_k8s_deployments_probes_resources_replicas() -> None:
    from shared.platform.settings import SERVICES

    docs = [doc for _, doc in k8s_documents()]
    namespaces = {doc["metadata"]["name"] for doc in docs if doc["kind"] == "Namespace"}
    assert len(namespaces) == 1
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") in namespaces, doc["metadata"]["name"]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    partitions = int(config["data"]["KAFKA_TOPIC_PARTITIONS"])

    assert set(deployments) == {*SERVICES, "district", "projector", "staff"}
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{name}: {kind}"
            assert "livenessProbe" in container and "readinessProbe" in container, name
        container = pod["containers"][0]
        if name in HTTP_SERVICES:
            assert container["command"][:3] == ["shequ", "serve", name]
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            port = command_port(container["command"])
            assert [p["containerPort"] for p in container["ports"]] == [port]
            service = services[name]
            assert service["spec"]["selector"].items() <= spec["template"]["metadata"]["labels"].items()
            assert {p["targetPort"] for p in service["spec"]["ports"]} <= {p["name"] for p in container["ports"]}
        if name in SINGLE_REPLICA:
            assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate", SINGLE_REPLICA[name]
            claims = [v for v in pod["volumes"] if v["name"] == "data" and "persistentVolumeClaim" in v]
            assert claims, f"{name}: {SINGLE_REPLICA[name]}"
        elif name in SERVICES:
            assert spec["replicas"] >= 2, f"{name}: at least 2 replicas"
        if name == "projector":
            assert container["command"] == ["shequ", "project"]
            assert 1 <= spec["replicas"] <= partitions, "projector replicas must not exceed topic partitions"
            for probe in ("livenessProbe", "readinessProbe"):
                for snippet in healthcheck_python_snippets(container[probe]["exec"]["command"]):
                    ast.parse(snippet)


def test_compose_serves_the_workbench_alone() -> None:
    """`shequ serve staff` needs neither broker nor store: it starts on its own, on a port of its own."""
    staff = compose()["services"]["staff"]
    assert staff["command"] == ["shequ", "serve", "staff", "--port", "8000"]
    assert [str(m).split(":")[1] for m in staff["ports"]] == ["8000"]
    assert ":8000/healthz" in " ".join(staff["healthcheck"]["test"])
    assert not staff.get("depends_on")
    assert not {"MONGO_URL", "POSTGRES_PASSWORD"} & set(staff["environment"])


def test_k8s_the_workbench_is_deployed_like_the_services() -> None:
    docs = [doc for _, doc in k8s_documents()]
    deployment = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "staff")
    spec = deployment["spec"]
    container = spec["template"]["spec"]["containers"][0]
    assert container["command"] == ["shequ", "serve", "staff", "--port", "8000"]
    assert spec["replicas"] >= 2 and spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/staff/"  # the page itself: it depends on nothing
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert not [e for e in container["env"] if "valueFrom" in e], "the workbench holds no secret"
    from shared.platform.settings import Settings

    assert Settings(**{e["name"]: e["value"] for e in container["env"]}).environment == "production"  # it starts
    assert [p["containerPort"] for p in container["ports"]] == [8000]
    kinds = {d["kind"] for d in docs if d["metadata"]["name"] == "staff"}
    assert {"Deployment", "Service", "PodDisruptionBudget"} <= kinds


def test_k8s_ingress_puts_the_pages_and_the_services_on_one_origin() -> None:
    """The workbench calls ../<service>/ relative to /staff/: one host routes both, the services' prefixes
    stripped (they serve at their root), /staff kept (`shequ serve staff` serves under it)."""
    from shared.platform.settings import SERVICES

    docs = [doc for _, doc in k8s_documents()]
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    routes: dict[str, tuple[str, bool]] = {}
    hosts = set()
    for ingress in ingresses:
        rewrites = "nginx.ingress.kubernetes.io/rewrite-target" in ingress["metadata"].get("annotations", {})
        for rule in ingress["spec"]["rules"]:
            hosts.add(rule.get("host"))
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] in services, f"ingress routes to unknown service {backend['name']}"
                service_ports = {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
                assert backend["port"]["name"] in service_ports
                prefix = re.match(r"/[a-z]+", path["path"]).group(0)
                routes[prefix] = (backend["name"], rewrites)
    assert len(hosts) == 1, "one origin"
    for name in (*SERVICES, "district"):
        assert routes[f"/{name}"] == (name, True), name
    assert routes["/staff"] == ("staff", False)


def test_k8s_env_vars_are_read_by_the_code_and_references_resolve() -> None:
    docs = [doc for _, doc in k8s_documents()]
    known = env_vars_read_by_code()
    configmaps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
    for name, config in configmaps.items():
        unknown = sorted(set(config["data"]) - known)
        assert not unknown, f"configmap {name} sets variables no code reads: {unknown}"
        assert config["data"]["SHEQU_ENV"] == "production"
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in configmaps
            for var in container.get("env", []):
                assert var["name"] in known, f"{deployment['metadata']['name']}: {var['name']} is read by no code"
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], ref
                else:
                    assert var["name"] not in SECRET_VARS, f"{var['name']} must come from a Secret"
    welfare = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "welfare")
    env_names = {v["name"] for v in welfare["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "WELFARE_CIPHER_KEY" in env_names


# --------------------------------------------------------------------------- Prometheus


def alert_rules() -> list[dict[str, Any]]:
    rules = load_yaml(PROM / "alerts.yml")
    return [rule for group in rules["groups"] for rule in group["rules"]]


def test_alert_rules_parse_and_reference_existing_metrics() -> None:
    known = known_metric_names()
    rules = alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    referenced: set[str] = set()
    for rule in rules:
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        used = metrics_in(rule["expr"])
        assert used <= known, f"{rule['alert']} uses unknown metrics {sorted(used - known)}"
        referenced |= used
    for required in ("shequ_relay_lag_events", "shequ_relay_lag_seconds", "shequ_projector_lag_events",
                     "shequ_projector_dead_lettered_total", "shequ_http_requests_total",
                     "shequ_http_request_duration_seconds_bucket", "shequ_relay_publish_errors_total",
                     "shequ_relay_contract_violations_total", "shequ_saga_messages_total"):
        assert required in referenced, f"no alert on {required}"
    saga = next(r for r in rules if "shequ_saga_messages_total" in r["expr"])
    assert 'outcome="dead_lettered"' in saga["expr"] and "increase(" in saga["expr"]
    dead = next(r for r in rules if "shequ_projector_dead_lettered_total" in r["expr"])
    assert re.search(r"increase\(shequ_projector_dead_lettered_total\[5m\]\)\)?\s*>\s*0", dead["expr"])


def test_prometheus_config_loads_the_rules() -> None:
    config = load_yaml(PROM / "prometheus.yml")
    assert "alerts.yml" in config["rule_files"]
    tests = load_yaml(PROM / "alerts_test.yml")
    assert tests["rule_files"] == ["alerts.yml"]
    tested = {case["alertname"] for test in tests["tests"] for case in test["alert_rule_test"]}
    assert {rule["alert"] for rule in alert_rules()} <= tested, "every alert has a promtool unit test"
    known = known_metric_names() | {"up"}
    for test in tests["tests"]:
        for series in test["input_series"]:
            name = series["series"].split("{")[0]
            assert name in known, f"alerts_test.yml feeds unknown metric {name}"


def _promtool() -> str:
    path = shutil.which("promtool")
    if path:
        return path
    ci_script = ROOT / ".ci" / "run"
    ci_installs = ci_script.exists() and re.search(r"\bprometheus\b|promtool", ci_script.read_text(encoding="utf-8"))
    if IN_CI and ci_installs:
        pytest.fail("promtool is missing although .ci/run installs it (apt-get install prometheus)")
    pytest.skip("promtool not on PATH (apt-get install -y prometheus); rule unit tests not run")
    raise AssertionError  # unreachable


@pytest.mark.parametrize(
    "args",
    [
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],
    ],
    ids=["check-config", "check-rules", "test-rules"],
)
def test_promtool(args: list[str]) -> None:
    result = subprocess.run([_promtool(), *args], cwd=PROM, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- Grafana


def test_grafana_provisioning_matches_compose() -> None:
    datasources = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")["datasources"]
    assert [d["type"] for d in datasources] == ["prometheus"]
    assert datasources[0]["url"] == "http://prometheus:9090"
    providers = load_yaml(GRAFANA / "provisioning" / "dashboards" / "shequ.yml")["providers"]
    mounts = compose()["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{providers[0]['options']['path']}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat = []
    for panel in panels:
        flat.append(panel)
        flat.extend(_panels(panel.get("panels", [])))
    return flat


DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
REQUIRED_PANELS = {
    "platform.json": ("shequ_http_requests_total", "shequ_http_request_duration_seconds_bucket",
                      "shequ_relay_lag_events", "shequ_projector_lag_events", "shequ_projector_dead_lettered_total",
                      "shequ_events_appended_total"),
    "pipelines.json": ("shequ_events_appended_total", "shequ_relay_lag_events", "shequ_relay_published_total",
                       "shequ_projector_events_applied_total", "shequ_projector_lag_events",
                       "shequ_saga_messages_total"),
}


def test_dashboards_are_provisioned_and_unique() -> None:
    names = {path.name for path in DASHBOARDS}
    assert set(REQUIRED_PANELS) <= names
    uids = [json.loads(path.read_text(encoding="utf-8"))["uid"] for path in DASHBOARDS]
    assert len(uids) == len(set(uids)), "dashboard uids must be unique"


def test_pipelines_dashboard_has_a_row_per_domain() -> None:
    from shared.platform.settings import SERVICES

    dashboard = json.loads((GRAFANA / "dashboards" / "pipelines.json").read_text(encoding="utf-8"))
    exprs = " ".join(t["expr"] for p in _panels(dashboard["panels"]) for t in p.get("targets", []))
    for service in SERVICES:
        assert f'service="{service}"' in exprs, service
        assert f'topic="shequ.{service}.v1"' in exprs, service


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.name for p in DASHBOARDS])
def test_dashboard_is_valid_and_uses_existing_metrics(path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    datasource_uid = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")["datasources"][0]["uid"]
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    known = known_metric_names()
    panels = _panels(dashboard["panels"])
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    referenced: set[str] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == datasource_uid
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = metrics_in(target["expr"])
            assert used, f"{panel['title']}: target without a shequ metric"
            assert used <= known, f"{panel['title']} uses unknown metrics {sorted(used - known)}"
            referenced |= used
    for variable in dashboard.get("templating", {}).get("list", []):
        assert metrics_in(variable.get("definition", "")) <= known
    for required in REQUIRED_PANELS.get(path.name, ()):
        assert required in referenced, f"{path.name} has no panel on {required}"


# --------------------------------------------------------------------------- the metrics catalogue


CATALOGUE_ROW = re.compile(r"^\|\s*`(shequ_[a-z_]+)`\s*\|")


def catalogued_metrics() -> set[str]:
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    return {m[1] for line in text.splitlines() if (m := CATALOGUE_ROW.match(line))}


def defined_metrics() -> set[str]:
    """Metric names as exposed (counters with `_total`, histograms by their base name)."""
    from prometheus_client.metrics import MetricWrapperBase

    from shared.platform import consumer, metrics

    names = set()
    for value in [*vars(metrics).values(), *vars(consumer).values()]:
        if isinstance(value, MetricWrapperBase):
            for described in value.describe():
                names.add(described.name + ("_total" if described.type == "counter" else ""))
    return names


def test_catalogue_lists_every_metric_and_only_those() -> None:
    catalogued, defined = catalogued_metrics(), defined_metrics()
    assert defined - catalogued == set(), f"metrics missing from docs/metrics.md: {sorted(defined - catalogued)}"
    assert catalogued - defined == set(), f"docs/metrics.md lists unknown metrics: {sorted(catalogued - defined)}"


def test_every_metric_of_a_dashboard_or_alert_is_catalogued() -> None:
    catalogued = catalogued_metrics()
    base = re.compile(r"_(bucket|count|sum)$")
    used: set[str] = set()
    for rule in alert_rules():
        used |= metrics_in(rule["expr"])
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in _panels(dashboard["panels"]):
            for target in panel.get("targets", []):
                used |= metrics_in(target["expr"])
    for name in used:
        assert name in catalogued or base.sub("", name) in catalogued, f"{name} is not in docs/metrics.md"


# --------------------------------------------------------------------------- the projector's metrics port


def test_projector_metrics_port_is_scraped_everywhere() -> None:
    import inspect

    from bootstrap import cli

    port = inspect.signature(cli.project).parameters["metrics_port"].default
    assert port == 9108
    scrape = load_yaml(PROM / "prometheus.yml")
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    targets = [t for group in jobs["shequ-projector"]["static_configs"] for t in group["targets"]]
    assert targets == [f"projector:{port}"]
    projector = compose()["services"]["projector"]
    assert str(port) in [str(p) for p in projector.get("expose", [])]
    deployment = next(d for _, d in k8s_documents() if d["kind"] == "Deployment"
                      and d["metadata"]["name"] == "projector")
    template = deployment["spec"]["template"]
    assert [p["containerPort"] for p in template["spec"]["containers"][0]["ports"]] == [port]
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == str(port)


def test_every_k8s_deployment_connects_to_kafka_with_tls_and_sasl_from_secrets() -> None:
    config = next(d for _, d in k8s_documents() if d["kind"] == "ConfigMap")["data"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["KAFKA_SASL_MECHANISM"] in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
    from shared.platform.settings import Settings

    Settings(**config, KAFKA_SASL_USERNAME="u", KAFKA_SASL_PASSWORD="p")  # the combination is accepted
    deployments = [d for _, d in k8s_documents() if d["kind"] == "Deployment"]
    assert len(deployments) >= 6
    for deployment in deployments:
        if deployment["metadata"]["name"] in NO_BROKER:
            assert not deployment["spec"]["template"]["spec"]["containers"][0].get("envFrom"), "no broker settings"
            continue
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        secrets = {e["name"]: e["valueFrom"]["secretKeyRef"]["key"] for e in container.get("env", [])
                   if "secretKeyRef" in e.get("valueFrom", {})}
        name = deployment["metadata"]["name"]
        assert secrets.get("KAFKA_SASL_USERNAME") == "kafka-sasl-username", name
        assert secrets.get("KAFKA_SASL_PASSWORD") == "kafka-sasl-password", name
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        ca_volume = mounts[config["KAFKA_SSL_CAFILE"].rsplit("/", 1)[0]]
        assert next(v for v in pod["volumes"] if v["name"] == ca_volume)["secret"]["secretName"] == "shequ-kafka-ca"
