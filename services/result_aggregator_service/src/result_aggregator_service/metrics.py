"""RAS's domain metrics. HTTP and consumer metrics come from huleedu_service_libs."""

from __future__ import annotations

from prometheus_client import Counter

# outcome: "applied" (folded into a registered batch), "early" (folded into a batch whose
# registration has not arrived yet; kept, shown once it does) or "stale" (an older or post-terminal
# fact that changed nothing). Emitted by the folds in service_layer/.
EVENTS_FOLDED = Counter(
    "result_aggregator_events_folded_total",
    "Events folded into the read model",
    ["event", "outcome"],
)
