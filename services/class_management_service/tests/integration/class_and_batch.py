"""The start most batch-event tests share: a teacher's class 9B with its students, and a batch for it.

The essays' events differ per test file (what their names, hints and openings must show), so each
scenario builds its own ``EssayUploadedV1``s; the class, the roster and the batch are built here once.
"""

import uuid
from datetime import UTC, datetime
from typing import Self

from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.events.batch import BatchRegisteredV1

from .conftest import EventSender, FakeEssayTexts, gateway


class ClassAndBatch:
    """``owner``'s class 9B with the ``roster``'s students, and a batch of three essays (ids chosen up front)."""

    owner: str
    roster: tuple[tuple[str, str], ...]  # (first name, last name)

    def __init__(
        self,
        client: QuartClient,
        events: EventSender,
        texts: FakeEssayTexts,
        sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        self.client, self.events, self.texts, self.sessions = client, events, texts, sessions
        self.batch_id = uuid.uuid4()
        self.essay_ids = [uuid.uuid4() for _ in range(3)]
        self.students: dict[str, str] = {}  # first name -> student id
        self.class_id = ""

    @classmethod
    async def with_class(
        cls,
        client: QuartClient,
        events: EventSender,
        texts: FakeEssayTexts,
        sessions: async_sessionmaker[AsyncSession],
    ) -> Self:
        """The scenario with its class and roster already built."""
        built = cls(client, events, texts, sessions)
        await built.build_class()
        return built

    async def build_class(self) -> None:
        body = {"name": "9B", "course_code": "E"}
        created = await self.client.post("/v1/classes", headers=gateway(self.owner), json=body)
        self.class_id = (await created.get_json())["class_id"]
        for first, last in self.roster:
            self.students[first] = await self.add_student(first, last)

    async def add_student(self, first: str, last: str) -> str:
        body = {"first_name": first, "last_name": last, "class_ids": [self.class_id]}
        response = await self.client.post("/v1/students", headers=gateway(self.owner), json=body)
        return (await response.get_json())["student_id"]

    def registered(self, class_id: str | None = None) -> BatchRegisteredV1:
        """The batch's registration, for the class built (or ``class_id``)."""
        return BatchRegisteredV1(
            batch_id=self.batch_id,
            user_id=self.owner,
            title="Uniforms",
            course_code="ENG5",
            class_id=uuid.UUID(class_id or self.class_id),
            created_at=datetime.now(UTC),
        )
