"""Build outgoing envelopes with the topic from the registry and the current correlation id.

Work that started from an HTTP request or a consumed event carries that correlation id into
every event it emits; work that starts here gets a new one.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from common_core.envelope import EventEnvelope
from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from huleedu_service_libs.correlation import correlation_id_or_new

P = TypeVar("P", bound=BaseModel)


def make_envelope(
    payload: P,
    *,
    source_service: str,
    event_id: uuid.UUID | None = None,
    registry: EventRegistry = EVENTS,
) -> EventEnvelope[P]:
    """An envelope for ``payload`` on its registry topic.

    Pass ``event_id=deterministic_event_id(...)`` for facts a retry could emit twice.
    """
    fields: dict[str, object] = {
        "event_type": registry.topic_for(type(payload)),
        "source_service": source_service,
        "correlation_id": correlation_id_or_new(),
        "data": payload,
    }
    if event_id is not None:
        fields["event_id"] = event_id
    # Parametrise with the payload's concrete class: an envelope typed with a base class would
    # serialise only the base class's fields.
    model: type[EventEnvelope[P]] = cast(Any, EventEnvelope)[type(payload)]
    return model.model_validate(fields)
