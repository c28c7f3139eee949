"""Writing an event to the outbox in the caller's transaction, on the context's registry topic."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.adapters.tables import outbox
from class_management_service.config import SERVICE_NAME
from common_core.events.registry import EventRegistry
from huleedu_service_libs.envelopes import make_envelope
from huleedu_service_libs.outbox import add_to_outbox


async def emit(session: AsyncSession, registry: EventRegistry, payload: BaseModel, *, key: str) -> None:
    envelope = make_envelope(payload, source_service=SERVICE_NAME, registry=registry)
    await add_to_outbox(session, outbox, envelope, key=key, topic=registry.topic_for(type(payload)))
