"""Each service's real app on real PostgreSQL, Kafka and Redis, isolated for the robustness suite.

Every app gets a migrated database of its own, a registry that maps every event to fresh topics,
unique consumer groups and Redis prefixes, so it shares nothing with the dev stack's running
services. CJ and class management talk to a real content service app served on a local port, and CJ
to a real LPS app for its estimates; content service asks a local stand-in for CMS and CJ, which
knows no class and no assignment (the real lookups have their own tests), so a hostile batch naming
one is a 404, not a 503 (its estimate answers as for an unknown assignment too).
Each builder also creates a few of the teacher's own resources (a batch, an assignment, a class,
a student), so that hostile requests reach the code behind the ownership checks. The gateway
signs a real teacher in through a real CMS and sends every request with that teacher's token;
the other services behind it are a stand-in that knows nothing (404), since each of them has
its own run here.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from fastapi import FastAPI
from quart import Quart
from quart.typing import ResponseReturnValue

from common_core.events.catalog import EVENTS
from common_core.events.registry import EventRegistry
from common_core.http.examples import example_of
from huleedu_service_libs.testing.database import migrated_database
from huleedu_service_libs.testing.infrastructure import Infrastructure
from huleedu_service_libs.testing.local_server import served

REPO = Path(__file__).resolve().parents[3]
KEY = "robustness-suite-key"
TEACHER = str(uuid.uuid4())
# Who calls a route that names no callers of its own (RAS guards its whole /internal prefix).
DEFAULT_CALLER = "bff_teacher_service"


@dataclass
class Resources:
    """What the suite needs from pytest: real infrastructure and ways to make isolated parts of it."""

    infrastructure: Infrastructure
    database_factory: Callable[[str], str]
    kafka_topic_factory: Callable[..., str]
    run_label: str

    @property
    def common(self) -> dict[str, Any]:
        return {
            "HULEEDU_INTERNAL_API_KEY": KEY,
            "HULEEDU_KAFKA_BOOTSTRAP_SERVERS": self.infrastructure.kafka_bootstrap,
            "HULEEDU_REDIS_URL": self.infrastructure.redis_url,
        }

    def database(self, service: str) -> str:
        return migrated_database(self.database_factory, REPO / "services" / service / "alembic", service[:12])

    def registry(self) -> EventRegistry:
        registry = EventRegistry()
        for topic, model in EVENTS:
            registry.register(self.kafka_topic_factory(topic.split(".", 1)[1][:30], with_dead_letter=True), model)
        return registry

    def unique(self, what: str) -> str:
        return f"robust-{self.run_label}-{what}-{uuid.uuid4().hex[:8]}"


@dataclass
class ServiceUnderTest:
    name: str
    app: Quart | FastAPI
    seeds: dict[str, str] = field(default_factory=dict)
    # The gateway's caller is a signed-in teacher (a bearer token), not a service with the key.
    auth: dict[str, str] | None = None
    # Public routes are listed in an OpenAPI document: an OPTIONS answer reveals nothing.
    public: bool = False
    # Route templates that need no key in an otherwise guarded service (the BFF's dashboard files).
    public_routes: frozenset[str] = frozenset()

    def headers(self, callers: tuple[str, ...] | None) -> dict[str, str]:
        if self.auth is not None:
            return dict(self.auth)
        caller = callers[0] if callers else DEFAULT_CALLER
        return {"X-Internal-API-Key": KEY, "X-Service-ID": caller, "X-User-ID": TEACHER}

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> tuple[int, str]:
        if isinstance(self.app, FastAPI):
            status, _, content = await asgi_request(self.app, method, path, headers, body)
            return status, content.decode("utf-8", "replace")
        # data= as a keyword mapping: Quart's typing wants json= beside it, which would send "null".
        sent: dict[str, Any] = {"data": body}
        answer = await self.app.test_client().open(path, method=method, headers=headers, **sent)
        return answer.status_code, await answer.get_data(as_text=True)

    async def options(self, path: str) -> tuple[int, dict[str, str]]:
        if isinstance(self.app, FastAPI):
            status, headers, _ = await asgi_request(self.app, "OPTIONS", path, {}, None)
            return status, headers
        answer = await self.app.test_client().options(path)
        return answer.status_code, dict(answer.headers)

    async def call(self, method: str, path: str, body: Any = None, *, caller: str = "api_gateway_service") -> Any:
        headers = {"X-Internal-API-Key": KEY, "X-Service-ID": caller, "X-User-ID": TEACHER}
        assert isinstance(self.app, Quart), "seeds are created on the internal services"
        response = await self.app.test_client().open(path, method=method, headers=headers, json=body)
        data = await response.get_json()
        assert response.status_code < 300, (path, response.status_code, data)
        return data


async def asgi_request(
    app: FastAPI, method: str, target: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    """One request straight into the ASGI app: no client in between to refuse what a server might receive
    (httpx will not even build a URL over 64 kB)."""
    raw_path, _, query = target.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1", "replace"),
        "root_path": "",
        "query_string": query.encode("latin-1", "replace"),
        "headers": [(name.lower().encode(), value.encode("latin-1")) for name, value in headers.items()],
        "client": ("203.0.113.1", 40000),
        "server": ("gateway", 80),
    }
    return await asgi_exchange(app, scope, [{"type": "http.request", "body": body or b"", "more_body": False}])


async def asgi_exchange(
    app: FastAPI, scope: dict[str, Any], incoming: list[dict[str, Any]]
) -> tuple[int, dict[str, str], bytes]:
    """Run ``app`` on ``scope``, receiving the ``incoming`` messages and then a disconnect; the answer's
    status, headers and body."""
    status, answer_headers, chunks = 0, dict[str, str](), list[bytes]()

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            answer_headers.update({name.decode(): value.decode("latin-1") for name, value in message["headers"]})
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, answer_headers, b"".join(chunks)


def _asgi_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=60)


@contextlib.asynccontextmanager
async def running(app: Quart) -> AsyncIterator[Quart]:
    async with app.test_app():
        yield app


def _knows_nothing() -> Quart:
    """Every service behind the gateway but CMS: whatever is asked, it is not found."""
    app = Quart("knows_nothing")

    @app.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def unknown(anything: str) -> ResponseReturnValue:
        error = {"code": "NOT_FOUND", "message": "not found", "correlation_id": None, "service": "stand-in"}
        return {"error": {**error, "details": {}}}, 404

    return app


def _no_classes_or_assignments() -> Quart:
    app = Quart("cms_and_cj_lookups")

    @app.get("/internal/v1/classes/<class_id>")
    @app.get("/internal/v1/assignments/<assignment_id>")
    @app.post("/internal/v1/estimates")
    async def unknown(**_ids: str) -> ResponseReturnValue:
        return {"error": {"code": "NOT_FOUND", "message": "not found", "service": "stand-in", "details": {}}}, 404

    return app


@contextlib.asynccontextmanager
async def content_app(resources: Resources, registry: EventRegistry) -> AsyncIterator[Quart]:
    from content_service.app import create_app
    from content_service.config import Settings

    async with served(_no_classes_or_assignments()) as peers:
        settings = Settings(
            database_url=resources.database("content_service"),
            class_management_service_url=peers,
            cj_assessment_service_url=peers,
            **resources.common,
        )
        yield await create_app(settings, registry=registry, consumer_group=resources.unique("content"))


@contextlib.asynccontextmanager
async def content_service(resources: Resources) -> AsyncIterator[ServiceUnderTest]:
    async with content_app(resources, resources.registry()) as app, running(app):
        service = ServiceUnderTest("content_service", app)
        batch = await service.call("POST", "/v1/batches", {"title": "Robustness", "course_code": "ENG5"})
        service.seeds["batch_id"] = batch["batch_id"]
        yield service


@contextlib.asynccontextmanager
async def served_content(resources: Resources, registry: EventRegistry) -> AsyncIterator[str]:
    """A real content service app on a free local port, for the services that call it."""
    async with content_app(resources, registry) as app, served(app) as url:  # hypercorn runs startup and shutdown
        yield url


@contextlib.asynccontextmanager
async def cms_app(resources: Resources, label: str) -> AsyncIterator[Quart]:
    """A class management app that calls a real content service; ``label`` keeps its group and Redis keys apart."""
    from class_management_service.app import create_app
    from class_management_service.config import Settings

    registry = resources.registry()
    async with served_content(resources, registry) as content_url:
        settings = Settings.model_validate(
            {
                **resources.common,
                "database_url": resources.database("class_management_service"),
                "consumer_group": resources.unique(label),
                "redis_key_prefix": resources.unique(label) + ":",
                "content_service_url": content_url,
            }
        )
        yield await create_app(settings, registry=registry)


@contextlib.asynccontextmanager
async def class_management_service(resources: Resources) -> AsyncIterator[ServiceUnderTest]:
    async with cms_app(resources, "cms") as app, running(app):
        service = ServiceUnderTest("class_management_service", app)
        created = await service.call("POST", "/v1/classes", {"name": "9B", "course_code": "ENG5"})
        student = await service.call("POST", "/v1/students", {"first_name": "Åsa", "last_name": "Öberg"})
        service.seeds.update(class_id=created["class_id"], student_id=student["student_id"], user_id=TEACHER)
        yield service


@contextlib.asynccontextmanager
async def served_cms(resources: Resources) -> AsyncIterator[tuple[str, Quart]]:
    """A real class management app on a free local port (for the gateway's sign-in), with its app."""
    async with cms_app(resources, "gw-cms") as app, served(app) as url:
        yield url, app


@contextlib.asynccontextmanager
async def api_gateway_service(resources: Resources) -> AsyncIterator[ServiceUnderTest]:
    from api_gateway_service.app import create_app
    from api_gateway_service.config import Settings
    from class_management_service.adapters.passwords import Passwords
    from class_management_service.entrypoints.http_support import CONTEXT_EXTENSION
    from class_management_service.service_layer.accounts import create_teacher

    async with served_cms(resources) as (cms_url, cms), served(_knows_nothing()) as nowhere:
        email, password = f"{resources.unique('teacher')}@example.org", "robustness-suite-password"
        async with cms.extensions[CONTEXT_EXTENSION].unit_of_work() as uow:
            await create_teacher(uow, Passwords(), email=email, display_name="Robust", password=password)
        peers = ("content", "cj_assessment", "llm_provider", "result_aggregator", "bff_teacher")
        settings = Settings.model_validate(
            {
                **resources.common,
                "database_url": resources.database("api_gateway_service"),
                "redis_key_prefix": resources.unique("gw") + ":",
                "jwt_secret": "robustness-suite-jwt-secret-0123456789",
                "class_management_service_url": cms_url,
                **{f"{peer}_service_url": nowhere for peer in peers},
                # Thousands of requests from one address and one teacher: the limits have their own tests.
                "ip_request_limit": 1_000_000,
                "user_request_limit": 1_000_000,
                "login_ip_limit": 1_000_000,
            }
        )
        app = await create_app(settings)
        async with app.router.lifespan_context(app), _asgi_client(app) as client:
            login = await client.post("/v1/auth/login", json={"email": email, "password": password})
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            yield ServiceUnderTest("api_gateway_service", app, auth={"Authorization": f"Bearer {token}"}, public=True)


def _owners_of_the_teacher_views() -> Quart:
    """RAS, CMS, CJ, content and LPS as the BFF reads them: each answers its contract example (the real
    owners have their own runs here; the BFF's composition has its unit tests)."""
    app = Quart("bff_owners")
    answers = {
        "/internal/v1/users/<user_id>/summary": "UserSummaryResponse",
        "/internal/v1/users/<user_id>/batches": "BatchListResponse",
        "/v1/classes": "ClassList",
        "/v1/assignments": "AssignmentList",
        "/v1/assignments/<assignment_id>": "AssignmentView",
        "/v1/assignments/<assignment_id>/anchors": "AnchorList",
        "/internal/v1/providers": "ModelCatalogue",
        "/internal/v1/batches/<batch_id>": "BatchDetailResponse",
        "/internal/v1/batches/class-info": "BatchClassInfoResponse",
        "/internal/v1/batches/<batch_id>/student-names": "BatchStudentNamesResponse",
        "/internal/v1/batches/unconfirmed-matches": "UnconfirmedMatchesPage",
        "/v1/batches/<batch_id>/essays": "EssayList",
        "/internal/v1/texts/<text_id>": "StoredText",
        "/internal/v1/jobs/<job_id>": "JobView",
        "/internal/v1/jobs/<job_id>/essays/<essay_id>/comparisons": "EssayComparisons",
        "/internal/v1/jobs/<job_id>/comparisons": "JobComparisonPage",
        "/v1/batches/<batch_id>/estimate": "AssessmentEstimate",
        "/internal/v1/users/<user_id>/access-log": "AccessLogPage",
        "/internal/v1/students/<student_id>/record": "StudentRecord",
        "/internal/v1/batches/<batch_id>/history": "BatchHistoryResponse",
        "/internal/v1/jobs/<job_id>/moderation/next": "ModerationNext",
        "/internal/v1/jobs/<job_id>/moderation/report": "ModerationReport",
        "/internal/v1/users/<user_id>/moderation/jobs": "ModeratedJobList",
    }
    # Commands, each with its methods.
    commands = {
        "/internal/v1/jobs/<job_id>/moderation/verdicts": ("ModerationVerdictView", ["POST"]),
        "/internal/v1/jobs/<job_id>/moderation/verdicts/last": ("ModerationVerdictView", ["DELETE"]),
        "/internal/v1/jobs/<job_id>/moderation/moderators": ("ModeratorList", ["GET"]),
        "/internal/v1/jobs/<job_id>/moderation/moderators/<user_id>": ("ModeratorList", ["PUT", "DELETE"]),
        "/internal/v1/users/lookup": ("AccountLookupResponse", ["POST"]),
    }
    routes = {rule: (model, ["POST"] if rule.endswith("/estimate") else ["GET"]) for rule, model in answers.items()}
    for index, (rule, (model, methods)) in enumerate({**routes, **commands}.items()):

        async def answer(model: str = model, **_ids: str) -> ResponseReturnValue:
            return example_of(model)

        app.add_url_rule(rule, f"answer_{index}_{model}", answer, methods=methods)
    return app


@contextlib.asynccontextmanager
async def bff_teacher_service(resources: Resources) -> AsyncIterator[ServiceUnderTest]:
    from bff_teacher_service.app import create_app
    from bff_teacher_service.config import Settings

    async with served(_owners_of_the_teacher_views()) as owners:
        peers = ("content", "class_management", "cj_assessment", "llm_provider", "result_aggregator")
        settings = Settings.model_validate({**resources.common, **{f"{peer}_service_url": owners for peer in peers}})
        app = await create_app(settings)
        async with app.router.lifespan_context(app):
            # Only the gateway calls the views, for the teacher it names.
            gateway = {"X-Internal-API-Key": KEY, "X-Service-ID": "api_gateway_service", "X-User-ID": TEACHER}
            # The built dashboard's files, at every path outside the views, are public.
            yield ServiceUnderTest("bff_teacher_service", app, auth=gateway, public_routes=frozenset({"/{path}"}))


@contextlib.asynccontextmanager
async def cj_assessment_service(resources: Resources) -> AsyncIterator[ServiceUnderTest]:
    from cj_assessment_service.app import create_app
    from cj_assessment_service.config import Settings

    registry = resources.registry()
    # A real LPS answers the estimates; CJ's wave submitter has no job to submit here.
    async with served_content(resources, registry) as content_url, lps_app(resources) as lps, served(lps) as lps_url:
        settings = Settings(
            **resources.common,
            database_url=resources.database("cj_assessment_service"),
            content_service_url=content_url,
            llm_provider_service_url=lps_url,
            consumer_group_prefix=resources.unique("cj"),
        )
        app = await create_app(settings, registry=registry)
        async with running(app):
            service = ServiceUnderTest("cj_assessment_service", app)
            assignment = await service.call("POST", "/v1/assignments", example_of("AssignmentCreateRequest"))
            service.seeds["assignment_id"] = assignment["assignment_id"]
            yield service


@contextlib.asynccontextmanager
async def lps_app(resources: Resources) -> AsyncIterator[Quart]:
    from llm_provider_service.app import create_app
    from llm_provider_service.config import Settings

    settings = Settings(
        **resources.common,
        HULEEDU_DEV_MODE=True,  # the mock judge's dev routes are part of the surface too
        database_url=resources.database("llm_provider_service"),
        redis_key_prefix=resources.unique("lps") + ":",
    )
    yield await create_app(settings, registry=resources.registry(), consumer_group=resources.unique("lps"))


@contextlib.asynccontextmanager
async def llm_provider_service(resources: Resources) -> AsyncIterator[ServiceUnderTest]:
    async with lps_app(resources) as app, running(app):
        yield ServiceUnderTest("llm_provider_service", app)


@contextlib.asynccontextmanager
async def result_aggregator_service(resources: Resources) -> AsyncIterator[ServiceUnderTest]:
    from result_aggregator_service.app import create_app
    from result_aggregator_service.config import Settings

    settings = Settings(
        **resources.common,
        database_url=resources.database("result_aggregator_service"),
        consumer_group=resources.unique("ras"),
    )
    app = await create_app(settings, registry=resources.registry())
    async with running(app):
        yield ServiceUnderTest("result_aggregator_service", app, {"user_id": TEACHER})


BUILDERS: dict[str, Callable[[Resources], contextlib.AbstractAsyncContextManager[ServiceUnderTest]]] = {
    "api_gateway_service": api_gateway_service,
    "bff_teacher_service": bff_teacher_service,
    "content_service": content_service,
    "class_management_service": class_management_service,
    "cj_assessment_service": cj_assessment_service,
    "llm_provider_service": llm_provider_service,
    "result_aggregator_service": result_aggregator_service,
}


def service_under_test(name: str, resources: Resources) -> contextlib.AbstractAsyncContextManager[ServiceUnderTest]:
    return BUILDERS[name](resources)
