"""DELETE /v1/account against real PostgreSQL and Kafka, with CJ as a fake HTTP server: refused while the
teacher shares assignments (each named) or when CJ cannot answer, and on a wrong password, changing nothing;
otherwise the teacher's classes, students, batches, essays and account go (another teacher's stay), no
column holds the teacher's or their students' names, exactly one TeacherAccountDeletedV1 reaches Kafka, and the
access log of the teacher's data goes (another teacher's stays).
The dev demo teacher may be deleted, and is seeded again at the next start."""

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from quart import Quart, request
from quart.typing import ResponseReturnValue
from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.app import create_app
from class_management_service.config import Settings
from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
from class_management_service.service_layer.accounts import DEMO_EMAIL, DEMO_PASSWORD, create_teacher
from common_core.events.batch import BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import TeacherAccountDeletedV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.settings import DEV_INTERNAL_API_KEY
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.local_server import served

from .conftest import (
    ALEMBIC_DIR,
    KEY,
    EventSender,
    columns_holding,
    dev_mode_settings,
    eventually,
    gateway,
    read_events,
)

PASSWORD = "lång-och-säker-lösen"
SHARED_PATH = "/internal/v1/users/<user_id>/shared-assignments"


class FakeCJ:
    """CJ's shared-assignments route: ``shared`` per user, or ``status`` for every answer when set."""

    def __init__(self) -> None:
        self.shared: dict[str, list[dict[str, str]]] = {}
        self.status: int | None = None
        self.asked: list[dict[str, str]] = []
        self.app = Quart("fake_cj")
        self.app.add_url_rule(SHARED_PATH, view_func=self._shared, methods=["GET"])

    async def _shared(self, user_id: str) -> ResponseReturnValue:
        self.asked.append({"user": user_id, **{name: request.headers.get(name, "") for name in _HEADERS}})
        if self.status is not None:
            return {"error": {"code": "SERVICE_UNAVAILABLE"}}, self.status
        return {"items": self.shared.get(user_id, [])}


_HEADERS = ("X-Internal-API-Key", "X-Service-ID", "X-User-ID")


@pytest.fixture
async def fake_cj() -> AsyncIterator[tuple[FakeCJ, str]]:
    cj = FakeCJ()
    async with served(cj.app) as url:
        yield cj, url


@pytest.fixture
def settings(settings: Settings, fake_cj: tuple[FakeCJ, str]) -> Settings:
    """The conftest's settings, with CJ at the fake."""
    return settings.model_copy(update={"cj_assessment_service_url": fake_cj[1]})


class Teacher:
    """A teacher with a class of two students (their family name unique to the teacher) and a batch whose
    essay is confirmed as one student's."""

    def __init__(self, running_app: Any, client: QuartClient, events: EventSender, email: str, family: str) -> None:
        self.running_app, self.client, self.events = running_app, client, events
        self.email, self.family = email, family
        self.user_id = ""
        self.batch_id = uuid.uuid4()

    async def build(self) -> None:
        context = self.running_app.app.extensions[CONTEXT_EXTENSION]
        async with context.unit_of_work() as uow:
            profile = await create_teacher(
                uow, context.passwords, email=self.email, display_name="T", password=PASSWORD
            )
        self.user_id = str(profile.user_id)
        me = gateway(self.user_id)
        created = await self.client.post("/v1/classes", headers=me, json={"name": "9B", "course_code": "E"})
        class_id = (await created.get_json())["class_id"]
        students = []
        for first in ("Tuva", "Åsa"):
            body = {"first_name": first, "last_name": self.family, "class_ids": [class_id]}
            students.append(await (await self.client.post("/v1/students", headers=me, json=body)).get_json())
        registered = BatchRegisteredV1(
            batch_id=self.batch_id,
            user_id=self.user_id,
            title="Uniforms",
            course_code="ENG5",
            class_id=uuid.UUID(class_id),
            created_at=datetime.now(UTC),
        )
        essay_id = uuid.uuid4()
        uploaded = EssayUploadedV1(
            batch_id=self.batch_id,
            essay_id=essay_id,
            filename=f"tuva_{self.family}.docx",
            text_ref=uuid.uuid4().hex * 2,
            word_count=300,
            author_hint=f"Tuva {self.family}",
        )
        for event in (registered, uploaded):
            await self.events.send(event, key=str(self.batch_id))
        await eventually(self._essay_listed)
        body = {"associations": [{"essay_id": str(essay_id), "student_id": students[0]["student_id"]}]}
        path = f"/v1/batches/{self.batch_id}/associations/confirm"
        assert (await self.client.post(path, headers=me, json=body)).status_code == 200

    async def _essay_listed(self) -> bool | None:
        listed = await self.client.get(f"/v1/batches/{self.batch_id}/associations", headers=gateway(self.user_id))
        return True if listed.status_code == 200 and (await listed.get_json())["essays"] else None

    async def delete(self, password: str = PASSWORD):
        return await self.client.delete("/v1/account", headers=gateway(self.user_id), json={"password": password})

    async def signs_in(self) -> int:
        body = {"email": self.email, "password": PASSWORD}
        return (await self.client.post("/internal/v1/auth/verify", headers=gateway(), json=body)).status_code


async def _owned(sessions: async_sessionmaker[AsyncSession], teacher: Teacher) -> dict[str, int]:
    """How many rows of each kind the teacher owns."""
    queries = {
        "teachers": "SELECT count(*) FROM teachers WHERE id::text = :owner",
        "classes": "SELECT count(*) FROM classes WHERE owner_id = :owner",
        "students": "SELECT count(*) FROM students WHERE owner_id = :owner",
        "batches": "SELECT count(*) FROM batches WHERE owner_id = :owner",
        "essays": "SELECT count(*) FROM essays WHERE batch_id = :batch",
    }
    params = {"owner": teacher.user_id, "batch": teacher.batch_id}
    async with sessions() as session:
        return {name: (await session.execute(text(q), params)).scalar_one() for name, q in queries.items()}


EVERYTHING = {"teachers": 1, "classes": 1, "students": 2, "batches": 1, "essays": 1}


@pytest.fixture
async def karin_and_lars(running_app: Any, client: QuartClient, events: EventSender) -> tuple[Teacher, Teacher]:
    karin = Teacher(running_app, client, events, "karin@skola.se", "Zqxkarinsson")
    lars = Teacher(running_app, client, events, "lars@skola.se", "Zqxlarsson")
    await karin.build()
    await lars.build()
    return karin, lars


async def test_shared_assignments_refuse_the_deletion_then_everything_the_account_owns_goes(
    karin_and_lars: tuple[Teacher, Teacher],
    fake_cj: tuple[FakeCJ, str],
    sessions: async_sessionmaker[AsyncSession],
    registry: EventRegistry,
    infrastructure: Infrastructure,
):
    karin, lars = karin_and_lars
    cj, _ = fake_cj
    shared = [{"assignment_id": str(uuid.uuid4()), "title": "Debattartikel åk 9"}]
    cj.shared[karin.user_id] = shared
    assert await columns_holding(sessions, karin.family) == {
        "students.last_name",
        "essays.filename",
        "essays.author_hint",
        "event_outbox.value",
    }

    refused = await karin.delete()

    assert refused.status_code == 409
    error = (await refused.get_json())["error"]
    assert "Debattartikel åk 9" in error["message"]
    assert "Hand over or stop sharing these first" in error["message"]
    assert error["details"]["shared_assignments"] == shared
    assert await _owned(sessions, karin) == EVERYTHING
    assert cj.asked[0] == {
        "user": karin.user_id,
        "X-Internal-API-Key": KEY,
        "X-Service-ID": "class_management_service",
        "X-User-ID": karin.user_id,
    }

    cj.shared.clear()  # handed over
    deleted = await karin.delete()

    assert (deleted.status_code, await deleted.get_data()) == (204, b"")
    assert await _owned(sessions, karin) == dict.fromkeys(EVERYTHING, 0)
    assert await _owned(sessions, lars) == EVERYTHING
    assert await columns_holding(sessions, karin.family) == set()
    assert await columns_holding(sessions, karin.email) == set()
    assert await columns_holding(sessions, str(karin.batch_id)) == {"erased_batches.batch_id"}
    assert await karin.signs_in() == 401
    assert await lars.signs_in() == 200
    topic = registry.topic_for(TeacherAccountDeletedV1)
    records = await read_events(infrastructure.kafka_bootstrap, topic, 2, timeout_s=10)
    assert [(key, envelope["data"]["user_id"]) for key, envelope, _ in records] == [
        (karin.user_id.encode(), karin.user_id)
    ]
    # Once more: the account is gone.
    assert (await karin.delete()).status_code == 404


async def test_the_access_log_of_the_deleted_account_goes_and_the_other_teachers_stays(
    karin_and_lars: tuple[Teacher, Teacher], sessions: async_sessionmaker[AsyncSession]
):
    karin, lars = karin_and_lars

    async def entries() -> dict[str, int]:
        async with sessions() as session:
            rows = await session.execute(text("SELECT owner_id, count(*) FROM access_log GROUP BY owner_id"))
            return dict(rows.all())

    # Each teacher read their batch's associations while it was built: the log has entries of both.
    before = await entries()
    assert before.keys() == {karin.user_id, lars.user_id}

    assert (await karin.delete()).status_code == 204

    assert await entries() == {lars.user_id: before[lars.user_id]}


async def test_a_wrong_password_is_a_403_and_cj_is_not_asked(
    karin_and_lars: tuple[Teacher, Teacher], fake_cj: tuple[FakeCJ, str], sessions: async_sessionmaker[AsyncSession]
):
    karin, _ = karin_and_lars

    response = await karin.delete("inte mitt lösenord")

    assert response.status_code == 403
    error = (await response.get_json())["error"]
    assert (error["code"], error["details"]["reason"]) == ("FORBIDDEN", "wrong_password")
    assert await _owned(sessions, karin) == EVERYTHING
    assert fake_cj[0].asked == []


async def test_when_cj_cannot_answer_it_is_a_503_and_nothing_is_deleted(
    karin_and_lars: tuple[Teacher, Teacher], fake_cj: tuple[FakeCJ, str], sessions: async_sessionmaker[AsyncSession]
):
    karin, _ = karin_and_lars
    fake_cj[0].status = 500

    response = await karin.delete()

    assert response.status_code == 503
    assert await _owned(sessions, karin) == EVERYTHING
    assert await karin.signs_in() == 200


async def test_the_demo_teacher_may_be_deleted_and_is_seeded_again_at_the_next_start(
    database_factory: Callable[[str], str],
    infrastructure: Infrastructure,
    unique_group_id: str,
    redis_prefix: str,
    registry: EventRegistry,
    fake_cj: tuple[FakeCJ, str],
):
    url = migrated_database(database_factory, ALEMBIC_DIR, "demo_deleted")
    settings = dev_mode_settings(
        infrastructure,
        url,
        consumer_group=unique_group_id,
        redis_key_prefix=redis_prefix,
        cj_assessment_service_url=fake_cj[1],
    )
    demo_ids = []
    for _ in range(2):  # the second start follows the deletion
        app = await create_app(settings, registry=registry)
        async with app.test_app() as test_app:
            client = test_app.test_client()
            verify = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
            signed_in = await client.post(
                "/internal/v1/auth/verify", headers=gateway(key=DEV_INTERNAL_API_KEY), json=verify
            )
            assert signed_in.status_code == 200
            demo_ids.append((await signed_in.get_json())["user_id"])
            response = await client.delete(
                "/v1/account", headers=gateway(demo_ids[-1], key=DEV_INTERNAL_API_KEY), json={"password": DEMO_PASSWORD}
            )
            assert response.status_code == 204

    assert demo_ids[0] != demo_ids[1]
