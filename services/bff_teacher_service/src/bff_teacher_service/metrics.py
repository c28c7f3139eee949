"""The BFF's own metrics; each is emitted where its comment says."""

from __future__ import annotations

from prometheus_client import Gauge

# service_layer.progress_hub: up when a live progress stream subscribes, down when it is released.
SSE_STREAMS_OPEN = Gauge("huleedu_sse_streams_open", "Live progress (SSE) streams open on this instance")
