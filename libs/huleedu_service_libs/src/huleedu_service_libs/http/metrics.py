"""The standard HTTP metrics, labelled by route template, and the ``/metrics`` payload.

Every label value is bounded: the route is the matched template (``/items/{item_id}``, never
``/items/123``), a path no route matches is :data:`UNMATCHED_ROUTE`, and a method outside the
standard set is ``OTHER`` (PITFALLS: a raw path as a label is unbounded cardinality).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from huleedu_service_libs.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS

UNMATCHED_ROUTE = "<unmatched>"
METRICS_PATH = "/metrics"
HEALTH_PATH = "/healthz"
METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST

_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def record_request(service: str, method: str, route: str | None, status: int, seconds: float) -> None:
    method_label = method.upper() if method.upper() in _KNOWN_METHODS else "OTHER"
    route_label = route or UNMATCHED_ROUTE
    HTTP_REQUESTS.labels(service, method_label, route_label, str(status)).inc()
    HTTP_REQUEST_SECONDS.labels(service, method_label, route_label).observe(seconds)


def metrics_payload() -> bytes:
    return generate_latest(REGISTRY)
