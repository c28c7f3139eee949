"""Every metric content service declares is emitted once the service has done its work."""

import re
import uuid

from prometheus_client.metrics import MetricWrapperBase

from common_core.events.cj_assessment import CJAssessmentCompletedV1
from content_service import metrics


def declared() -> list[str]:
    return [next(iter(m.describe())).name for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)]


async def test_every_declared_metric_appears_on_metrics(content):
    assert len(declared()) == 4
    batch_id = await content.batch_with_essays()  # uploads: files and extraction time
    await content.start_assessment(batch_id)  # a request started, and a status change
    await content.start_assessment(batch_id)  # a request replayed
    event = CJAssessmentCompletedV1(
        batch_id=uuid.UUID(batch_id),
        job_id=uuid.uuid4(),
        essays_assessed=3,
        anchors_used=0,
        comparisons_completed=3,
        comparisons_failed=0,
        duration_seconds=1.0,
    )
    await content.publish(content.envelope(event), key=batch_id)

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
