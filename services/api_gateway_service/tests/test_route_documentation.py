"""Every proxied route documents its answer with a model and an example, and its errors with the
one error body: the OpenAPI document is the public contract, so a route without them is a defect."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from api_gateway_service.entrypoints.routes import ROUTERS
from api_gateway_service.openapi_document import public_openapi

ERROR_REF = "#/components/schemas/ErrorResponse"


def proxied_operations() -> list[tuple[str, str, dict[str, Any]]]:
    app = FastAPI()
    # The app's own list, so a router added there is checked here without editing this test.
    for router in ROUTERS:
        app.include_router(router)
    document = public_openapi(app)
    return [(method, path, op) for path, item in document["paths"].items() for method, op in item.items()]


OPERATIONS = proxied_operations()


def test_the_routes_are_explicit():
    paths = {path for _, path, _ in OPERATIONS}
    assert len(paths) >= 25
    assert all(path.startswith("/v1/") for path in paths - {"/bff/v1/teacher/{path}"})


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_every_answer_has_a_model_and_an_example(method: str, path: str, operation: dict[str, Any]):
    responses = operation["responses"]
    successes = [status for status in responses if status.startswith("2")]
    assert len(successes) == 1, (method, path, successes)
    success = responses[successes[0]]
    if successes[0] != "204" and not path.startswith("/bff/"):
        content = success["content"]["application/json"]
        assert content["schema"]["$ref"].startswith("#/components/schemas/"), (method, path)
        assert content["example"], (method, path)
    for status, answer in responses.items():
        if status.startswith("2"):
            continue
        content = answer["content"]["application/json"]
        assert content["schema"]["$ref"] == ERROR_REF, (method, path, status)
        assert content["example"]["error"]["code"], (method, path, status)


def test_fastapis_own_validation_error_is_not_documented():
    # Invalid input is a 400 with the one error body here, never FastAPI's 422 shape.
    for method, path, operation in OPERATIONS:
        answer = operation["responses"].get("422")
        if answer is not None:
            assert answer["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, (method, path)


def test_error_examples_name_who_gives_that_answer():
    wanted = ("get", "/v1/assignments/{assignment_id}")
    assignment = next(op for method, path, op in OPERATIONS if (method, path) == wanted)
    services = {
        status: answer["content"]["application/json"]["example"]["error"]["service"]
        for status, answer in assignment["responses"].items()
        if not status.startswith("2")
    }
    assert services.pop("404") == "cj_assessment_service"
    assert services.pop("400") == "cj_assessment_service"
    assert set(services.values()) == {"api_gateway_service"}  # 401, 502, 503, 504


def test_the_student_export_is_documented_as_a_named_download():
    wanted = ("get", "/v1/students/{student_id}/export")
    export = next(op for method, path, op in OPERATIONS if (method, path) == wanted)
    success = export["responses"]["200"]
    assert success["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/StudentDataExport"
    assert "Content-Disposition" in success["headers"]
    assert export["responses"]["404"]["content"]["application/json"]["example"]["error"]["service"] == (
        "bff_teacher_service"
    )
