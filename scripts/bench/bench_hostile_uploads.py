"""Hostile uploads benchmark: what a decompression bomb costs the service that receives it.

``pdm run bench-hostile-uploads [--cj-bomb-mb 1000] [--content-bomb-mb 90]``

Builds the bombs itself (services/content_service/tests/hostile_files.py): a small .docx whose
``word/document.xml`` unpacks to about 1 GB, sent as an anchor to CJ's
``POST /v1/assignments/{id}/anchors/bulk``, and one unpacking to about 90 MB, sent as an essay to
content service's ``POST /v1/batches/{id}/essays`` (issue 14, defects 1 and 7). Both apps run
in this process against the dev stack's PostgreSQL and Kafka, on throwaway databases and fresh
topics (never the registry's), content service served over HTTP so that CJ can call it.

For each request it prints the time it took, the peak RSS of the process above its level before
the request, the slowest ``/healthz`` of the same app while the request ran, and the event loop's
longest stall (a 10 ms ticker). Timings are printed, never asserted. To measure older code, run
this file with that checkout's ``src`` folders first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from cj_assessment_service.app import create_app as create_cj_app
from cj_assessment_service.config import Settings as CJSettings
from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from content_service.app import create_app as create_content_app
from content_service.config import Settings as ContentSettings
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.testing.infrastructure import (
    Infrastructure,
    create_database,
    create_topics,
    delete_topics,
    drop_databases,
    ensure_infrastructure,
)
from huleedu_service_libs.testing.local_server import served
from huleedu_service_libs.testing.loop_stalls import watch_loop
from services.content_service.tests.hostile_files import docx_bomb

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY = "bench-hostile-key"
GATEWAY = {"X-Internal-API-Key": KEY, "X-Service-ID": "api_gateway_service", "X-User-ID": "bench-teacher"}
TARGET_HEALTHZ_S = 1.0


class PeakRss:
    """The process's resident memory, sampled every 5 ms in a thread (the event loop may be stalled)."""

    def __init__(self) -> None:
        self.peak = self.baseline = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        self.peak = self.baseline = _rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_bytes())


def _rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def measure(name: str, upload: Awaitable[Any], healthz: Callable[[], Awaitable[object]]) -> None:
    with PeakRss() as rss:
        watched = await watch_loop(upload, healthz)
    response = watched.result
    status = getattr(response, "status_code", "?")
    body = response.json() if isinstance(response, httpx.Response) else await response.get_json()
    outcome = body.get("error", {}).get("message") or (body.get("files") or [{}])[0].get("reason")
    print(
        f"{name}: {watched.seconds:.2f} s, peak RSS +{(rss.peak - rss.baseline) / 1e6:.0f} MB "
        f"({rss.peak / 1e6:.0f} MB), worst /healthz {watched.worst_probe_s:.2f} s over {watched.probes} probes, "
        f"worst loop stall {watched.worst_stall_s:.2f} s (target < {TARGET_HEALTHZ_S:g} s)"
    )
    print(f"  answer {status}: {str(outcome)[:140]}")


async def run(args: argparse.Namespace, infrastructure: Infrastructure) -> None:
    suffix = uuid.uuid4().hex[:8]
    names = [f"bench_hostile_content_{suffix}", f"bench_hostile_cj_{suffix}"]
    registry = EventRegistry()
    for _, model in EVENTS:
        registry.register(f"bench.hostile.{suffix}.{model.__name__.lower()}", model)
    topics = [topic for topic, _ in registry]
    await create_topics(infrastructure.kafka_bootstrap, [*topics, *(f"{t}.dlq" for t in topics)], 1)
    content_url = await create_database(infrastructure.postgres_url, names[0])
    cj_url = await create_database(infrastructure.postgres_url, names[1])
    try:
        await asyncio.to_thread(upgrade_to_head, REPO_ROOT / "services/content_service/alembic", content_url)
        await asyncio.to_thread(upgrade_to_head, REPO_ROOT / "services/cj_assessment_service/alembic", cj_url)
        shared: dict[str, Any] = {
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
            "HULEEDU_REDIS_URL": infrastructure.redis_url,
            "HULEEDU_INTERNAL_API_KEY": KEY,
            "HULEEDU_LOG_LEVEL": "WARNING",
        }
        content_app = await create_content_app(
            ContentSettings(database_url=content_url, **shared), registry=registry, consumer_group=f"bench-{suffix}"
        )
        print(f"building bombs: {args.content_bomb_mb} MB for content service, {args.cj_bomb_mb} MB for CJ ...")
        content_bomb = docx_bomb(args.content_bomb_mb * 1_000_000)
        cj_bomb = docx_bomb(args.cj_bomb_mb * 1_000_000)
        print(f"  {len(content_bomb) / 1000:.0f} kB and {len(cj_bomb) / 1000:.0f} kB on the wire")
        async with served(content_app) as base, httpx.AsyncClient(base_url=base, timeout=600) as content:
            batch = await content.post("/v1/batches", json={"title": "Bench", "course_code": "ENG5"}, headers=GATEWAY)
            batch_id = batch.json()["batch_id"]

            async def content_healthz() -> None:
                await content.get("/healthz")

            upload = content.post(
                f"/v1/batches/{batch_id}/essays", files=[("files", ("bomb.docx", content_bomb))], headers=GATEWAY
            )
            await measure("content essay upload", upload, content_healthz)

            cj_settings = CJSettings(
                database_url=cj_url, content_service_url=base, consumer_group_prefix=f"bench-{suffix}", **shared
            )
            cj_app = await create_cj_app(cj_settings, registry=registry)
            async with cj_app.test_app() as running:
                cj = running.test_client()
                body = {"title": "Bench", "course_code": "ENG5", "grade_scale": "eng5_np", "instructions": "Compare."}
                assignment_id = (await (await cj.post("/v1/assignments", json=body, headers=GATEWAY)).get_json())[
                    "assignment_id"
                ]
                encoded = httpx.Request(
                    "POST",
                    "http://cj",
                    files=[("files", ("bomb.docx", cj_bomb)), ("grades", ("grades.csv", b"bomb,C+\n"))],
                )
                multipart = encoded.read()
                headers = {**GATEWAY, "Content-Type": encoded.headers["Content-Type"]}

                async def cj_healthz() -> None:
                    await cj.get("/healthz")

                bulk = cj.post(f"/v1/assignments/{assignment_id}/anchors/bulk", data=multipart, headers=headers)
                await measure("CJ bulk anchor upload", bulk, cj_healthz)
                other = {**headers, "X-User-ID": "another-teacher"}
                bulk = cj.post(f"/v1/assignments/{assignment_id}/anchors/bulk", data=multipart, headers=other)
                await measure("CJ bulk anchor upload, another teacher's assignment", bulk, cj_healthz)
    finally:
        await drop_databases(infrastructure.postgres_url, names)
        await delete_topics(infrastructure.kafka_bootstrap, [*topics, *(f"{t}.dlq" for t in topics)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-hostile-uploads", description=__doc__.splitlines()[0])
    parser.add_argument("--cj-bomb-mb", type=int, default=1000, help="unpacked size of the anchor bomb")
    parser.add_argument("--content-bomb-mb", type=int, default=90, help="unpacked size of the essay bomb")
    args = parser.parse_args(argv)
    infrastructure = ensure_infrastructure(REPO_ROOT)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; started {time.ctime()}")
    asyncio.run(run(args, infrastructure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
