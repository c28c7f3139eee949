"""The gateway in front of the real content service on real PostgreSQL and Kafka: what a teacher
sends arrives as that teacher, the owner's answers and errors come back unchanged, and an upload
over the limit never reaches the owner's storage."""

from __future__ import annotations

import uuid

import httpx

from services.api_gateway_service.tests.integration.proxy.conftest import TEACHER, Platform
from tests.integration.robustness.service_apps import KEY

ESSAY = "Skolan borde börja senare på morgonen eftersom elever behöver sömn för att lära sig bra. " * 4


def essays(*names: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, f"{name}: {ESSAY}".encode(), "text/plain")) for name in names]


async def test_a_teacher_works_through_the_gateway_as_themselves(gateway_to_content: Platform):
    client, content_url = gateway_to_content.gateway, gateway_to_content.content_url
    spoofed = {"x-user-id": "victim", "X-Internal-API-Key": "guess", "X-Service-ID": "cj_assessment_service"}

    created = await client.post(
        "/v1/batches", json={"title": "Höstens uppsatser", "course_code": "ENG5"}, headers=spoofed
    )
    assert created.status_code == 201, created.text
    batch_id = created.json()["batch_id"]

    uploaded = await client.post(f"/v1/batches/{batch_id}/essays", files=essays("anna.txt", "bo.txt"), headers=spoofed)
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["accepted"] == 2

    listed = await client.get(f"/v1/batches/{batch_id}/essays")
    assert sorted(e["filename"] for e in listed.json()["items"]) == ["anna.txt", "bo.txt"]

    # The batch is the token's teacher's: the "victim" the client named has nothing.
    async with httpx.AsyncClient(base_url=content_url) as direct:
        as_victim = {"X-Internal-API-Key": KEY, "X-Service-ID": "api_gateway_service", "X-User-ID": "victim"}
        assert (await direct.get("/v1/batches", headers=as_victim)).json()["total"] == 0
        as_teacher = as_victim | {"X-User-ID": TEACHER}
        assert (await direct.get(f"/v1/batches/{batch_id}", headers=as_teacher)).status_code == 200


async def test_the_owners_errors_pass_through(gateway_to_content: Platform):
    client = gateway_to_content.gateway
    unknown = await client.get(f"/v1/batches/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["service"] == "content_service"

    batch_id = (await client.post("/v1/batches", json={"title": "Två", "course_code": "ENG5"})).json()["batch_id"]
    too_few = await client.post(f"/v1/batches/{batch_id}/assessments")
    assert (too_few.status_code, too_few.json()["error"]["service"]) == (409, "content_service")

    no_files = await client.post(f"/v1/batches/{batch_id}/essays", files={"note": (None, b"no essay here")})
    assert (no_files.status_code, no_files.json()["error"]["service"]) == (400, "content_service")

    await client.post(f"/v1/batches/{batch_id}/essays", files=essays("a.txt", "b.txt"))
    key = {"Idempotency-Key": f"start-{uuid.uuid4()}"}
    started = await client.post(f"/v1/batches/{batch_id}/assessments", headers=key)
    assert started.status_code == 202, started.text
    replayed = await client.post(f"/v1/batches/{batch_id}/assessments", headers=key)
    assert replayed.json()["request_id"] == started.json()["request_id"]
    other_settings = await client.post(
        f"/v1/batches/{batch_id}/assessments", headers=key, json={"budget": {"max_comparisons_per_essay": 5}}
    )
    assert other_settings.status_code == 422, other_settings.text
    assert other_settings.json()["error"]["service"] == "content_service"


async def test_an_upload_over_the_limit_stores_nothing(gateway_to_content: Platform):
    client = gateway_to_content.gateway
    batch_id = (await client.post("/v1/batches", json={"title": "Stor", "course_code": "ENG5"})).json()["batch_id"]
    files = [*essays("small.txt"), ("files", ("huge.txt", b"ord " * 300_000, "text/plain"))]

    refused = await client.post(f"/v1/batches/{batch_id}/essays", files=files)

    assert refused.status_code == 413
    assert refused.json()["error"]["service"] == "api_gateway_service"
    assert (await client.get(f"/v1/batches/{batch_id}/essays")).json()["items"] == []
