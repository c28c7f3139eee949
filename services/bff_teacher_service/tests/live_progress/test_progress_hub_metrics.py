"""huleedu_sse_streams_open follows the hub's streams; a refused stream counts as a rate-limit hit."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from bff_teacher_service.service_layer.progress_hub import STREAMS_LIMIT, ProgressHub
from huleedu_service_libs.errors import RateLimitedError
from services.bff_teacher_service.tests.live_progress.support import BATCH_ID, OTHER_BATCH_ID


def streams_open() -> float:
    return REGISTRY.get_sample_value("huleedu_sse_streams_open") or 0.0


def limit_hits(service: str) -> float:
    labels = {"service": service, "limit": STREAMS_LIMIT}
    return REGISTRY.get_sample_value("huleedu_rate_limit_hits_total", labels) or 0.0


def test_the_gauge_goes_up_with_each_stream_and_down_once_per_close():
    hub = ProgressHub(max_streams_per_user=5)
    before = streams_open()
    first, second = hub.subscribe("t1", BATCH_ID), hub.subscribe("t2", OTHER_BATCH_ID)
    assert streams_open() == before + 2
    first.close()
    first.close()  # closing twice releases one stream, not two
    assert streams_open() == before + 1
    second.close()
    assert streams_open() == before


def test_a_refused_stream_is_a_rate_limit_hit_and_not_an_open_stream():
    hub = ProgressHub(max_streams_per_user=1, service_name="bff_metrics_test")
    held = hub.subscribe("t1", BATCH_ID)
    before_open, before_hits = streams_open(), limit_hits("bff_metrics_test")
    with pytest.raises(RateLimitedError):
        hub.subscribe("t1", OTHER_BATCH_ID)
    assert streams_open() == before_open
    assert limit_hits("bff_metrics_test") == before_hits + 1
    held.close()
