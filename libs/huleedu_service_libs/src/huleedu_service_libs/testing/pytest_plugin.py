"""Pytest plugin: real-infrastructure fixtures, the ``integration`` marker and the skip guard.

Fixtures (all start the dev stack on first use if it is not running):

- ``infrastructure``: connection settings of the running stack (session).
- ``test_run_id``: a short id unique to this pytest run (session).
- ``database_factory`` / ``fresh_database_url``: new PostgreSQL databases, dropped at the end.
- ``kafka_topic_factory`` / ``fresh_topic``: new topics with unique names, deleted at the end.
- ``unique_group_id``: a Kafka consumer group id no other test uses.
- ``redis_prefix``: a key prefix whose keys are deleted after the test.

Any test in a folder named ``integration`` is marked ``integration`` automatically.

Skip guard: a skipped test fails the run unless ``HULEEDU_ALLOW_SKIPS=1``. A lane that
silently skipped its heavy tests and still showed green is a known failure (PITFALLS).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from huleedu_service_libs.kafka.dead_letter import dead_letter_topic
from huleedu_service_libs.sync_bridge import run_coroutine_sync
from huleedu_service_libs.testing.infrastructure import (
    Infrastructure,
    create_database,
    create_topics,
    delete_redis_prefix,
    delete_topics,
    drop_databases,
    ensure_infrastructure,
    find_repo_root,
    new_run_id,
)

_SKIPPED: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: needs the real dev stack (Kafka, PostgreSQL, Redis)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in Path(str(item.path)).parts:
            item.add_marker(pytest.mark.integration)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def skips_allowed() -> bool:
    return os.environ.get("HULEEDU_ALLOW_SKIPS", "").strip().lower() in {"1", "true", "yes"}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED and not skips_allowed() and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _SKIPPED and not skips_allowed():
        terminalreporter.write_sep("=", "skipped tests fail this run (set HULEEDU_ALLOW_SKIPS=1 if intended)", red=True)
        for nodeid in _SKIPPED:
            terminalreporter.write_line(f"SKIPPED {nodeid}")


@pytest.fixture(scope="session")
def infrastructure(pytestconfig: pytest.Config) -> Infrastructure:
    return ensure_infrastructure(find_repo_root(Path(str(pytestconfig.rootpath))))


@pytest.fixture(scope="session")
def test_run_id() -> str:
    return new_run_id()


@pytest.fixture(scope="session")
def database_factory(infrastructure: Infrastructure, test_run_id: str) -> Iterator[Callable[[str], str]]:
    """``make(label)`` creates an empty database and returns its asyncpg DSN; all are dropped at the end."""
    created: list[str] = []
    counter = itertools.count()

    def make(label: str) -> str:
        name = f"{test_run_id}_{label}_{next(counter)}".lower()[:63]
        url = run_coroutine_sync(create_database(infrastructure.postgres_url, name))
        created.append(name)
        return url

    yield make
    if created:
        run_coroutine_sync(drop_databases(infrastructure.postgres_url, created))


@pytest.fixture
def fresh_database_url(database_factory: Callable[[str], str], request: pytest.FixtureRequest) -> str:
    return database_factory(request.node.name.split("[")[0][-30:])


@pytest.fixture(scope="session")
def kafka_topic_factory(infrastructure: Infrastructure, test_run_id: str) -> Iterator[Callable[..., str]]:
    """``make(label, partitions=1, with_dead_letter=False)`` creates a topic with a unique name (and its
    ``.dlq`` twin, for consumers that dead-letter poison records); all are deleted at the end."""
    created: list[str] = []
    counter = itertools.count()

    def make(label: str, partitions: int = 1, *, with_dead_letter: bool = False) -> str:
        name = f"test.{test_run_id}.{label}.{next(counter)}"
        names = [name, dead_letter_topic(name)] if with_dead_letter else [name]
        run_coroutine_sync(create_topics(infrastructure.kafka_bootstrap, names, partitions))
        created.extend(names)
        return name

    yield make
    run_coroutine_sync(delete_topics(infrastructure.kafka_bootstrap, created))


@pytest.fixture
def fresh_topic(kafka_topic_factory: Callable[..., str], request: pytest.FixtureRequest) -> str:
    return kafka_topic_factory(request.node.name.split("[")[0][-40:])


@pytest.fixture
def unique_group_id(test_run_id: str, request: pytest.FixtureRequest) -> str:
    return f"test-{test_run_id}-{request.node.name.split('[')[0][-40:]}-{os.urandom(3).hex()}"


@pytest.fixture
def redis_prefix(infrastructure: Infrastructure, test_run_id: str) -> Iterator[str]:
    prefix = f"test:{test_run_id}:{os.urandom(4).hex()}:"
    yield prefix
    delete_redis_prefix(infrastructure.redis_url, prefix)
