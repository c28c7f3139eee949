"""Result aggregator benchmark: list and detail latency under an open-loop load on the real served app.

``pdm run bench-ras [--batches 2000] [--essays 30] [--rate 200] [--duration 30]``

1. Creates a throwaway database on the dev stack's PostgreSQL, migrates it, and bulk-loads
   ``--batches`` batches of ``--essays`` essays each (plus two anchors per assessed batch), spread over
   ``--users`` teachers: 70 % completed with full results, 10 % assessing, 10 % failed, 10 % drafts.
2. Measures the two queries in-process straight against PostgreSQL (no HTTP), the figure that
   decides whether a Redis cache could help.
3. Starts ``python -m result_aggregator_service serve`` (hypercorn) on a free local port, query-only
   (RESULT_AGGREGATOR_SERVICE_CONSUME_EVENTS=0: it must not consume the platform's real topics),
   and sends an open-loop mix of list and detail requests at ``--rate`` per second. Latency is
   measured from each request's *scheduled* start, so a stalled server cannot hide its backlog
   (no coordinated omission).

The issue's target (p99 < 50 ms at 200 req/s) is printed next to the figures, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import asyncpg
import httpx

from common_core.events.cj_assessment import EssayResult
from common_core.grade_scales import get_grade_scale
from common_core.status import CJJobState
from huleedu_service_libs.db import create_engine
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.settings import DEV_INTERNAL_API_KEY
from huleedu_service_libs.testing.infrastructure import (
    Infrastructure,
    create_database,
    drop_databases,
    ensure_infrastructure,
)
from huleedu_service_libs.testing.local_server import free_port
from result_aggregator_service.public import ReadModelQueries, client_status, grade_distribution

REPO_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_DIR = REPO_ROOT / "services" / "result_aggregator_service" / "alembic"
TARGET_P99_MS = 50.0
GRADE_SCALE = "swedish_f_a"
HEADERS = {"X-Internal-API-Key": DEV_INTERNAL_API_KEY, "X-Service-ID": "bff_teacher_service"}
STATUS_FILTERS = (None, None, "completed", "assessing,failed")


@dataclass
class Dataset:
    owners: dict[uuid.UUID, str] = field(default_factory=dict)  # batch_id -> user_id
    users: list[str] = field(default_factory=list)


def _job_state(n: int) -> CJJobState | None:
    """70 % completed, 10 % comparing, 10 % failed, 10 % never assessed (drafts)."""
    bucket = n % 10
    if bucket < 7:
        return CJJobState.COMPLETED
    return {7: CJJobState.COMPARING, 8: CJJobState.FAILED}.get(bucket)


def _results(essay_ids: list[uuid.UUID], rng: random.Random) -> list[EssayResult]:
    grades = get_grade_scale(GRADE_SCALE).all_grades
    ids = [*essay_ids, uuid.uuid4(), uuid.uuid4()]  # two anchors
    rng.shuffle(ids)
    results = []
    for rank, essay_id in enumerate(ids, start=1):
        anchor = essay_id not in essay_ids
        grade = grades[min(len(grades) - 1, (len(ids) - rank) * len(grades) // len(ids))]
        results.append(
            EssayResult(
                essay_id=essay_id,
                is_anchor=anchor,
                rank=rank,
                bt_score=2.0 - 4.0 * rank / len(ids),
                standard_error=0.3 + rng.random() * 0.3,
                normalized_score=100.0 * (len(ids) - rank) / (len(ids) - 1),
                grade=grade,
                grade_probabilities={grade: 0.8, grades[0] if grade != grades[0] else grades[1]: 0.2},
                confidence=0.8,
                confidence_label="high",
                comparison_count=rng.randint(8, 16),
                known_grade=grade if anchor else None,
            )
        )
    return results


async def load(url: str, batches: int, essays: int, users: int, seed: int) -> Dataset:
    """Bulk-load rows exactly as the fold would leave them (status through the same mapping)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not security
    data = Dataset(users=[f"bench-teacher-{u:04d}" for u in range(users)])
    now = datetime.now(UTC)
    batch_rows, essay_rows, job_rows, result_rows = [], [], [], []
    for n in range(batches):
        batch_id, user_id = uuid.uuid4(), data.users[n % users]
        data.owners[batch_id] = user_id
        created = now - timedelta(minutes=10 * (batches - n))
        essay_ids = [uuid.uuid4() for _ in range(essays)]
        for i, essay_id in enumerate(essay_ids):
            essay_rows.append(
                (batch_id, essay_id, f"student-{i:02d}.docx", f"{i:064x}", rng.randint(150, 700), None, created)
            )
        state = _job_state(n)
        status = client_status(state)
        job_id = uuid.uuid4() if state is not None else None
        completed_at = created + timedelta(minutes=5) if state == CJJobState.COMPLETED else None
        if state is not None:
            results = _results(essay_ids, rng) if state == CJJobState.COMPLETED else []
            distribution = grade_distribution(GRADE_SCALE, results) if results else None
            job_rows.append(
                (batch_id, job_id, state.value, created + timedelta(minutes=1), 3, 120, 200,
                 100.0 if results else 60.0, 0.8, completed_at, len(essay_ids) if results else None,
                 GRADE_SCALE if results else None, "mock" if results else None, "mock-judge" if results else None,
                 0.85 if results else None, distribution,
                 "LLM_UNAVAILABLE" if state == CJJobState.FAILED else None,
                 "The judge could not be reached." if state == CJJobState.FAILED else None)
            )  # fmt: skip
            for r in results:
                result_rows.append(
                    (batch_id, job_id, r.essay_id, r.is_anchor, r.rank, r.bt_score, r.standard_error,
                     r.normalized_score, r.grade, dict(r.grade_probabilities), r.confidence, r.confidence_label,
                     r.comparison_count, r.known_grade, r.model_dump(mode="json"))
                )  # fmt: skip
        batch_rows.append(
            (batch_id, user_id, f"Essay batch {n:05d}", "ENG5", None, None, created,
             completed_at or created + timedelta(minutes=1), status.value, job_id, essays, completed_at)
        )  # fmt: skip

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        # COPY speaks PostgreSQL's binary format: jsonb is a version byte (1) followed by the text.
        await conn.set_type_codec(
            "jsonb",
            encoder=lambda value: b"\x01" + json.dumps(value).encode(),
            decoder=lambda raw: json.loads(raw[1:]),
            schema="pg_catalog",
            format="binary",
        )
        await conn.copy_records_to_table(
            "batches",
            records=batch_rows,
            columns=["batch_id", "user_id", "title", "course_code", "class_id", "assignment_id", "created_at",
                     "updated_at", "status", "current_job_id", "essay_count", "completed_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "essays",
            records=essay_rows,
            columns=["batch_id", "essay_id", "filename", "text_ref", "word_count", "author_hint", "uploaded_at"],
        )
        await conn.copy_records_to_table(
            "assessment_jobs",
            records=job_rows,
            columns=["batch_id", "job_id", "state", "started_at", "wave", "comparisons_done", "comparisons_planned",
                     "progress_percentage", "progress_reliability_ssr", "completed_at", "essays_assessed",
                     "grade_scale", "model_provider", "model_name", "result_reliability_ssr", "grade_distribution",
                     "failure_code", "failure_message"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "essay_results",
            records=result_rows,
            columns=["batch_id", "job_id", "essay_id", "is_anchor", "rank", "bt_score", "standard_error",
                     "normalized_score", "grade", "grade_probabilities", "confidence", "confidence_label",
                     "comparison_count", "known_grade", "published"],
        )  # fmt: skip
        # Settle the fresh tables as a long-running database would be: statistics, visibility map
        # and hint bits set, dirty pages flushed. Otherwise autovacuum, first-read hint-bit writes
        # and the next checkpoint all land inside the measured minute.
        await conn.execute("VACUUM (ANALYZE)")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return data


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"n": len(ordered), "p50": statistics.median(ordered), "p90": pick(0.90), "p99": pick(0.99),
            "max": ordered[-1]}  # fmt: skip


async def measure_queries(url: str, data: Dataset, samples: int, seed: int) -> dict[str, dict[str, float]]:
    """The two queries straight against PostgreSQL, one at a time: the floor any cache could save."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not security
    engine = create_engine(url)
    queries = ReadModelQueries(engine)
    batch_ids = list(data.owners)
    timings: dict[str, list[float]] = {"list": [], "detail": []}
    try:
        for _ in range(samples):
            user = rng.choice(data.users)
            started = time.perf_counter()
            await queries.list_batches(user, statuses=[], title_query=None, limit=20, offset=0)
            timings["list"].append((time.perf_counter() - started) * 1000)
            batch_id = rng.choice(batch_ids)
            started = time.perf_counter()
            await queries.batch_detail(batch_id, data.owners[batch_id])
            timings["detail"].append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return {name: percentiles(values[samples // 10 :]) for name, values in timings.items()}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(url: str, port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RESULT_AGGREGATOR_SERVICE_DATABASE_URL": url,
        "RESULT_AGGREGATOR_SERVICE_CONSUME_EVENTS": "0",
        "HULEEDU_DEV_MODE": "1",
        "HULEEDU_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "result_aggregator_service", "serve", "--port", str(port)]
    # A file, not a pipe: a pipe nobody reads would block the server once its buffer filled.
    return subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)


async def wait_healthy(base: str, server: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}; see its log")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become healthy")


@dataclass
class LoadResult:
    latencies_ms: dict[str, list[float]]
    errors: int
    sent: int
    elapsed_s: float


class KeepAliveConnection:
    """A minimal HTTP/1.1 keep-alive client: a Python HTTP client library would cost more CPU per
    request than the server under test, on the same cores, and so measure itself."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        headers = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
        self._headers = f"Host: {host}:{port}\r\n{headers}\r\n"

    async def get(self, target: str, teacher: str) -> int:
        # RAS answers only for the teacher in X-User-ID, as the BFF sends it.
        request = f"GET {target} HTTP/1.1\r\nX-User-ID: {teacher}\r\n{self._headers}".encode()
        reused = self._reader is not None
        try:
            return await self._exchange(request)
        except asyncio.IncompleteReadError as exc:
            # hypercorn closes a keep-alive connection after its request limit; the request
            # was not served, so it is sent again once on a new connection.
            if not reused or exc.partial:
                raise
            self.close()
            return await self._exchange(request)

    async def _exchange(self, request: bytes) -> int:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        await self._reader.readexactly(int(fields["content-length"]))
        return int(lines[0].split(" ", 2)[1])

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def open_loop(
    host: str, port: int, data: Dataset, rate: float, duration_s: float, seed: int, connections: int
) -> LoadResult:
    """Requests released at fixed intervals to a pool of keep-alive connections, half lists, half
    details; each is timed from its scheduled release, so queueing behind a slow server counts."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not security
    batch_ids = list(data.owners)
    latencies: dict[str, list[float]] = {"list": [], "detail": []}
    errors = 0
    queue: asyncio.Queue[tuple[float, str, str, str] | None] = asyncio.Queue()

    async def worker() -> None:
        nonlocal errors
        connection = KeepAliveConnection(host, port)
        try:
            while (item := await queue.get()) is not None:
                scheduled, kind, target, teacher = item
                try:
                    ok = await connection.get(target, teacher) == 200
                except (OSError, asyncio.IncompleteReadError, ValueError, KeyError):
                    connection.close()
                    connection = KeepAliveConnection(host, port)
                    ok = False
                if ok:
                    latencies[kind].append((time.perf_counter() - scheduled) * 1000)
                else:
                    errors += 1
        finally:
            connection.close()

    def request(i: int) -> tuple[str, str, str]:
        if i % 2 == 0:
            params: dict[str, Any] = {"limit": 20, "offset": rng.choice((0, 0, 0, 20))}
            status = rng.choice(STATUS_FILTERS)
            if status:
                params["status"] = status
            teacher = rng.choice(data.users)
            return "list", f"/internal/v1/users/{teacher}/batches?{urlencode(params)}", teacher
        batch_id = rng.choice(batch_ids)
        return "detail", f"/internal/v1/batches/{batch_id}", data.owners[batch_id]

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    total = int(rate * duration_s)
    start = time.perf_counter() + 0.2
    for i in range(total):
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        queue.put_nowait((scheduled, *request(i)))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return LoadResult(latencies, errors, total, time.perf_counter() - start)


def _row(name: str, stats: dict[str, float]) -> str:
    return (
        f"  {name:<7} n={int(stats['n']):>6}  p50={stats['p50']:7.2f} ms  p90={stats['p90']:7.2f} ms  "
        f"p99={stats['p99']:7.2f} ms  max={stats['max']:7.2f} ms"
    )


async def run(args: argparse.Namespace, infrastructure: Infrastructure, server_log: IO[bytes]) -> int:
    # SIGTERM (e.g. `timeout`) cancels the run, so the finally below still stops the server and
    # drops the database instead of leaving both behind.
    main_task = asyncio.current_task()
    if main_task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    name = f"ras_bench_{uuid.uuid4().hex[:8]}"
    url = await create_database(infrastructure.postgres_url, name)
    server: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.to_thread(upgrade_to_head, ALEMBIC_DIR, url)
        started = time.perf_counter()
        data = await load(url, args.batches, args.essays, args.users, args.seed)
        print(
            f"loaded {args.batches} batches x {args.essays} essays for {args.users} teachers "
            f"in {time.perf_counter() - started:.1f} s (database {name})"
        )
        print("PostgreSQL only (in-process, sequential, no HTTP):")
        for query, stats in (await measure_queries(url, data, args.db_samples, args.seed)).items():
            print(_row(query, stats))

        port = free_port()
        server = start_server(url, port, server_log)
        await wait_healthy(f"http://127.0.0.1:{port}", server)
        # The generator's own full GC pauses would count as server latency; nothing it allocates
        # from here on lives long.
        gc.collect()
        gc.freeze()
        await open_loop("127.0.0.1", port, data, args.rate, args.warmup, args.seed + 1, args.connections)  # warm-up
        cpu_before = process_cpu_seconds(server.pid)
        result = await open_loop("127.0.0.1", port, data, args.rate, args.duration, args.seed, args.connections)
        cpu_per_request_ms = (process_cpu_seconds(server.pid) - cpu_before) * 1000 / max(result.sent, 1)
        achieved = (result.sent - result.errors) / result.elapsed_s
        print(
            f"HTTP through hypercorn, open loop at {args.rate:g} req/s for {args.duration:g} s "
            f"(achieved {achieved:.0f} req/s, errors {result.errors}):"
        )
        worst = 0.0
        for query, samples in result.latencies_ms.items():
            stats = percentiles(samples)
            worst = max(worst, stats["p99"])
            print(_row(query, stats))
        print(f"  server process CPU: {cpu_per_request_ms:.2f} ms per request (user + system, one event loop)")
        load_1m, load_5m, _ = os.getloadavg()
        print(f"  machine: {os.cpu_count()} cores, load average {load_1m:.1f} (1 min) / {load_5m:.1f} (5 min)")
        verdict = "meets" if worst < TARGET_P99_MS and result.errors == 0 else "misses"
        print(f"target: p99 < {TARGET_P99_MS:g} ms at 200 req/s -> worst p99 {worst:.2f} ms {verdict} it")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep_db:
            await drop_databases(infrastructure.postgres_url, [name])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-ras", description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--essays", type=int, default=30)
    parser.add_argument("--users", type=int, default=100, help="teachers the batches are spread over")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (half list, half detail)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections of the load generator")
    parser.add_argument("--db-samples", type=int, default=500, help="in-process samples per query")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database for inspection")
    args = parser.parse_args(argv)
    # Synchronous: it probes (and if need be starts) the dev stack with asyncio.run of its own.
    infrastructure = ensure_infrastructure(REPO_ROOT)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    with tempfile.NamedTemporaryFile(prefix="bench-ras-server-", suffix=".log", delete=False) as server_log:
        print(f"server log: {server_log.name}")
        return asyncio.run(run(args, infrastructure, server_log))


if __name__ == "__main__":
    sys.exit(main())
