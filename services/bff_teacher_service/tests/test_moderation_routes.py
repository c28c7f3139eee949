"""Teacher moderation at the BFF (issue 24): the batch's job found for its teacher or for a colleague CJ lists as
its moderator, CJ's answers passed on, the texts from CJ (no names), and hostile input a 4xx with the error body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from uuid import UUID

import httpx
import pytest

from bff_teacher_service.service_layer.batch_views import BatchViews
from bff_teacher_service.service_layer.exports import Exports
from bff_teacher_service.service_layer.moderation_views import ModerationViews
from bff_teacher_service.service_layer.ports import OwnerReply
from common_core.http.bff_moderation import ModerationInvitations, ModerationScreen
from common_core.http.examples import example_of
from services.bff_teacher_service.tests.service_layer import scenario
from services.bff_teacher_service.tests.service_layer.fakes import FAIL, NOT_FOUND, FakeOwners
from services.bff_teacher_service.tests.test_app import GATEWAY_HEADERS, REFUSED_CALLERS, error_code, served

BATCH = "00000000-0000-0000-0000-000000000001"  # the examples' batch
JOB = UUID("00000000-0000-0000-0000-000000000007")  # its current job in the aggregator's example
INVITED_JOB = UUID("00000000-0000-0000-0000-000000000003")  # the job in CJ's example of a colleague's list
BASE = f"/bff/v1/teacher/batches/{BATCH}/moderation"
ESSAY_A, ESSAY_B = "00000000-0000-0000-0000-000000000004", "00000000-0000-0000-0000-000000000005"


def _next_with_texts() -> dict[str, object]:
    upcoming = example_of("ModerationNext")
    upcoming["pair"]["first"]["text"] = "The first essay's text."
    upcoming["pair"]["second"]["text"] = "The second essay's text."
    return upcoming


@pytest.fixture
def owners() -> FakeOwners:
    return FakeOwners(answers={"moderation:GET next": _next_with_texts()})


@pytest.fixture
async def client(owners: FakeOwners) -> AsyncIterator[httpx.AsyncClient]:
    async with served(moderation_views=ModerationViews(owners, 0.2)) as client:
        yield client


def _cj_calls(owners: FakeOwners) -> list[tuple[str, tuple[object, ...]]]:
    return [(name, args) for name, args in owners.arguments if name.startswith("moderation:")]


async def test_the_teacher_gets_the_pair_with_both_texts_and_no_names(client: httpx.AsyncClient, owners: FakeOwners):
    response = await client.get(f"{BASE}/next", headers=GATEWAY_HEADERS)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    screen = ModerationScreen.model_validate(response.json())
    assert (screen.job_id, screen.done, screen.text_missing) == (JOB, False, False)
    assert screen.pair is not None
    assert (screen.pair.first.label, screen.pair.first.text) == ("Essay A", "The first essay's text.")
    assert (screen.pair.second.label, screen.pair.second.text) == ("Essay B", "The second essay's text.")
    assert set(response.json()["pair"]["first"]) == {"label", "essay_id", "text"}  # no text_ref, name or file
    assert (screen.progress.given_by_you, screen.progress.budget_total) == (3, 12)
    assert _cj_calls(owners) == [("moderation:GET next", (JOB, None))]
    assert {user for _, user in owners.calls} == {"teacher-1"}
    assert "moderated_jobs" not in [name for name, _ in owners.calls]  # the teacher's own batch: no detour


async def test_done_and_a_missing_text(client: httpx.AsyncClient, owners: FakeOwners):
    owners.answers["moderation:GET next"] = {**example_of("ModerationNext"), "done": True, "pair": None}
    done = ModerationScreen.model_validate((await client.get(f"{BASE}/next", headers=GATEWAY_HEADERS)).json())
    assert (done.done, done.pair) == (True, None)
    owners.answers["moderation:GET next"] = example_of("ModerationNext")  # CJ could not read the texts
    missing = ModerationScreen.model_validate((await client.get(f"{BASE}/next", headers=GATEWAY_HEADERS)).json())
    assert missing.text_missing
    assert missing.pair is not None
    assert missing.pair.first.text is None


async def test_verdict_undo_and_report_go_to_the_batchs_job(client: httpx.AsyncClient, owners: FakeOwners):
    body = {"first": ESSAY_A, "second": ESSAY_B, "winner": ESSAY_B, "reason": "  clearer argument "}
    posted = await client.post(f"{BASE}/verdicts", json=body, headers=GATEWAY_HEADERS)
    assert posted.status_code == 201
    assert posted.json() == example_of("ModerationVerdictView")
    undone = await client.delete(f"{BASE}/verdicts/last", headers=GATEWAY_HEADERS)
    report = await client.get(f"{BASE}/report", headers=GATEWAY_HEADERS)
    assert (undone.status_code, report.status_code) == (200, 200)
    assert report.json() == example_of("ModerationReport")
    # What the LLM's checks of moderation pairs cost passes on as CJ gave it.
    assert report.json()["llm_usage"] == {
        "answered": 12,
        "failed": 0,
        "pending": 1,
        "tokens": 3400,
        "cost_usd": 0.004,
        "unreported": 0,
    }
    # So does the LLM's length bias the moderation fit learnt.
    assert report.json()["llm_length_bias"] == {"logits_per_sd": 0.42, "standard_error": 0.2}
    calls = _cj_calls(owners)
    assert [name for name, _ in calls] == [
        "moderation:POST verdicts",
        "moderation:DELETE verdicts/last",
        "moderation:GET report",
    ]
    sent = calls[0][1][1]
    assert isinstance(sent, bytes)
    assert json.loads(sent) == {"first": ESSAY_A, "second": ESSAY_B, "winner": ESSAY_B, "reason": "clearer argument"}


async def test_cjs_refusals_pass_on_with_their_error_body(client: httpx.AsyncClient, owners: FakeOwners):
    refusal = {"error": {"code": "CONFLICT", "message": "you have already judged this pair", "details": {}}}
    owners.answers["moderation:POST verdicts"] = OwnerReply(409, json.dumps(refusal).encode())
    body = {"first": ESSAY_A, "second": ESSAY_B, "winner": ESSAY_A}
    answered = await client.post(f"{BASE}/verdicts", json=body, headers=GATEWAY_HEADERS)
    assert (answered.status_code, answered.json()) == (409, refusal)
    owners.behaviour["moderation:GET report"] = FAIL
    down = await client.get(f"{BASE}/report", headers=GATEWAY_HEADERS)
    assert (down.status_code, error_code(down)) == (503, "SERVICE_UNAVAILABLE")


async def test_a_colleague_reaches_the_job_cj_lists_for_them_and_nothing_else(
    client: httpx.AsyncClient, owners: FakeOwners
):
    owners.behaviour["batch_detail"] = NOT_FOUND  # the aggregator: not their batch
    response = await client.get(f"{BASE}/next", headers=GATEWAY_HEADERS)
    assert response.status_code == 200
    assert ModerationScreen.model_validate(response.json()).job_id == INVITED_JOB
    assert _cj_calls(owners) == [("moderation:GET next", (INVITED_JOB, None))]
    # Another batch than the one they were invited to: 404, CJ never asked.
    other = await client.get(
        "/bff/v1/teacher/batches/00000000-0000-0000-0000-0000000000ff/moderation/report", headers=GATEWAY_HEADERS
    )
    assert (other.status_code, error_code(other)) == (404, "NOT_FOUND")
    assert len(_cj_calls(owners)) == 1
    # A third teacher: no invitation either.
    owners.answers["moderated_jobs"] = {"jobs": []}
    stranger = await client.get(f"{BASE}/next", headers=GATEWAY_HEADERS)
    assert (stranger.status_code, error_code(stranger)) == (404, "NOT_FOUND")
    # The batch page itself stays the aggregator's 404 for them.


async def test_a_batch_without_an_assessment_is_a_conflict(client: httpx.AsyncClient, owners: FakeOwners):
    detail = example_of("BatchDetailResponse")
    owners.answers["batch_detail"] = {**detail, "current_job": None}
    response = await client.get(f"{BASE}/next", headers=GATEWAY_HEADERS)
    assert (response.status_code, error_code(response)) == (409, "CONFLICT")
    assert _cj_calls(owners) == []


async def test_the_owner_invites_a_colleague_by_email(client: httpx.AsyncClient, owners: FakeOwners):
    typed = {"email": " Kollega@Skola.SE "}
    invited = await client.post(f"{BASE}/moderators", json=typed, headers=GATEWAY_HEADERS)
    assert invited.status_code == 200
    assert invited.json() == example_of("ModeratorList")
    colleague = example_of("AccountLookupResponse")["user_id"]
    assert ("lookup_account", ("Kollega@Skola.SE",)) in owners.arguments
    # CJ stores the address class management answered (the example's), never the BFF's own version of the typed one.
    assert _cj_calls(owners) == [
        ("moderation:GET moderators", (JOB, None)),
        (f"moderation:PUT moderators/{colleague}", (JOB, b'{"label":"colleague@school.example"}')),
    ]

    owners.behaviour["lookup_account"] = NOT_FOUND
    unknown = await client.post(f"{BASE}/moderators", json={"email": "nobody@skola.se"}, headers=GATEWAY_HEADERS)
    assert (unknown.status_code, error_code(unknown)) == (404, "NOT_FOUND")
    assert unknown.json()["error"]["message"] == "No teacher account uses this email address"
    assert [call for call, _ in _cj_calls(owners)][2:] == ["moderation:GET moderators"]

    removed = await client.delete(f"{BASE}/moderators/{colleague}", headers=GATEWAY_HEADERS)
    assert removed.status_code == 200
    assert _cj_calls(owners)[-1] == (f"moderation:DELETE moderators/{colleague}", (JOB, None))


async def test_the_colleague_is_labelled_by_the_email_class_management_stored(
    client: httpx.AsyncClient, owners: FakeOwners
):
    stored = {"user_id": "00000000-0000-0000-0000-0000000000aa", "email": "ann@x.org"}
    owners.answers["lookup_account"] = stored
    invited = await client.post(f"{BASE}/moderators", json={"email": " Ann@X.org "}, headers=GATEWAY_HEADERS)
    assert invited.status_code == 200
    assert _cj_calls(owners)[-1] == (f"moderation:PUT moderators/{stored['user_id']}", (JOB, b'{"label":"ann@x.org"}'))


async def test_a_moderator_cannot_invite_or_look_an_email_up(client: httpx.AsyncClient, owners: FakeOwners):
    refusal = {"error": {"code": "FORBIDDEN", "message": "only the job's owner manages its moderators", "details": {}}}
    owners.answers["moderation:GET moderators"] = OwnerReply(403, json.dumps(refusal).encode())
    invited = await client.post(f"{BASE}/moderators", json={"email": "kollega@skola.se"}, headers=GATEWAY_HEADERS)
    assert (invited.status_code, invited.json()) == (403, refusal)
    assert not [call for call in owners.arguments if call[0] == "lookup_account"]
    assert [call for call, _ in _cj_calls(owners)] == ["moderation:GET moderators"]


async def test_the_owner_lists_and_removes_colleagues_and_cjs_refusals_pass_on(
    client: httpx.AsyncClient, owners: FakeOwners
):
    listed = await client.get(f"{BASE}/moderators", headers=GATEWAY_HEADERS)
    assert (listed.status_code, listed.json()) == (200, example_of("ModeratorList"))
    assert listed.headers["cache-control"] == "private, no-store"

    colleague = "00000000-0000-0000-0000-00000000000c"
    refusals = {
        403: {"error": {"code": "FORBIDDEN", "message": "only the job's owner manages its moderators", "details": {}}},
        404: {"error": {"code": "NOT_FOUND", "message": f"{colleague} is not a moderator", "details": {}}},
    }
    for status, refusal in refusals.items():
        owners.answers[f"moderation:DELETE moderators/{colleague}"] = OwnerReply(status, json.dumps(refusal).encode())
        removed = await client.delete(f"{BASE}/moderators/{colleague}", headers=GATEWAY_HEADERS)
        assert (removed.status_code, removed.json()) == (status, refusal)
    assert [call for call, _ in _cj_calls(owners)] == [
        "moderation:GET moderators",
        f"moderation:DELETE moderators/{colleague}",
        f"moderation:DELETE moderators/{colleague}",
    ]


async def test_the_invitations_list(client: httpx.AsyncClient):
    response = await client.get("/bff/v1/teacher/moderation/invitations", headers=GATEWAY_HEADERS)
    assert response.status_code == 200
    (invitation,) = ModerationInvitations.model_validate(response.json()).invitations
    assert (str(invitation.batch_id), invitation.job_id, invitation.state) == (BATCH, INVITED_JOB, "completed")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "verdicts", {"first": ESSAY_A, "second": ESSAY_B}),
        ("POST", "verdicts", {"first": ESSAY_A, "second": ESSAY_B, "winner": "not-a-uuid"}),
        ("POST", "verdicts", {"first": ESSAY_A, "second": ESSAY_B, "winner": ESSAY_A, "reason": "two\nlines"}),
        ("POST", "verdicts", {"first": ESSAY_A, "second": ESSAY_B, "winner": ESSAY_A, "reason": "x" * 201}),
        ("POST", "verdicts", {"first": ESSAY_A, "second": ESSAY_B, "winner": ESSAY_A, "extra": 1}),
        ("POST", "verdicts", []),
        ("POST", "moderators", {"email": "not an email"}),
        ("POST", "moderators", {"email": "a@b\u0000.se"}),
        ("POST", "moderators", {}),
        ("DELETE", "moderators/not-a-uuid", None),
    ],
)
async def test_hostile_input_is_a_400_before_any_owner_is_asked(
    client: httpx.AsyncClient, owners: FakeOwners, method: str, path: str, body: object
):
    response = await client.request(method, f"{BASE}/{path}", json=body, headers=GATEWAY_HEADERS)
    assert 400 <= response.status_code < 500
    error_code(response)
    assert owners.calls == []


@pytest.mark.parametrize(("headers", "status"), REFUSED_CALLERS)
async def test_only_the_gateway_for_a_named_teacher(client: httpx.AsyncClient, headers: dict[str, str], status: int):
    response = await client.get(f"{BASE}/next", headers=headers)
    assert response.status_code == status


async def test_the_agreement_report_csv_downloads_for_the_teacher_and_passes_cjs_refusal_on():
    owners = FakeOwners(answers=scenario.answers())
    async with served(exports=Exports(BatchViews(owners, 0.2), owners, 0.2)) as client:
        path = f"/bff/v1/teacher/batches/{BATCH}/export-agreement.csv"
        download = await client.get(path, headers=GATEWAY_HEADERS)
        assert download.status_code == 200
        assert download.headers["content-type"] == "text/csv; charset=utf-8"
        assert download.headers["cache-control"] == "private, no-store"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.content.decode("utf-8-sig").startswith("Part,Name,Value")

        refusal = {"error": {"code": "CONFLICT", "message": "the job has not completed", "details": {}}}
        owners.answers["moderation:GET report"] = OwnerReply(409, json.dumps(refusal).encode())
        refused = await client.get(path, headers=GATEWAY_HEADERS)
        assert (refused.status_code, refused.json()) == (409, refusal)

        assert (await client.get(path)).status_code == 401
        malformed = await client.get("/bff/v1/teacher/batches/not-a-uuid/export-agreement.csv", headers=GATEWAY_HEADERS)
        assert malformed.status_code == 400
        error_code(malformed)
