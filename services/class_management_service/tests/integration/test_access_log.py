"""CMS's access log against real PostgreSQL (issue 23): a read of a student's data made for a teacher is one
entry per student or batch, with the teacher, the calling service and read or export; a refused or user-less
read leaves none; each teacher reads only their own log, and hostile paging parameters are a 400. The
student's record for their data export lists the essays confirmed as theirs only. Retention prunes old entries.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.tables import access_log
from class_management_service.config import Settings
from class_management_service.domain.model import MatchOutcome
from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
from common_core.events.registry import EventRegistry
from common_core.http.access import AccessLogPage
from common_core.http.class_management import StudentRecord
from huleedu_service_libs.testing.fake_access_log import HOSTILE_PAGING_PARAMS

from .conftest import FakeEssayTexts, eventually, gateway
from .test_retention import running

ANNA, BERTIL = str(uuid.uuid4()), str(uuid.uuid4())
BFF, GATEWAY = "bff_teacher_service", "api_gateway_service"
EXPORT = {"X-Access-Purpose": "export"}


@dataclass
class Roster:
    """Anna's class with Tuva and Åsa, and a batch with Tuva's confirmed essay and one only suggested as hers."""

    class_id: str
    tuva: str
    asa: str
    batch_id: uuid.UUID
    confirmed: uuid.UUID
    suggested: uuid.UUID


async def _roster(client: QuartClient, running_app: Any) -> Roster:
    created = await client.post("/v1/classes", headers=gateway(ANNA), json={"name": "9B", "course_code": "ENG5"})
    class_id = (await created.get_json())["class_id"]
    students = []
    for first in ("Tuva", "Åsa"):
        body = {"first_name": first, "last_name": "Karlsson", "class_ids": [class_id]}
        students.append(await (await client.post("/v1/students", headers=gateway(ANNA), json=body)).get_json())
    tuva, asa = (s["student_id"] for s in students)
    batch_id, confirmed, suggested = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Stored directly: the batch events' delivery over Kafka is tested elsewhere.
    async with running_app.app.extensions[CONTEXT_EXTENSION].unit_of_work() as uow:
        await uow.associations.record_batch(batch_id, ANNA, uuid.UUID(class_id))
        for essay_id, name in ((confirmed, "tuva.docx"), (suggested, "maybe_tuva.docx")):
            await uow.associations.insert_essay(essay_id, batch_id, filename=name, text_ref="t" * 64, author_hint=None)
        now = datetime.now(UTC)
        await uow.associations.save_match(suggested, MatchOutcome(None, uuid.UUID(tuva), 0.9, {}, now))
    body = {"associations": [{"essay_id": str(confirmed), "student_id": tuva}]}
    confirm = await client.post(f"/v1/batches/{batch_id}/associations/confirm", headers=gateway(ANNA), json=body)
    assert confirm.status_code == 200
    return Roster(class_id, tuva, asa, batch_id, confirmed, suggested)


@pytest.fixture
async def roster(client: QuartClient, running_app: Any) -> Roster:
    return await _roster(client, running_app)


def _log_url(user_id: str) -> str:
    return f"/internal/v1/users/{user_id}/access-log"


async def _log(client: QuartClient, user_id: str = ANNA, **params: str) -> list[dict[str, Any]]:
    response = await client.get(_log_url(user_id), headers=gateway(user_id, service=BFF), query_string=params)
    assert response.status_code == 200, await response.get_data(as_text=True)
    return [e.model_dump(mode="json") for e in AccessLogPage.model_validate(await response.get_json()).entries]


async def _stored(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(access_log))).scalar_one())


def _seen(entries: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(e["actor_service"], e["action"], e["subject_kind"], e["subject_id"]) for e in entries]


async def test_each_read_of_students_data_is_one_entry_per_student_or_batch_with_the_teacher(
    client: QuartClient, roster: Roster, sessions: async_sessionmaker[AsyncSession]
):
    assert await _stored(sessions) == 0  # creating, confirming and answering the writes logs no read

    assert (await client.get(f"/v1/students/{roster.tuva}", headers=gateway(ANNA))).status_code == 200
    assert (await client.get(f"/v1/classes/{roster.class_id}", headers=gateway(ANNA, service=BFF))).status_code == 200
    listed = await client.get(f"/v1/batches/{roster.batch_id}/associations", headers=gateway(ANNA, service=BFF))
    assert listed.status_code == 200

    entries = await _log(client)
    assert _seen(entries[:1]) == [(BFF, "read", "batch", str(roster.batch_id))]
    # The roster: one entry per student listed.
    assert sorted(_seen(entries[1:3])) == sorted(
        [(BFF, "read", "student", roster.tuva), (BFF, "read", "student", roster.asa)]
    )
    assert _seen(entries[3:]) == [(GATEWAY, "read", "student", roster.tuva)]
    assert {(e["recorded_by"], e["actor_user_id"]) for e in entries} == {("class_management_service", ANNA)}
    times = [e["occurred_at"] for e in entries]
    assert times == sorted(times, reverse=True)

    # Paging back in time: the next page starts below the last entry shown.
    [newest] = await _log(client, limit="1")
    older = await _log(client, before=newest["occurred_at"])
    assert _seen(older) == _seen(entries[1:])


async def test_the_students_record_lists_only_confirmed_essays_and_an_export_is_logged_as_one(
    client: QuartClient, roster: Roster
):
    url = f"/internal/v1/students/{roster.tuva}/record"

    exported = await client.get(url, headers={**gateway(ANNA, service=BFF), **EXPORT})

    assert exported.status_code == 200
    record = StudentRecord.model_validate(await exported.get_json())
    assert (str(record.student.student_id), record.student.first_name) == (roster.tuva, "Tuva")
    assert [(str(c.class_id), c.name, c.course_code) for c in record.classes] == [(roster.class_id, "9B", "ENG5")]
    # Only the teacher's confirmation makes an essay the student's; a suggestion does not.
    assert [(e.batch_id, e.essay_id, e.filename) for e in record.essays] == [
        (roster.batch_id, roster.confirmed, "tuva.docx")
    ]
    assert _seen(await _log(client)) == [(BFF, "export", "student", roster.tuva)]

    assert (await client.get(url, headers=gateway(ANNA, service=BFF))).status_code == 200
    assert _seen((await _log(client))[:1]) == [(BFF, "read", "student", roster.tuva)]


async def test_another_teachers_student_is_a_404_and_refused_or_user_less_reads_log_nothing(
    client: QuartClient, roster: Roster, sessions: async_sessionmaker[AsyncSession]
):
    record = f"/internal/v1/students/{roster.tuva}/record"
    unknown = f"/internal/v1/students/{uuid.uuid4()}/record"

    assert (await client.get(record, headers={**gateway(BERTIL, service=BFF), **EXPORT})).status_code == 404
    assert (await client.get(unknown, headers=gateway(ANNA, service=BFF))).status_code == 404
    assert (await client.get(record, headers=gateway(service=BFF))).status_code == 401
    assert (await client.get(record, headers=gateway(ANNA, service=GATEWAY))).status_code == 403
    assert (await client.get(f"/v1/students/{roster.tuva}", headers=gateway(BERTIL))).status_code == 404
    assert (await client.get(f"/v1/students/{roster.tuva}", headers=gateway())).status_code == 401
    assert (await client.get(f"/v1/classes/{roster.class_id}", headers=gateway(BERTIL))).status_code == 404
    assert (await client.get(f"/v1/batches/{roster.batch_id}/associations", headers=gateway())).status_code == 401

    assert await _stored(sessions) == 0


async def test_a_teacher_reads_only_their_own_log(client: QuartClient, roster: Roster):
    assert (await client.get(f"/v1/students/{roster.tuva}", headers=gateway(ANNA))).status_code == 200

    assert _seen(await _log(client)) == [(GATEWAY, "read", "student", roster.tuva)]
    assert await _log(client, BERTIL) == []
    # Anna's log asked for by Bertil, a malformed id, the gateway, nobody: as absent as an unknown user.
    assert (await client.get(_log_url(ANNA), headers=gateway(BERTIL, service=BFF))).status_code == 404
    assert (await client.get(_log_url("not-a-user"), headers=gateway("not-a-user", service=BFF))).status_code == 404
    assert (await client.get(_log_url(ANNA), headers=gateway(ANNA, service=GATEWAY))).status_code == 403
    assert (await client.get(_log_url(ANNA), headers=gateway(service=BFF))).status_code == 401


@pytest.mark.parametrize("params", HOSTILE_PAGING_PARAMS, ids=lambda p: repr(p)[:40])
async def test_hostile_paging_parameters_are_a_400_never_a_500(client: QuartClient, params: dict[str, str]):
    response = await client.get(_log_url(ANNA), headers=gateway(ANNA, service=BFF), query_string=params)

    assert response.status_code == 400, await response.get_data(as_text=True)
    assert (await response.get_json())["error"]["service"] == "class_management_service"


async def test_retention_prunes_the_entries_older_than_the_period(
    settings: Settings,
    registry: EventRegistry,
    essay_texts: FakeEssayTexts,
    sessions: async_sessionmaker[AsyncSession],
):
    async with running(settings, registry, essay_texts, keep_aggregates=True) as test_app:
        client = test_app.test_client()  # type: ignore[attr-defined]
        roster = await _roster(client, test_app)
        for student in (roster.tuva, roster.asa):
            assert (await client.get(f"/v1/students/{student}", headers=gateway(ANNA))).status_code == 200
        # Tuva's read happened long ago; Åsa's "later", so it is not due while the test runs.
        async with sessions() as session, session.begin():
            for student, shift in ((roster.tuva, -timedelta(days=1)), (roster.asa, timedelta(hours=1))):
                await session.execute(
                    update(access_log)
                    .where(access_log.c.subject_id == student)
                    .values(occurred_at=access_log.c.occurred_at + shift)
                )

        async def pruned() -> bool | None:
            return True if await _stored(sessions) == 1 else None

        await eventually(pruned)
        assert _seen(await _log(client)) == [(GATEWAY, "read", "student", roster.asa)]
        metrics = await (await client.get("/metrics")).get_data(as_text=True)
        assert 'huleedu_retention_purged_total{kind="access_log",service="class_management_service"}' in metrics
