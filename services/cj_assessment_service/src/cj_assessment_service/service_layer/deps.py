"""What the handlers need, passed explicitly (built once per app in ``app.py``)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cj_assessment_service.adapters.content_client import ContentClient
from cj_assessment_service.adapters.lps_client import LPSClient
from cj_assessment_service.adapters.tables import outbox
from cj_assessment_service.config import Settings
from common_core.envelope import deterministic_event_id
from common_core.events.registry import EventRegistry
from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.envelopes import make_envelope
from huleedu_service_libs.outbox import add_to_outbox


@dataclass
class ServiceDeps:
    settings: Settings
    registry: EventRegistry
    sessions: async_sessionmaker[AsyncSession]
    content: ContentClient
    lps: LPSClient
    # Set once a transaction that planned pairs has committed: the submitter sends them at once.
    submit_wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def wake_submitter_after_commit(self, session: AsyncSession) -> None:
        """Wake the submitter when ``session`` commits (never before: it would find nothing yet)."""
        event.listen(session.sync_session, "after_commit", lambda _s: self.submit_wakeup.set(), once=True)

    async def emit(
        self,
        session: AsyncSession,
        payload: BaseModel,
        *,
        key: uuid.UUID,
        correlation_id: uuid.UUID,
        natural_key: tuple[object, ...],
    ) -> None:
        """Write ``payload`` to the outbox in ``session``'s transaction with a deterministic event id."""
        with correlation_scope(correlation_id):
            envelope = make_envelope(
                payload,
                source_service=self.settings.service_name,
                event_id=deterministic_event_id(*natural_key),
                registry=self.registry,
            )
        topic = self.registry.topic_for(type(payload))
        await add_to_outbox(session, outbox, envelope, key=str(key), topic=topic)
