"""batch.registered and essay.uploaded through real Kafka: suggestions in either arrival order,
confirmation and correction by the owner only, the internal lookups, and idempotent handling of
redelivered events."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from quart.typing import TestClientProtocol as QuartClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.tables import essays, processed_events
from class_management_service.config import Settings
from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
from class_management_service.metrics import ASSOCIATIONS_CONFIRMED, LOGIN_ATTEMPTS, STUDENT_SUGGESTIONS
from class_management_service.service_layer.associations import BatchEventHandlers
from common_core.events.batch import BatchRegisteredV1, EssayUploadedV1
from common_core.events.classes import EssayStudentAssociationsConfirmedV1
from common_core.events.registry import EventRegistry
from huleedu_service_libs.metrics import CONSUMER_DUPLICATES
from huleedu_service_libs.testing.infrastructure import Infrastructure

from .class_and_batch import ClassAndBatch
from .conftest import EventSender, FakeEssayTexts, eventually, gateway, read_events

ANNA = str(uuid.uuid4())
BERTIL = str(uuid.uuid4())


class Scenario(ClassAndBatch):
    """Anna's class 9B (Tuva Karlsson, Åsa Öberg, Anna Maria Berg) and a batch of three essays."""

    owner = ANNA
    roster = (("Tuva", "Karlsson"), ("Åsa", "Öberg"), ("Anna Maria", "Berg"))

    def essay_event(self, index: int) -> EssayUploadedV1:
        hints = ["Karlsson Tuva", None, "Okänd Person"]
        filenames = ["tuva.docx", "uppsats.docx", "essay3.txt"]
        text_ref = f"{index:064x}"
        self.texts.texts[text_ref] = ["Uniforms", "ÅSA ÖBERG, 9B\n\nSchool uniforms...", "Essay"][index]
        return EssayUploadedV1(
            batch_id=self.batch_id,
            essay_id=self.essay_ids[index],
            filename=filenames[index],
            text_ref=text_ref,
            word_count=300,
            author_hint=hints[index],
        )

    async def send_essays(self) -> None:
        for index in range(3):
            await self.events.send(self.essay_event(index), key=str(self.batch_id))

    async def send_batch(self, class_id: str | None = None) -> uuid.UUID:
        return await self.events.send(self.registered(class_id), key=str(self.batch_id))

    async def essays_stored(self, count: int) -> bool | None:
        async with self.sessions() as session:
            stored = (await session.execute(select(func.count()).select_from(essays))).scalar_one()
        return True if stored >= count else None

    async def associations(self, owner: str = ANNA) -> Any:
        response = await self.client.get(f"/v1/batches/{self.batch_id}/associations", headers=gateway(owner))
        return response.status_code, await response.get_json()

    async def settled(self) -> dict[str, Any] | None:
        """The associations once every essay has been through matching."""
        status, body = await self.associations()
        if status != 200 or len(body["essays"]) < 3:
            return None
        async with self.sessions() as session:
            pending = (
                await session.execute(select(func.count()).select_from(essays).where(essays.c.suggested_at.is_(None)))
            ).scalar_one()
        return None if pending else {e["essay_id"]: e for e in body["essays"]}


@pytest.fixture
async def scenario(
    client: QuartClient, events: EventSender, essay_texts: FakeEssayTexts, sessions: async_sessionmaker[AsyncSession]
) -> Scenario:
    return await Scenario.with_class(client, events, essay_texts, sessions)


def _counter(metric: Any, *labels: str) -> float:
    return metric.labels(*labels)._value.get() if labels else metric._value.get()


async def test_essays_that_arrive_before_their_batch_are_matched_once_it_does(scenario: Scenario):
    await scenario.send_essays()
    await eventually(lambda: scenario.essays_stored(3))
    assert (await scenario.associations())[0] == 404  # the batch itself is not known yet

    await scenario.send_batch()
    by_essay = await eventually(scenario.settled)
    tuva, asa, unknown = (by_essay[str(essay_id)] for essay_id in scenario.essay_ids)
    assert (tuva["status"], tuva["student_id"], tuva["evidence"]) == (
        "suggested",
        scenario.students["Tuva"],
        "author_hint",
    )
    assert tuva["confidence"] == pytest.approx(1.0)
    assert (asa["student_id"], asa["evidence"]) == (scenario.students["Åsa"], "opening_lines")
    assert (unknown["status"], unknown["student_id"], unknown["confidence"]) == ("unmatched", None, None)


async def test_the_owner_confirms_and_corrects_and_the_bff_reads_the_names(
    scenario: Scenario, client: QuartClient, registry: EventRegistry, infrastructure: Infrastructure
):
    suggested_before = _counter(STUDENT_SUGGESTIONS, "suggested")
    confirmed_before = _counter(ASSOCIATIONS_CONFIRMED)
    await scenario.send_batch()
    await eventually(lambda: _class_known(client, scenario.batch_id))
    await scenario.send_essays()
    await eventually(scenario.settled)
    assert _counter(STUDENT_SUGGESTIONS, "suggested") - suggested_before == 2
    tuva_essay, _, unknown_essay = (str(e) for e in scenario.essay_ids)
    confirm_path = f"/v1/batches/{scenario.batch_id}/associations/confirm"
    body = {
        "associations": [
            {"essay_id": tuva_essay, "student_id": scenario.students["Tuva"]},
            {"essay_id": unknown_essay, "student_id": scenario.students["Anna Maria"]},
        ]
    }

    # Another teacher can neither see nor confirm; foreign or unknown ids are 404 too.
    assert (await scenario.associations(BERTIL))[0] == 404
    assert (await client.post(confirm_path, headers=gateway(BERTIL), json=body)).status_code == 404
    bertils = await client.post(
        "/v1/students", headers=gateway(BERTIL), json={"first_name": "Björn", "last_name": "Ek"}
    )
    foreign_student = {"essay_id": tuva_essay, "student_id": (await bertils.get_json())["student_id"]}
    unknown_essay_body = {"essay_id": str(uuid.uuid4()), "student_id": scenario.students["Tuva"]}
    for bad in (foreign_student, unknown_essay_body):
        refused = await client.post(confirm_path, headers=gateway(ANNA), json={"associations": [bad]})
        assert refused.status_code == 404
    assert (await client.post(confirm_path, headers=gateway(ANNA), json={"associations": []})).status_code == 400

    confirmed = await client.post(confirm_path, headers=gateway(ANNA), json=body)
    assert confirmed.status_code == 200
    by_essay = {e["essay_id"]: e for e in (await confirmed.get_json())["essays"]}
    assert by_essay[tuva_essay]["status"] == "confirmed"
    assert (by_essay[unknown_essay]["status"], by_essay[unknown_essay]["student_id"]) == (
        "confirmed",
        scenario.students["Anna Maria"],
    )
    assert _counter(ASSOCIATIONS_CONFIRMED) - confirmed_before == 2

    names = await client.get(
        f"/internal/v1/batches/{scenario.batch_id}/student-names", headers=gateway(ANNA, service="bff_teacher_service")
    )
    listed = {(s["essay_id"], s["first_name"], s["last_name"]) for s in (await names.get_json())["students"]}
    assert listed == {(tuva_essay, "Tuva", "Karlsson"), (unknown_essay, "Anna Maria", "Berg")}

    [(key, event, _)] = await read_events(
        infrastructure.kafka_bootstrap, registry.topic_for(EssayStudentAssociationsConfirmedV1), 1
    )
    assert key == str(scenario.batch_id).encode()
    assert event["data"]["class_id"] == scenario.class_id
    assert event["data"]["user_id"] == ANNA
    assert {(a["essay_id"], a["student_id"]) for a in event["data"]["associations"]} == {
        (item["essay_id"], item["student_id"]) for item in body["associations"]
    }


async def test_a_confirmed_association_survives_a_later_rematch(scenario: Scenario, client: QuartClient):
    await scenario.send_batch()
    await scenario.send_essays()
    await eventually(scenario.settled)
    unknown_essay = str(scenario.essay_ids[2])
    confirm = {"associations": [{"essay_id": unknown_essay, "student_id": scenario.students["Anna Maria"]}]}
    path = f"/v1/batches/{scenario.batch_id}/associations"
    await client.post(f"{path}/confirm", headers=gateway(ANNA), json=confirm)

    # "Okänd Person" now joins the class: a rematch would name them for essay 3, but the teacher
    # already decided, so only the suggestion is recorded and the association stays.
    await scenario.add_student("Okänd", "Person")
    rematched = await client.post(f"{path}/rematch", headers=gateway(ANNA))
    by_essay = {e["essay_id"]: e for e in (await rematched.get_json())["essays"]}
    assert (by_essay[unknown_essay]["status"], by_essay[unknown_essay]["student_id"]) == (
        "confirmed",
        scenario.students["Anna Maria"],
    )
    assert by_essay[str(scenario.essay_ids[0])]["student_id"] == scenario.students["Tuva"]
    assert (await client.post(f"{path}/rematch", headers=gateway(BERTIL))).status_code == 404


async def test_redelivered_events_change_nothing(
    scenario: Scenario, client: QuartClient, registry: EventRegistry, settings: Settings
):
    duplicates = CONSUMER_DUPLICATES.labels(
        settings.service_name, settings.consumer_group, registry.topic_for(EssayUploadedV1)
    )
    await scenario.send_batch()
    essay = scenario.essay_event(0)
    event_id = await scenario.events.send(essay, key=str(scenario.batch_id))
    await eventually(lambda: scenario.essays_stored(1))
    path = f"/v1/batches/{scenario.batch_id}/associations"
    correction = {"associations": [{"essay_id": str(essay.essay_id), "student_id": scenario.students["Åsa"]}]}
    assert (await client.post(f"{path}/confirm", headers=gateway(ANNA), json=correction)).status_code == 200
    async with scenario.sessions() as session:
        before = (await session.execute(select(essays))).one()._asdict()

    # The same event again (a redelivery), the same essay under a new event id (a producer
    # retry), the batch again; then a marker behind them on the same partitions.
    await scenario.events.send(essay, key=str(scenario.batch_id), event_id=event_id)
    await scenario.events.send(essay, key=str(scenario.batch_id))
    await scenario.send_batch()
    await scenario.events.send(scenario.essay_event(1), key=str(scenario.batch_id))
    await eventually(lambda: scenario.essays_stored(2))
    # Five distinct event ids; the redelivery is skipped by the idempotency claim, not handled.
    await eventually(lambda: _processed(scenario, 5))
    assert duplicates._value.get() == 1

    async with scenario.sessions() as session:
        after = (await session.execute(select(essays).where(essays.c.id == essay.essay_id))).one()._asdict()
        claims = (
            await session.execute(
                select(func.count()).select_from(processed_events).where(processed_events.c.event_id == event_id)
            )
        ).scalar_one()
    assert after == before
    assert after["confirmed_student_id"] == uuid.UUID(scenario.students["Åsa"])
    assert claims == 1


async def _processed(scenario: Scenario, count: int) -> bool | None:
    async with scenario.sessions() as session:
        done = (await session.execute(select(func.count()).select_from(processed_events))).scalar_one()
    return True if done >= count else None


async def _class_known(client: QuartClient, batch_id: uuid.UUID) -> bool | None:
    response = await client.get(
        f"/internal/v1/batches/class-info?batch_ids={batch_id}", headers=gateway(ANNA, service="bff_teacher_service")
    )
    return True if (await response.get_json())[str(batch_id)] is not None else None


async def test_class_info_answers_every_id_and_refuses_more_than_100(scenario: Scenario, client: QuartClient):
    bertils_class = await client.post("/v1/classes", headers=gateway(BERTIL), json={"name": "8A", "course_code": "E"})
    await scenario.send_batch()
    # A batch of Anna's that names Bertil's class: the class is not hers, so the batch has none.
    borrowed_id = uuid.uuid4()
    borrowed = BatchRegisteredV1(
        batch_id=borrowed_id,
        user_id=ANNA,
        title="Borrowed",
        course_code="ENG5",
        class_id=uuid.UUID((await bertils_class.get_json())["class_id"]),
        created_at=datetime.now(UTC),
    )
    await scenario.events.send(borrowed, key=str(borrowed_id))
    await eventually(lambda: _processed(scenario, 2))

    unknown = uuid.uuid4()
    bff = gateway(ANNA, service="bff_teacher_service")
    ids = f"{scenario.batch_id},{borrowed_id}"
    response = await client.get(f"/internal/v1/batches/class-info?batch_ids={ids}&batch_ids={unknown}", headers=bff)
    assert response.status_code == 200
    assert await response.get_json() == {
        str(scenario.batch_id): {"class_id": scenario.class_id, "class_name": "9B"},
        str(borrowed_id): None,
        str(unknown): None,
    }
    assert (await client.get(f"/v1/batches/{borrowed_id}/associations", headers=gateway(ANNA))).status_code == 200

    too_many = ",".join(str(uuid.uuid4()) for _ in range(101))
    refused = await client.get(f"/internal/v1/batches/class-info?batch_ids={too_many}", headers=bff)
    assert refused.status_code == 400
    assert "at most 100" in (await refused.get_json())["error"]["message"]
    unknown_batch = await client.get(f"/internal/v1/batches/{uuid.uuid4()}/student-names", headers=bff)
    assert unknown_batch.status_code == 404


async def test_every_declared_metric_is_exported_after_use(scenario: Scenario, client: QuartClient):
    await client.post("/internal/v1/auth/verify", headers=gateway(), json={"email": "x@y.se", "password": "z"})
    await scenario.send_batch()
    await scenario.send_essays()
    await eventually(scenario.settled)
    body = {"associations": [{"essay_id": str(scenario.essay_ids[0]), "student_id": scenario.students["Tuva"]}]}
    await client.post(f"/v1/batches/{scenario.batch_id}/associations/confirm", headers=gateway(ANNA), json=body)

    exported = await (await client.get("/metrics")).get_data(as_text=True)
    for metric in (LOGIN_ATTEMPTS, STUDENT_SUGGESTIONS, ASSOCIATIONS_CONFIRMED):
        assert f"{metric._name}_total" in exported, metric._name
    # Route templates, never raw ids (PITFALLS: a raw path as a metric label).
    assert "/v1/batches/<uuid:batch_id>/associations/confirm" in exported
    assert str(scenario.batch_id) not in exported


async def test_a_batch_and_its_essay_handled_at_once_by_two_replicas_still_match(scenario: Scenario, running_app):
    context = running_app.app.extensions[CONTEXT_EXTENSION]
    handlers = BatchEventHandlers(context.matcher)
    essay = scenario.essay_event(0)
    batch = BatchRegisteredV1(
        batch_id=scenario.batch_id,
        user_id=ANNA,
        title="Uniforms",
        course_code="ENG5",
        class_id=uuid.UUID(scenario.class_id),
        created_at=datetime.now(UTC),
    )

    async def other_replica_registers_the_batch() -> None:
        async with context.unit_of_work() as uow:
            await handlers.on_batch_registered(batch, uow)

    # One replica stores the essay and has not committed yet when another handles the batch:
    # the batch lock makes the second wait, so it sees the essay instead of missing it.
    async with context.unit_of_work() as uow:
        await handlers.on_essay_uploaded(essay, uow)
        second = asyncio.create_task(other_replica_registers_the_batch())
        await asyncio.sleep(0.5)
    await second

    async with scenario.sessions() as session:
        suggested = (
            await session.execute(select(essays.c.suggested_student_id).where(essays.c.id == essay.essay_id))
        ).scalar_one()
    assert suggested == uuid.UUID(scenario.students["Tuva"])
