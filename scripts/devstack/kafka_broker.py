"""Apache Kafka 4.x in KRaft mode, single node, as a plain Java process.

The broker's jars come from Maven Central through ``kafka/pom.xml`` into a cache folder keyed
by the pom's hash, so a warm cache is never downloaded again and a version bump in the pom
gets a fresh folder.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

from huleedu_service_libs.kafka.limits import MAX_RECORD_BYTES
from huleedu_service_libs.probes import kafka_answers
from scripts.devstack.procs import DevstackError, pid_alive, port_is_open, spawn, terminate, wait_for_start, wait_until
from scripts.devstack.settings import DevstackSettings

HERE = Path(__file__).parent
POM = HERE / "kafka" / "pom.xml"
LOG4J_CONFIG = HERE / "kafka" / "log4j2.properties"
MIN_JAVA = 17


def jar_dir(settings: DevstackSettings) -> Path:
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    return settings.cache_dir / f"kafka-jars-{digest}"


def ensure_jars(settings: DevstackSettings) -> Path:
    """Resolve the broker's jars with Maven unless the cache already holds them."""
    target = jar_dir(settings)
    marker = target / ".complete"
    if marker.exists():
        print(f"  kafka jars: cached in {target}")
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DevstackError("Maven (mvn) is not installed; it resolves Kafka's jars. Install maven and retry.")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    print("  kafka jars: resolving from Maven Central (first run only) ...", flush=True)
    cmd = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}",
        "-DincludeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        raise DevstackError(f"Maven could not resolve Kafka's jars (is Maven Central reachable?): {tail}")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    marker.write_text("resolved from " + POM.name + "\n")
    return target


def java_major_version(java: str) -> int:
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        raise DevstackError(f"cannot read the Java version from `{java} -version`")
    major = int(match.group(1))
    # Java 8 and older report "1.8"
    return int(match.group(2) or 0) if major == 1 else major


def find_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise DevstackError(
            f"Java is not installed; Kafka needs Java {MIN_JAVA}+ (apt-get install openjdk-17-jre-headless)"
        )
    major = java_major_version(java)
    if major < MIN_JAVA:
        raise DevstackError(f"Kafka needs Java {MIN_JAVA}+, but `java` is version {major}")
    return java


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as kafka-storage makes).

    An id that starts with '-' is drawn again, as Kafka's own Uuid.randomUuid does: kafka-storage's
    argument parser reads `-t -abc...` as a flag, and one fresh-clone CI run failed that way.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")
        if not cluster_id.startswith("-"):
            return cluster_id


def render_server_properties(settings: DevstackSettings, data_dir: Path) -> str:
    port, cport = settings.kafka_port, settings.kafka_controller_port
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{cport}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        # Topics come from the registry bootstrap (`pdm run kafka-topics`), never from a typo.
        "auto.create.topics.enable": "false",
        "num.partitions": "3",
        # A single node cannot replicate; these internal topics default to 3 replicas.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Tests join and leave consumer groups constantly; do not wait 3 s per rebalance.
        "group.initial.rebalance.delay.ms": "0",
        "log.retention.hours": "24",
        # The platform's largest record (a large batch's result event), plus room for the batch header.
        "message.max.bytes": str(MAX_RECORD_BYTES + 64 * 1024),
    }
    return "".join(f"{key}={value}\n" for key, value in props.items())


def kafka_answers_metadata(bootstrap: str) -> bool:
    return asyncio.run(kafka_answers(bootstrap))


def bootstrap_address(settings: DevstackSettings) -> str:
    return f"127.0.0.1:{settings.kafka_port}"


def up(settings: DevstackSettings, previous: dict[str, Any]) -> dict[str, Any]:
    bootstrap = bootstrap_address(settings)
    kafka_dir = settings.state_dir / "kafka"
    log_file = settings.logs_dir / "kafka.log"
    pid = previous.get("pid")
    if pid_alive(pid) and previous.get("port") == settings.kafka_port:
        wait_until(lambda: kafka_answers_metadata(bootstrap), settings.startup_timeout, "Kafka", log_file)
        print(f"  kafka: already running (pid {pid}) on {bootstrap}")
        return previous
    for name, port in (
        ("HULEEDU_DEVSTACK_KAFKA_PORT", settings.kafka_port),
        ("HULEEDU_DEVSTACK_KAFKA_CONTROLLER_PORT", settings.kafka_controller_port),
    ):
        if port_is_open(port):
            raise DevstackError(f"port {port} is taken by another process; stop it or set {name} to a free port")
    java = find_java()
    jars = ensure_jars(settings)
    data_dir = kafka_dir / "data"
    config = kafka_dir / "server.properties"
    kafka_dir.mkdir(parents=True, exist_ok=True)
    config.write_text(render_server_properties(settings, data_dir))
    classpath = f"{jars}/*"
    log4j = f"-Dlog4j2.configurationFile={LOG4J_CONFIG}"
    if not (data_dir / "meta.properties").exists():
        cluster_id = new_cluster_id()
        fmt = [java, "-cp", classpath, log4j, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)]
        result = subprocess.run(fmt, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DevstackError(f"formatting Kafka storage failed: {(result.stderr or result.stdout).strip()[-400:]}")
        print(f"  kafka: formatted storage in {data_dir} (cluster {cluster_id})")
    cmd = [
        java,
        f"-Xmx{settings.kafka_heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        log4j,
        f"-Dkafka.logs.dir={settings.logs_dir}",
        "-cp",
        classpath,
        "kafka.Kafka",
        str(config),
    ]
    new_pid = spawn(cmd, log_file, cwd=kafka_dir)
    state = {
        "mode": "managed",
        "pid": new_pid,
        "port": settings.kafka_port,
        "bootstrap": bootstrap,
        "log": str(log_file),
    }

    wait_for_start(new_pid, lambda: kafka_answers_metadata(bootstrap), settings.startup_timeout, "Kafka", log_file)
    print(f"  kafka: started (pid {new_pid}) on {bootstrap}, logs in {log_file}")
    return state


def down(previous: dict[str, Any]) -> None:
    if terminate(previous.get("pid")):
        print(f"  kafka: stopped (pid {previous.get('pid')})")
    else:
        print("  kafka: not running")
