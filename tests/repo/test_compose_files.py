"""docker-compose files cannot run here (no Docker engine); keep them consistent at the YAML level
with the Docker-free dev stack: the same ports, databases, settings and Kafka version."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.devstack.kafka_broker import POM
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import DEVSTACK_SETTINGS, REPO_ROOT


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / name).read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def infra() -> dict[str, Any]:
    return _load("docker-compose.yml")["services"]


@pytest.fixture(scope="module")
def apps() -> dict[str, Any]:
    return _load("docker-compose.services.yml")["services"]


def _host_ports(service: dict[str, Any]) -> set[int]:
    return {int(str(mapping).split(":")[-2]) for mapping in service.get("ports", [])}


def _default(name: str) -> int:
    return int(DEVSTACK_SETTINGS[name][0])


def test_infrastructure_components_and_images(infra: dict[str, Any]):
    assert set(infra) >= {"kafka", "postgres", "redis", "prometheus", "grafana"}
    assert infra["postgres"]["image"] == "postgres:15"
    assert infra["redis"]["image"].startswith("redis:7")
    assert infra["kafka"]["image"].startswith("apache/kafka:")


def test_kafka_image_matches_the_version_the_dev_stack_resolves(infra: dict[str, Any]):
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    assert match is not None
    assert infra["kafka"]["image"] == f"apache/kafka:{match.group(1)}"


def test_kafka_is_single_node_kraft_on_the_dev_stack_port(infra: dict[str, Any]):
    env = infra["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert f"localhost:{_default('HULEEDU_DEVSTACK_KAFKA_PORT')}" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert _host_ports(infra["kafka"]) == {_default("HULEEDU_DEVSTACK_KAFKA_PORT")}
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_postgres_and_redis_use_the_dev_stack_ports(infra: dict[str, Any]):
    assert _host_ports(infra["postgres"]) == {_default("HULEEDU_DEVSTACK_POSTGRES_PORT")}
    assert _host_ports(infra["redis"]) == {_default("HULEEDU_DEVSTACK_REDIS_PORT")}
    assert "noeviction" in infra["redis"]["command"]


def test_every_published_port_is_loopback_only(infra: dict[str, Any], apps: dict[str, Any]):
    for name, service in {**infra, **apps}.items():
        for mapping in service.get("ports", []):
            assert str(mapping).startswith("127.0.0.1:"), f"{name} publishes {mapping} beyond this machine"


def test_postgres_init_creates_each_service_database(infra: dict[str, Any]):
    mounts = [v for v in infra["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    folder = REPO_ROOT / mounts[0].split(":")[0]
    sql = "".join(p.read_text() for p in sorted(Path(folder).glob("*.sql")))
    assert set(re.findall(r"CREATE DATABASE (\w+);", sql)) == {svc.database for svc in SERVICES}


def test_every_service_is_defined_with_its_port_database_and_kafka(apps: dict[str, Any]):
    for svc in SERVICES:
        service = apps[svc.name]
        assert service["build"]["args"]["SERVICE"] == svc.name
        assert _host_ports(service) == {svc.http_port}
        env = service["environment"]
        assert env[f"{svc.env_prefix}DATABASE_URL"].endswith(f"/{svc.database}")
        assert env["HULEEDU_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_service_packages_match_the_dev_stack_list():
    packages = {p.name for p in (REPO_ROOT / "services").iterdir() if (p / "pyproject.toml").exists()}
    assert packages == {svc.name for svc in SERVICES}


def test_topics_are_bootstrapped_before_services_start(apps: dict[str, Any]):
    assert apps["topic-bootstrap"]["command"][-1] == "topics"
    for svc in SERVICES:
        assert apps[svc.name]["depends_on"]["topic-bootstrap"]["condition"] == "service_completed_successfully"


def test_prometheus_scrapes_every_service():
    config = _load("observability/prometheus/prometheus.yml")
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"{svc.name}:{svc.http_port}" for svc in SERVICES}


def test_no_default_secrets_in_compose(infra: dict[str, Any], apps: dict[str, Any]):
    for name, service in {**infra, **apps}.items():
        env = service.get("environment", {})
        for key, value in env.items():
            if re.search(r"PASSWORD|SECRET|TOKEN|API_KEY", key) and not key.endswith("__FILE"):
                pytest.fail(f"{name} sets {key}={value!r}: secrets come from the environment, not the compose file")
