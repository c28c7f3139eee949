import base64
import socket
import uuid
from pathlib import Path

import pytest

from huleedu_service_libs.envfile import parse_env_text
from scripts.devstack import kafka_broker
from scripts.devstack.procs import DevstackError, ensure_packages, free_port
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import DEVSTACK_SETTINGS, REPO_ROOT, DevstackSettings
from scripts.devstack.state import database_url, render_env_file


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in DEVSTACK_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean_env):
    s = DevstackSettings.from_env()
    assert s.state_dir == REPO_ROOT / ".devstack"
    assert s.cache_dir == s.state_dir / "cache"
    assert s.env_file == s.state_dir / "env"
    assert (s.kafka_port, s.kafka_controller_port, s.postgres_port, s.redis_port) == (19092, 19093, 55432, 56379)
    assert s.allow_apt is True


def test_environment_overrides(clean_env, tmp_path: Path):
    clean_env.setenv("HULEEDU_DEVSTACK_DIR", str(tmp_path / "st"))
    clean_env.setenv("HULEEDU_DEVSTACK_CACHE_DIR", str(tmp_path / "cache"))
    clean_env.setenv("HULEEDU_DEVSTACK_KAFKA_PORT", "29092")
    clean_env.setenv("HULEEDU_DEVSTACK_ALLOW_APT", "0")
    s = DevstackSettings.from_env()
    assert s.state_dir == tmp_path / "st"
    assert s.cache_dir == tmp_path / "cache"
    assert s.kafka_port == 29092
    assert s.allow_apt is False


@pytest.mark.parametrize(("name", "value", "message"), [
    ("HULEEDU_DEVSTACK_KAFKA_PORT", "abc", "is not a port number"),
    ("HULEEDU_DEVSTACK_REDIS_PORT", "70000", "outside 1-65535"),
    ("HULEEDU_DEVSTACK_KAFKA_CONTROLLER_PORT", "19092", "must differ"),
    ("HULEEDU_DEVSTACK_STARTUP_TIMEOUT", "soon", "is not a number"),
])  # fmt: skip
def test_bad_settings_fail_with_a_clear_message(clean_env, name: str, value: str, message: str):
    clean_env.setenv(name, value)
    with pytest.raises(SystemExit, match=message):
        DevstackSettings.from_env()


def test_server_properties_are_a_single_kraft_node(clean_env, tmp_path: Path):
    s = DevstackSettings.from_env()
    props = dict(line.split("=", 1) for line in kafka_broker.render_server_properties(s, tmp_path).splitlines())
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["log.dirs"] == str(tmp_path)
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["auto.create.topics.enable"] == "false"


def test_cluster_id_is_16_bytes_of_url_safe_base64():
    cluster_id = kafka_broker.new_cluster_id()
    assert len(cluster_id) == 22
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch):
    # kafka-storage parses `-t -xyz` as a flag; force the first draw to encode with a leading '-'.
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(16))])
    monkeypatch.setattr(kafka_broker.uuid, "uuid4", lambda: next(draws))
    assert base64.urlsafe_b64encode(b"\xf8" + bytes(15)).startswith(b"-")
    assert kafka_broker.new_cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"


def test_jar_cache_is_keyed_by_the_pom(clean_env, tmp_path: Path):
    clean_env.setenv("HULEEDU_DEVSTACK_CACHE_DIR", str(tmp_path))
    folder = kafka_broker.jar_dir(DevstackSettings.from_env())
    assert folder.parent == tmp_path
    assert folder.name.startswith("kafka-jars-")
    assert kafka_broker.POM.exists()


def test_java_version_parsing(monkeypatch: pytest.MonkeyPatch):
    class Done:
        def __init__(self, text: str) -> None:
            self.stderr, self.stdout = text, ""

    for text, major in [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "21" 2023', 21),
    ]:
        monkeypatch.setattr(kafka_broker.subprocess, "run", lambda *a, _t=text, **k: Done(_t))
        assert kafka_broker.java_major_version("java") == major


def test_env_file_names_every_service_database():
    text = render_env_file(
        "127.0.0.1:19092", "postgresql://postgres@127.0.0.1:55432/postgres", "redis://127.0.0.1:56379/0"
    )
    values = parse_env_text(text)
    assert values["HULEEDU_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:19092"
    assert values["HULEEDU_REDIS_URL"] == "redis://127.0.0.1:56379/0"
    for svc in SERVICES:
        assert values[f"{svc.name.upper()}_DATABASE_URL"] == f"postgresql+asyncpg://postgres@127.0.0.1:55432/{svc.name}"


def test_database_url_keeps_credentials_and_query():
    assert (
        database_url("postgresql://u:p@db:5432/postgres?sslmode=require", "x")
        == "postgresql+asyncpg://u:p@db:5432/x?sslmode=require"
    )


def test_missing_package_without_apt_permission_names_the_fix():
    with pytest.raises(DevstackError, match="HULEEDU_DEVSTACK_ALLOW_APT=1"):
        ensure_packages({"redis-server": "redis-server"}, allow_apt=False, find=lambda _name: None)


def test_present_packages_need_no_apt():
    ensure_packages({"redis-server": "redis-server"}, allow_apt=False, find=lambda name: f"/usr/bin/{name}")


def test_free_port_avoids_the_ephemeral_range_and_is_bindable():
    port = free_port()
    assert 20000 <= port <= 32000
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
