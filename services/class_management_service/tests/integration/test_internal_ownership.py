"""Internal routes serve only the teacher in ``X-User-ID``; anything else is as absent as unknown data
(issue 14, defects 8 and 10)."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from quart.typing import TestClientProtocol as QuartClient

from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
from class_management_service.service_layer.accounts import create_teacher
from common_core.events.batch import BatchRegisteredV1

from .conftest import gateway

ANNA, BERTIL = str(uuid.uuid4()), str(uuid.uuid4())
BFF, CONTENT = "bff_teacher_service", "content_service"


async def _annas_class(client: QuartClient) -> str:
    created = await client.post("/v1/classes", headers=gateway(ANNA), json={"name": "9B", "course_code": "ENG5"})
    return str((await created.get_json())["class_id"])


# The quart TestApp: its ``.app`` holds the service context (TestAppProtocol does not declare it).
async def _annas_batch(running_app: Any, class_id: str) -> uuid.UUID:
    """A batch CMS knows from batch.registered (recorded directly: Kafka delivery is tested elsewhere)."""
    batch_id = uuid.uuid4()
    event = BatchRegisteredV1(
        batch_id=batch_id,
        user_id=ANNA,
        title="Letters",
        course_code="ENG5",
        class_id=uuid.UUID(class_id),
        created_at=datetime.now(UTC),
    )
    async with running_app.app.extensions[CONTEXT_EXTENSION].unit_of_work() as uow:
        await uow.associations.record_batch(event.batch_id, event.user_id, event.class_id)
    return batch_id


async def test_a_profile_is_only_the_callers_own(client: QuartClient, running_app: Any):
    context = running_app.app.extensions[CONTEXT_EXTENSION]
    async with context.unit_of_work() as uow:
        anna = await create_teacher(
            uow,
            context.passwords,
            email="anna@skola.se",
            display_name="Anna",
            password="lång-och-säker",
            locale="sv-SE",
        )
    url = f"/internal/v1/users/{anna.user_id}"

    assert (await client.get(url, headers=gateway(str(anna.user_id)))).status_code == 200
    assert (await client.get(url, headers=gateway(str(anna.user_id), service=BFF))).status_code == 200
    other = await client.get(url, headers=gateway(BERTIL))
    unknown = await client.get(f"/internal/v1/users/{BERTIL}", headers=gateway(BERTIL))
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert (await other.get_json())["error"]["code"] == (await unknown.get_json())["error"]["code"] == "NOT_FOUND"
    assert (await client.get(url, headers=gateway())).status_code == 401


async def test_class_info_shows_only_the_callers_batches(client: QuartClient, running_app: Any):
    batch_id = await _annas_batch(running_app, await _annas_class(client))
    url = f"/internal/v1/batches/class-info?batch_ids={batch_id}"

    own = await client.get(url, headers=gateway(ANNA, service=BFF))
    assert (await own.get_json())[str(batch_id)]["class_name"] == "9B"
    other = await client.get(url, headers=gateway(BERTIL, service=BFF))
    assert (other.status_code, await other.get_json()) == (200, {str(batch_id): None})
    assert (await client.get(url, headers=gateway(service=BFF))).status_code == 401
    # No service looks batches up without a user, so none may.
    assert (await client.get(url, headers=gateway(ANNA, service="result_aggregator_service"))).status_code == 403


async def test_student_names_of_another_teachers_batch_are_not_found(client: QuartClient, running_app: Any):
    batch_id = await _annas_batch(running_app, await _annas_class(client))
    url = f"/internal/v1/batches/{batch_id}/student-names"

    own = await client.get(url, headers=gateway(ANNA, service=BFF))
    assert (own.status_code, (await own.get_json())["students"]) == (200, [])
    other = await client.get(url, headers=gateway(BERTIL, service=BFF))
    unknown = await client.get(f"/internal/v1/batches/{uuid.uuid4()}/student-names", headers=gateway(ANNA, service=BFF))
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert (await client.get(url, headers=gateway(service=BFF))).status_code == 401


@pytest.mark.parametrize("service", [CONTENT, BFF, "api_gateway_service"])
async def test_a_class_is_found_only_for_its_owner(client: QuartClient, service: str):
    class_id = await _annas_class(client)
    url = f"/internal/v1/classes/{class_id}"

    found = await client.get(url, headers=gateway(ANNA, service=service))
    assert found.status_code == 200
    assert await found.get_json() == {"class_id": class_id, "name": "9B", "course_code": "ENG5"}
    other = await client.get(url, headers=gateway(BERTIL, service=service))
    unknown = await client.get(f"/internal/v1/classes/{uuid.uuid4()}", headers=gateway(ANNA, service=service))
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert (await other.get_json())["error"]["code"] == "NOT_FOUND"
    assert (await client.get(url, headers=gateway(service=service))).status_code == 401


async def test_the_class_lookup_refuses_other_services(client: QuartClient):
    url = f"/internal/v1/classes/{uuid.uuid4()}"
    assert (await client.get(url, headers=gateway(ANNA, service="llm_provider_service"))).status_code == 403
