"""GET /internal/v1/batches/unconfirmed-matches: one teacher's batches whose essays wait for a
confirmed author, newest first, paged, and never another teacher's (issue 15, the action list)."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from quart.typing import TestClientProtocol as QuartClient

from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
from class_management_service.service_layer.associations import BatchEventHandlers
from common_core.events.batch import BatchRegisteredV1, EssayUploadedV1

from .conftest import gateway

URL = "/internal/v1/batches/unconfirmed-matches"
BFF = "bff_teacher_service"
ANNA, BERTIL = str(uuid.uuid4()), str(uuid.uuid4())
# Author hints the matcher reads: a roster name is suggested, anything else is left unmatched.
TUVA, STRANGER = "Karlsson Tuva", "Okänd Person"


class Teacher:
    """One teacher's class with Tuva Karlsson on its roster, and batches recorded as the consumer would."""

    def __init__(self, client: QuartClient, running_app: Any, user_id: str) -> None:
        self.client, self.user_id = client, user_id
        self.context = running_app.app.extensions[CONTEXT_EXTENSION]
        self.handlers = BatchEventHandlers(self.context.matcher)
        self.class_id = ""
        self.tuva = ""

    async def build_class(self, name: str) -> None:
        headers = gateway(self.user_id)
        created = await self.client.post("/v1/classes", headers=headers, json={"name": name, "course_code": "ENG5"})
        self.class_id = (await created.get_json())["class_id"]
        body = {"first_name": "Tuva", "last_name": "Karlsson", "class_ids": [self.class_id]}
        self.tuva = (await (await self.client.post("/v1/students", headers=headers, json=body)).get_json())[
            "student_id"
        ]

    async def batch(self, *hints: str, class_id: str | None = "own") -> tuple[uuid.UUID, list[uuid.UUID]]:
        """A batch registered (its own transaction, so later ones are newer) with one essay per hint."""
        batch_id, essay_ids = uuid.uuid4(), [uuid.uuid4() for _ in hints]
        chosen = self.class_id if class_id == "own" else class_id
        async with self.context.unit_of_work() as uow:
            registered = BatchRegisteredV1(
                batch_id=batch_id,
                user_id=self.user_id,
                title="Letters",
                course_code="ENG5",
                class_id=uuid.UUID(chosen) if chosen else None,
                created_at=datetime.now(UTC),
            )
            await self.handlers.on_batch_registered(registered, uow)
            for essay_id, hint in zip(essay_ids, hints, strict=True):
                uploaded = EssayUploadedV1(
                    batch_id=batch_id,
                    essay_id=essay_id,
                    filename="essay.txt",
                    text_ref=f"{essay_id.int:064x}",
                    word_count=250,
                    author_hint=hint,
                )
                await self.handlers.on_essay_uploaded(uploaded, uow)
        return batch_id, essay_ids

    async def confirm(self, batch_id: uuid.UUID, *essay_ids: uuid.UUID) -> None:
        body = {"associations": [{"essay_id": str(e), "student_id": self.tuva} for e in essay_ids]}
        url = f"/v1/batches/{batch_id}/associations/confirm"
        assert (await self.client.post(url, headers=gateway(self.user_id), json=body)).status_code == 200

    async def page(self, query: str = "") -> Any:
        response = await self.client.get(f"{URL}{query}", headers=gateway(self.user_id, service=BFF))
        assert response.status_code == 200, await response.get_data(as_text=True)
        return await response.get_json()


@pytest.fixture
async def anna(client: QuartClient, running_app: Any) -> Teacher:
    teacher = Teacher(client, running_app, ANNA)
    await teacher.build_class("9B")
    return teacher


@pytest.fixture
async def bertil(client: QuartClient, running_app: Any) -> Teacher:
    teacher = Teacher(client, running_app, BERTIL)
    await teacher.build_class("8A")
    return teacher


def _row(batch_id: uuid.UUID, teacher: Teacher, class_name: str, suggested: int, unmatched: int) -> dict[str, Any]:
    return {
        "batch_id": str(batch_id),
        "class_id": teacher.class_id,
        "class_name": class_name,
        "suggested": suggested,
        "unmatched": unmatched,
    }


async def test_batches_with_unconfirmed_essays_newest_first_with_their_counts(anna: Teacher):
    older, older_essays = await anna.batch(TUVA, TUVA, STRANGER, TUVA)
    await anna.confirm(older, older_essays[0])
    done, done_essays = await anna.batch(TUVA, STRANGER)
    await anna.confirm(done, *done_essays)  # everything confirmed (a correction included): no action
    await anna.batch(TUVA, class_id=None)  # no class: nothing could be confirmed
    newer, _ = await anna.batch(STRANGER, STRANGER)
    await anna.batch()  # no essays yet

    assert await anna.page() == {
        "items": [_row(newer, anna, "9B", 0, 2), _row(older, anna, "9B", 2, 1)],
        "total": 2,
        "limit": 20,
        "offset": 0,
    }


async def test_another_teachers_batches_never_appear(anna: Teacher, bertil: Teacher):
    annas, _ = await anna.batch(TUVA, STRANGER)
    bertils, _ = await bertil.batch(TUVA)
    # Bertil's batch claiming Anna's class borrows nothing: it has no class of his, so it is not listed.
    await bertil.batch(TUVA, class_id=anna.class_id)

    assert [item["batch_id"] for item in (await anna.page())["items"]] == [str(annas)]
    assert (await bertil.page())["items"] == [_row(bertils, bertil, "8A", 1, 0)]
    stranger = gateway(str(uuid.uuid4()), service=BFF)
    nobody = await anna.client.get(URL, headers=stranger)
    assert (nobody.status_code, (await nobody.get_json())["total"]) == (200, 0)


async def test_pages_are_bounded_and_never_overlap(anna: Teacher):
    created = [(await anna.batch(TUVA))[0] for _ in range(5)]
    newest_first = [str(batch_id) for batch_id in reversed(created)]

    pages = [await anna.page(f"?limit=2&offset={offset}") for offset in (0, 2, 4, 6)]

    assert [[item["batch_id"] for item in page["items"]] for page in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:],
        [],
    ]
    assert {(page["total"], page["limit"]) for page in pages} == {(5, 2)}
    assert (await anna.page("?limit=100"))["limit"] == 100


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=-1", "limit=abc", "limit=1e3", "offset=-1", "offset=1000001", "offset=" + "9" * 30],
)
async def test_a_limit_or_offset_out_of_bounds_is_400(anna: Teacher, query: str):
    response = await anna.client.get(f"{URL}?{query}", headers=gateway(ANNA, service=BFF))
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert (error["code"], error["details"]["field"]) == ("VALIDATION_ERROR", query.split("=")[0])


async def test_it_needs_the_teacher_and_the_bff(client: QuartClient):
    assert (await client.get(URL, headers=gateway(service=BFF))).status_code == 401
    for service in ("api_gateway_service", "content_service"):
        assert (await client.get(URL, headers=gateway(ANNA, service=service))).status_code == 403
