"""Adapters and small rules without infrastructure: batch id parsing, passwords, the content client."""

import asyncio
import getpass
import io
import uuid

import httpx
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from class_management_service.adapters.content_client import ContentServiceTexts
from class_management_service.adapters.login_guard import LoginGuard
from class_management_service.adapters.passwords import Passwords
from class_management_service.entrypoints.create_teacher import read_password
from class_management_service.service_layer.batches import parse_batch_ids
from class_management_service.service_layer.matching import fetch_texts
from common_core.http.class_management import ClassUpdate, StudentCreate, StudentUpdate
from huleedu_service_libs.errors import ServiceUnavailableError, ValidationFailedError


def test_batch_ids_are_parsed_in_order_without_repeats():
    a, b = uuid.uuid4(), uuid.uuid4()
    assert parse_batch_ids(f"{a}, {b},{a}") == [a, b]


@pytest.mark.parametrize("raw", [None, "", " , ", "not-a-uuid"])
def test_missing_or_malformed_batch_ids_are_a_validation_error_naming_the_parameter(raw: str | None):
    with pytest.raises(ValidationFailedError) as caught:
        parse_batch_ids(raw)
    assert caught.value.details["fields"][0]["field"] == "batch_ids"


def test_more_than_100_batch_ids_are_refused_and_100_are_not():
    assert len(parse_batch_ids(",".join(str(uuid.uuid4()) for _ in range(100)))) == 100
    with pytest.raises(ValidationFailedError, match="at most 100"):
        parse_batch_ids(",".join(str(uuid.uuid4()) for _ in range(101)))


async def test_passwords_verify_only_their_own_hash():
    passwords = Passwords()
    stored = await passwords.hash("korrekt häst batteri")
    assert stored.startswith("$argon2id$")
    assert await passwords.verify(stored, "korrekt häst batteri")
    assert not await passwords.verify(stored, "korrekt hast batteri")
    assert not await passwords.verify("not a hash", "anything")


async def test_an_unknown_account_never_verifies_even_with_the_decoy_password():
    assert not await Passwords().verify(None, "decoy password that matches nothing")


async def test_the_content_client_reads_the_stored_text_and_sends_internal_headers():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/internal/v1/texts/" + "a" * 64:
            return httpx.Response(
                200, json={"text_id": "a" * 64, "kind": "essay", "content": "Tuva Karlsson\nText", "word_count": 3}
            )
        return httpx.Response(404, json={"error": {}})

    headers = {"X-Internal-API-Key": "k", "X-Service-ID": "class_management_service"}
    async with httpx.AsyncClient(
        base_url="http://content", transport=httpx.MockTransport(answer), headers=headers
    ) as client:
        texts = ContentServiceTexts(client)
        assert await texts.essay_text("a" * 64) == "Tuva Karlsson\nText"
        assert await texts.essay_text("b" * 64) is None
    assert seen[0].headers["X-Service-ID"] == "class_management_service"


async def test_an_unreachable_content_service_costs_only_the_evidence():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(base_url="http://content", transport=httpx.MockTransport(refuse)) as client:
        assert await ContentServiceTexts(client).essay_text("a" * 64) is None


def test_a_patch_must_change_something_and_names_cannot_be_blank():
    with pytest.raises(ValueError, match="at least one field"):
        ClassUpdate.model_validate({})
    with pytest.raises(ValueError, match="name"):
        ClassUpdate.model_validate({"name": "   "})


def test_a_student_email_must_look_like_one():
    with pytest.raises(ValueError, match="email"):
        StudentCreate.model_validate({"first_name": "Tuva", "last_name": "Karlsson", "email": "tuva"})


def test_a_patch_may_clear_the_email_but_not_a_name():
    assert StudentUpdate.model_validate({"email": None}).model_dump(exclude_unset=True) == {"email": None}
    with pytest.raises(ValueError, match="first_name cannot be null"):
        StudentUpdate.model_validate({"first_name": None})


class _BrokenRedis:
    async def get(self, key: str) -> None:
        raise RedisConnectionError("connection refused")


async def test_sign_in_fails_closed_when_redis_is_down():
    guard = LoginGuard(_BrokenRedis(), key_prefix="t:", max_failures=3, window_s=60)  # type: ignore[arg-type]
    with pytest.raises(ServiceUnavailableError, match="Sign-in is unavailable"):
        await guard.state("karin@skola.se")


class _SlowTexts:
    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def essay_text(self, text_ref: str) -> str | None:
        if text_ref == "slow":
            await self.release.wait()
        return None if text_ref == "missing" else f"text of {text_ref}"


async def test_fetching_texts_keeps_what_arrives_within_the_budget():
    texts = _SlowTexts()
    fetched = await fetch_texts(texts, ["a", "slow", "missing", "a", "b"], concurrency=2, budget_s=0.5)
    assert fetched == {"a": "text of a", "b": "text of b"}
    assert await fetch_texts(texts, []) == {}


def test_the_password_prompt_asks_twice_and_refuses_a_mismatch(monkeypatch: pytest.MonkeyPatch):
    answers = iter(["första lösenordet", "första lösenordet", "ett", "två"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert read_password(io.StringIO(), interactive=True) == "första lösenordet"
    with pytest.raises(ValueError, match="differ"):
        read_password(io.StringIO(), interactive=True)
    assert read_password(io.StringIO("från stdin\r\nrest"), interactive=False) == "från stdin"
