"""Every metric content service declares is emitted once the service has done its work."""

import re

from prometheus_client.metrics import MetricWrapperBase

from content_service import metrics
from services.content_service.tests import cj_builders


def declared() -> list[str]:
    return [next(iter(m.describe())).name for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]


async def test_every_declared_metric_appears_on_metrics(content):
    assert len(declared()) == 4
    batch_id = await content.batch_with_essays()  # uploads: files and extraction time
    await content.start_assessment(batch_id)  # a request started, and a status change
    await content.start_assessment(batch_id)  # a request replayed
    await content.publish(content.envelope(cj_builders.completed(batch_id)), key=batch_id)

    async def completed() -> bool:
        return await content.batch_status(batch_id) == "completed"

    await content.eventually(completed)
    exposition = await (await content.call("GET", "/metrics", key=None, service=None, user=None)).get_data(as_text=True)
    missing = [
        name for name in declared() if not re.search(rf"^{name}(_total|_bucket|_count|_sum)?\{{", exposition, re.M)
    ]
    assert missing == []
    assert 'content_batch_transitions_total{from_status="assessment_requested",to_status="completed"}' in exposition
    # HTTP metrics carry the route template, never a raw batch id (PITFALLS: unbounded labels).
    assert 'route="/v1/batches/<uuid:batch_id>/assessments"' in exposition
    assert batch_id not in exposition
    # The shared restart counter is exported for both supervised loops before any crash.
    for worker in ("cj_events_consumer", "outbox_relay"):
        assert f'huleedu_background_worker_restarts_total{{service="content_service",worker="{worker}"}}' in exposition
