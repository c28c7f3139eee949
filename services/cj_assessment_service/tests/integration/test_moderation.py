"""Teacher moderation against the real database and HTTP routes (issue 24): a teacher moderates several pairs
and the report's agreement and teacher-judgement counts follow; undo; a colleague the owner adds moderates
while a third teacher gets 404; a duplicate verdict is a 409; hostile input is a 4xx with the error body;
the verdicts go with a deleted account, an erased student's essay and the batch's erasure; the LLM judges a
moderation pair it never judged, once, without touching the completed job, and the report sums what that cost;
a re-assessment keeps the colleagues; the essays' word counts, counted by PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from sqlalchemy import text

from cj_assessment_service.adapters.moderation_repository import SqlModerationRepository
from cj_assessment_service.domain.essay_length import word_count
from common_core.events.cj_assessment import AssessmentBudget, CJAssessmentCompletedV1, EssayRef
from common_core.events.classes import ErasedEssay, StudentErasedV1, TeacherAccountDeletedV1
from services.cj_assessment_service.tests.builders import FakeTexts, assessment
from services.cj_assessment_service.tests.fakes import FAKE_COST_USD, FAKE_INPUT_TOKENS, FAKE_OUTPUT_TOKENS
from services.cj_assessment_service.tests.integration.conftest import (
    Harness,
    on_the_database,
    run_request,
    teacher_headers,
)
from services.cj_assessment_service.tests.integration.test_job_end_to_end import create_assignment_with_anchors

BFF = "bff_teacher_service"
OWNER, COLLEAGUE, STRANGER = "teacher-1", "teacher-2", "teacher-3"


def _as(user: str) -> dict[str, str]:
    return teacher_headers(user, BFF)


async def _json(response: Any, status: int) -> Any:
    body = await response.get_json()
    assert response.status_code == status, (response.status_code, body)
    return body


async def _error(response: Any) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, await response.get_data())
    body = await response.get_json()
    assert set(body["error"]) >= {"code", "message", "correlation_id", "service"}
    return dict(body["error"])


async def test_moderation_over_http_on_the_database(harness: Harness):
    app = await harness.start()
    client = app.test_client()
    assignment_id = await create_assignment_with_anchors(harness, client)
    request = await harness.request(10, assignment_id=uuid.UUID(assignment_id))
    completed: CJAssessmentCompletedV1 = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    base = f"/internal/v1/jobs/{completed.job_id}/moderation"
    # The LLM's answers to the moderation pairs it is asked for stay held: the agreement counted below is on
    # the job's own comparisons only (test_the_llm_judges_a_moderation_pair_it_never_judged has the rest).
    harness.lps.hold = True

    async def report(user: str = OWNER) -> Any:
        return await _json(await client.get(f"{base}/report", headers=_as(user)), 200)

    async def post(user: str, body: dict[str, Any]) -> Any:
        return await client.post(f"{base}/verdicts", json=body, headers=_as(user))

    before = await report()
    assert (before["teacher_judgements"], before["agreement"]["shared_verdicts"]) == (0, 0)
    llm_results = {r["essay_id"]: r["rank"] for r in before["results"]}
    assert len(llm_results) == 10 + 6  # the students and the anchors

    # The owner moderates the planned pairs: each read refits with every verdict so far.
    given = 3
    moderated_pairs: set[frozenset[str]] = set()
    for k in range(given):
        step = await _json(await client.get(f"{base}/next", headers=_as(OWNER)), 200)
        assert step["done"] is False
        assert step["progress"]["given_by_you"] == k
        first, second = step["pair"]["first"], step["pair"]["second"]
        assert (first["label"], second["label"]) == ("Essay A", "Essay B")
        assert set(first) == {"label", "essay_id", "text_ref", "text"}  # no name, no file name
        body = {"first": first["essay_id"], "second": second["essay_id"], "winner": second["essay_id"]}
        moderated_pairs.add(frozenset((first["essay_id"], second["essay_id"])))
        verdict = await _json(await post(OWNER, {**body, "reason": "B argues better."}), 201)
        assert (verdict["moderator_user_id"], verdict["reason"]) == (OWNER, "B argues better.")
        assert (await report())["teacher_judgements"] == k + 1
        # The same pair again, in either order, is a conflict.
        again = await post(OWNER, {**body, "first": body["second"], "second": body["first"]})
        assert again.status_code == 409
        await _error(again)

    moderated = await report()
    assert sum(r["teacher_judgements"] for r in moderated["results"]) == 2 * given
    assert [(j["kind"], j["decisions"]) for j in moderated["judges"]][1] == ("teacher", given)

    # Agreement on pairs the LLM judged: one agreeing verdict, one disagreeing.
    page = await _json(await client.get(f"/internal/v1/jobs/{completed.job_id}/comparisons", headers=_as(OWNER)), 200)
    done = [c for c in page["comparisons"] if c["status"] == "done"]
    llm_winners: dict[frozenset[str], set[str]] = {}
    for c in done:
        llm_winners.setdefault(frozenset((c["essay_a_id"], c["essay_b_id"])), set()).add(c["winner_essay_id"])
    shared_before = moderated["agreement"]["shared_verdicts"]
    # Pairs the teacher has not judged yet, on which the LLM was of one mind (a pair it judged twice, once each
    # way, can have one verdict of each: a teacher would then agree with one of them, whichever they chose).
    unmoderated = [
        c
        for c in done
        if frozenset((c["essay_a_id"], c["essay_b_id"])) not in moderated_pairs
        and len(llm_winners[frozenset((c["essay_a_id"], c["essay_b_id"]))]) == 1
    ]
    agree = unmoderated[0]
    disagree = next(
        c
        for c in reversed(unmoderated)
        if {c["essay_a_id"], c["essay_b_id"]} != {agree["essay_a_id"], agree["essay_b_id"]}
    )
    await _json(
        await post(
            OWNER, {"first": agree["essay_a_id"], "second": agree["essay_b_id"], "winner": agree["winner_essay_id"]}
        ),
        201,
    )
    loser = disagree["essay_a_id"] if disagree["winner_essay_id"] == disagree["essay_b_id"] else disagree["essay_b_id"]
    await _json(
        await post(OWNER, {"first": disagree["essay_a_id"], "second": disagree["essay_b_id"], "winner": loser}), 201
    )
    split = await report()
    assert split["agreement"]["shared_verdicts"] == shared_before + 2
    assert split["teacher_judgements"] == given + 2
    assert any(
        d["teacher_winner"] == loser and d["llm_winner"] == disagree["winner_essay_id"] for d in split["disagreements"]
    )

    # Undo takes back the disagreeing verdict.
    undone = await _json(await client.delete(f"{base}/verdicts/last", headers=_as(OWNER)), 200)
    assert undone["winner"] == loser
    after = await report()
    assert (after["teacher_judgements"], after["agreement"]["shared_verdicts"]) == (given + 1, shared_before + 1)
    disagreed = {disagree["essay_a_id"], disagree["essay_b_id"]}
    assert not any({d["first_essay_id"], d["second_essay_id"]} == disagreed for d in after["disagreements"])

    # A colleague: 404 until the owner adds them; then they moderate; a third teacher still gets 404.
    assert (await client.get(f"{base}/next", headers=_as(COLLEAGUE))).status_code == 404
    labelled = {"label": " colleague@school.example "}
    listed = await _json(await client.put(f"{base}/moderators/{COLLEAGUE}", json=labelled, headers=_as(OWNER)), 200)
    assert [(m["user_id"], m["label"]) for m in listed["moderators"]] == [(COLLEAGUE, "colleague@school.example")]
    # Again without a body: still a moderator, the label kept (the owner-only list is the one place it shows).
    again = await _json(await client.put(f"{base}/moderators/{COLLEAGUE}", headers=_as(OWNER)), 200)
    assert again["moderators"] == listed["moderators"]
    invited = await _json(
        await client.get(f"/internal/v1/users/{COLLEAGUE}/moderation/jobs", headers=_as(COLLEAGUE)), 200
    )
    assert [(j["job_id"], j["owner_user_id"], j["state"]) for j in invited["jobs"]] == [
        (str(completed.job_id), OWNER, "completed")
    ]
    assert "@" not in str(invited)  # the colleague's own list carries no label
    # Only one's own list; the owner is nobody's moderator here.
    assert (
        await client.get(f"/internal/v1/users/{COLLEAGUE}/moderation/jobs", headers=_as(STRANGER))
    ).status_code == 404
    own = await client.get(f"/internal/v1/users/{OWNER}/moderation/jobs", headers=_as(OWNER))
    assert (await _json(own, 200))["jobs"] == []
    step = await _json(await client.get(f"{base}/next", headers=_as(COLLEAGUE)), 200)
    assert step["progress"]["given_by_you"] == 0
    pair = step["pair"]
    # CJ reads the texts for the moderator it authorised: the colleague gets them without content's owner check.
    assert pair["first"]["text"]
    assert pair["second"]["text"]
    body = {
        "first": pair["first"]["essay_id"],
        "second": pair["second"]["essay_id"],
        "winner": pair["first"]["essay_id"],
    }
    await _json(await post(COLLEAGUE, body), 201)
    teachers = {j["user_id"] for j in (await report(COLLEAGUE))["judges"] if j["kind"] == "teacher"}
    assert teachers == {OWNER, COLLEAGUE}
    assert (await client.put(f"{base}/moderators/{STRANGER}", headers=_as(COLLEAGUE))).status_code == 403
    for method, path in (
        ("GET", "next"),
        ("GET", "report"),
        ("DELETE", "verdicts/last"),
        ("GET", "moderators"),
        ("PUT", f"moderators/{STRANGER}"),
        ("DELETE", f"moderators/{COLLEAGUE}"),
    ):
        response = await getattr(client, method.lower())(f"{base}/{path}", headers=_as(STRANGER))
        assert response.status_code == 404, (method, path)
        await _error(response)
    stranger_post = await post(STRANGER, body)
    assert stranger_post.status_code == 404
    await _error(stranger_post)

    # The colleague's reads are in the owner's access log, with the colleague as the reader.
    log = await _json(await client.get(f"/internal/v1/users/{OWNER}/access-log", headers=_as(OWNER)), 200)
    assert {(e["actor_user_id"], e["subject_kind"]) for e in log["entries"]} >= {
        (COLLEAGUE, "essay"),
        (COLLEAGUE, "batch"),
    }

    # Hostile input: 4xx with the error body, never 500; nothing stored.
    stored = len(await harness.db("SELECT id FROM moderation_verdicts"))
    other_essay = str(uuid.uuid4())
    hostile_bodies: list[Any] = [
        {**body, "reason": "a\x00b"},
        {**body, "reason": "two\nlines"},
        {**body, "reason": "x" * 201},
        {**body, "winner": other_essay},
        {**body, "second": other_essay},
        {**body, "extra": 1},
        {**body, "first": "not-a-uuid"},
        {"first": body["first"]},
        [body],
    ]
    for hostile in hostile_bodies:
        await _error(await post(OWNER, hostile))
    raw_cases = [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\xff\xfe",
        b"x" * 1_000_000,
    ]
    for raw in raw_cases:
        response = await client.post(
            f"{base}/verdicts", data=raw, headers={**_as(OWNER), "Content-Type": "application/json"}
        )
        await _error(response)
    for path in (
        "/internal/v1/jobs/not-a-uuid/moderation/next",
        f"/internal/v1/jobs/{uuid.uuid4()}/moderation/report",
        f"{base}/moderators/a%00b",
        f"{base}/moderators/{'x' * 300}",
        f"{base}/moderators/{OWNER}",
    ):
        await _error(
            await client.put(path, headers=_as(OWNER))
            if "moderators" in path
            else await client.get(path, headers=_as(OWNER))
        )
    for label in ({"label": "a\nb"}, {"label": "a\x00b"}, {"label": "x" * 321}, {"label": 5}, {"email": "a@b.se"}):
        await _error(await client.put(f"{base}/moderators/{STRANGER}", json=label, headers=_as(OWNER)))
    await _error(await client.put(f"{base}/moderators/{STRANGER}", data=b"x" * 1_000_000, headers=_as(OWNER)))
    labels = await harness.db("SELECT user_id, label FROM job_moderators ORDER BY user_id")
    assert [tuple(row) for row in labels] == [(COLLEAGUE, "colleague@school.example")]
    assert (await client.get(f"{base}/next", headers=teacher_headers(OWNER))).status_code == 403  # the gateway
    no_user = {k: v for k, v in _as(OWNER).items() if k != "X-User-ID"}
    assert (await client.get(f"{base}/next", headers=no_user)).status_code == 401
    assert len(await harness.db("SELECT id FROM moderation_verdicts")) == stored

    # A deleted account takes its verdicts and its places as a moderator; a student's erasure the verdicts on
    # their essay.
    async def count(sql: str) -> int:
        return int((await harness.db(sql))[0][0])

    await harness.publish(TeacherAccountDeletedV1(user_id=COLLEAGUE, deleted_at=datetime.now(UTC)), COLLEAGUE)
    await harness.wait_for_db(
        lambda n: n == 0,
        lambda _: count(f"SELECT count(*) FROM moderation_verdicts WHERE moderator_user_id = '{COLLEAGUE}'"),
    )
    assert await count("SELECT count(*) FROM job_moderators") == 0
    owners_verdicts = await count("SELECT count(*) FROM moderation_verdicts")
    essay = agree["essay_a_id"]
    on_essay = (
        f"SELECT count(*) FROM moderation_verdicts WHERE '{essay}' IN (first_essay_id::text, second_essay_id::text)"
    )
    assert await count(on_essay) >= 1
    erased = StudentErasedV1(
        student_id=uuid.uuid4(),
        user_id=OWNER,
        essays=[ErasedEssay(batch_id=request.batch_id, essay_id=uuid.UUID(essay))],
        erased_at=datetime.now(UTC),
    )
    await harness.publish(erased, str(request.batch_id))
    await harness.wait_for_db(lambda n: n == 0, lambda _: count(on_essay))
    left = await count("SELECT count(*) FROM moderation_verdicts")
    assert 0 < left < owners_verdicts
    assert (await report())["teacher_judgements"] == left

    # The batch's erasure takes the verdicts and the moderators, with their labels, with the job.
    await client.put(f"{base}/moderators/teacher-4", json={"label": "fourth@school.example"}, headers=_as(OWNER))
    assert await harness.db("SELECT label FROM job_moderators") == [("fourth@school.example",)]
    await harness.delete_batch(request.batch_id)

    async def verdicts_left(_: Harness) -> int:
        return len(await harness.db("SELECT id FROM moderation_verdicts"))

    await harness.wait_for_db(lambda n: n == 0, verdicts_left)
    assert await harness.db("SELECT user_id FROM job_moderators") == []
    assert await harness.db("SELECT request_id FROM moderation_llm_comparisons") == []


async def test_the_llm_judges_a_moderation_pair_it_never_judged(harness: Harness):
    """Asked once (the owner's and a colleague's verdict on the pair), answered through Kafka onto the completed
    job's moderation only: the report's agreement counts it, the job and its comparisons stay as they were."""
    app = await harness.start()
    client = app.test_client()
    request = await harness.request(10, budget=AssessmentBudget(max_comparisons_per_essay=4))
    completed: CJAssessmentCompletedV1 = await harness.wait_for_event(CJAssessmentCompletedV1, request.batch_id)
    job_id = completed.job_id
    base = f"/internal/v1/jobs/{job_id}/moderation"
    judged = {
        frozenset((str(a), str(b)))
        for a, b in await harness.db(
            "SELECT essay_a_id, essay_b_id FROM comparisons WHERE job_id = :job AND status = 'done'", job=job_id
        )
    }
    essays = [str(e.essay_id) for e in request.essays]
    first, second = next((a, b) for a, b in combinations(essays, 2) if frozenset((a, b)) not in judged)
    comparisons_before = await harness.db("SELECT request_id, status FROM comparisons WHERE job_id = :job", job=job_id)
    usage_before = (await _json(await client.get(f"/internal/v1/jobs/{job_id}", headers=_as(OWNER)), 200))["usage"]
    job_before = await harness.db("SELECT state, finished_at, reliability_ssr FROM jobs WHERE id = :job", job=job_id)
    report_before = await _json(await client.get(f"{base}/report", headers=_as(OWNER)), 200)
    assert report_before["agreement"]["shared_verdicts"] == 0

    body = {"first": first, "second": second, "winner": second}
    await _json(await client.post(f"{base}/verdicts", json=body, headers=_as(OWNER)), 201)
    await _json(await client.put(f"{base}/moderators/{COLLEAGUE}", headers=_as(OWNER)), 200)
    swapped = {"first": second, "second": first, "winner": first}
    await _json(await client.post(f"{base}/verdicts", json=swapped, headers=_as(COLLEAGUE)), 201)

    async def answered(_: Harness) -> int:
        rows = await harness.db("SELECT count(*) FROM moderation_llm_comparisons WHERE status = 'done'")
        return int(rows[0][0])

    await harness.wait_for_db(lambda n: n == 1, answered)
    ((request_id, status, shown_first, winner, acknowledged, tokens_in, tokens_out, cost),) = await harness.db(
        "SELECT request_id, status, first_essay_id, winner_essay_id, acknowledged_at, input_tokens, output_tokens, "
        "cost_usd FROM moderation_llm_comparisons"
    )
    assert (status, str(shown_first)) == ("done", first)
    assert (tokens_in, tokens_out, cost) == (FAKE_INPUT_TOKENS, FAKE_OUTPUT_TOKENS, FAKE_COST_USD)
    assert str(winner) in (first, second)
    assert acknowledged is not None
    assert [r for r in harness.lps.seen if r.startswith("cj-mod-")] == [request_id]  # LPS was asked once

    report_after = await _json(await client.get(f"{base}/report", headers=_as(OWNER)), 200)
    # Both teachers judged the pair: two shared verdicts, and the LLM has one decision more.
    assert report_after["agreement"]["shared_verdicts"] == 2
    assert report_before["llm_usage"] == {
        "answered": 0,
        "failed": 0,
        "pending": 0,
        "tokens": None,
        "cost_usd": None,
        "unreported": 0,
    }
    assert report_after["llm_usage"] == {
        "answered": 1,
        "failed": 0,
        "pending": 0,
        "tokens": FAKE_INPUT_TOKENS + FAKE_OUTPUT_TOKENS,
        "cost_usd": FAKE_COST_USD,
        "unreported": 0,
    }
    llm_before, llm_after = report_before["judges"][0], report_after["judges"][0]
    assert (llm_after["kind"], llm_after["decisions"]) == ("llm", llm_before["decisions"] + 1)
    # The job, its comparisons and its published results are as they were.
    assert await harness.db("SELECT request_id, status FROM comparisons WHERE job_id = :job", job=job_id) == (
        comparisons_before
    )
    assert (
        await harness.db("SELECT state, finished_at, reliability_ssr FROM jobs WHERE id = :job", job=job_id)
        == job_before
    )
    assert [e["data"]["job_id"] for e in harness.events.of(CJAssessmentCompletedV1)] == [str(job_id)]
    # The job's usage is the one published at completion; the moderation call is in the report's only.
    usage_after = (await _json(await client.get(f"/internal/v1/jobs/{job_id}", headers=_as(OWNER)), 200))["usage"]
    assert usage_after == usage_before

    # The teacher assesses the batch again: the colleague moderates the new job too.
    await harness.request(0, request=request.model_copy(update={"request_id": uuid.uuid4()}))

    async def jobs_of_batch(_: Harness) -> int:
        return len(await harness.db("SELECT id FROM jobs WHERE batch_id = :batch", batch=request.batch_id))

    await harness.wait_for_db(lambda n: n == 2, jobs_of_batch)
    ((new_job,),) = await harness.db(
        "SELECT id FROM jobs WHERE batch_id = :batch AND id <> :job", batch=request.batch_id, job=job_id
    )
    moderators = await harness.db("SELECT user_id FROM job_moderators WHERE job_id = :job", job=new_job)
    assert [m for (m,) in moderators] == [COLLEAGUE]


WORDY_TEXTS = [
    "One.",
    "  Two  words  ",
    "line one\nline two\r\nthree\tfour\x0bfive\x0csix",
    "Åsa läser\u00a0böcker, hy-phen and.dot",  # no break space and punctuation join
    " ".join(["word"] * 750),
]


async def test_the_essays_word_counts_are_counted_by_the_database(database_factory: Callable[[str], str]):
    """The moderation read's lengths come from SQL (``regexp_count``) and agree with ``word_count``."""
    texts = FakeTexts()
    async with on_the_database(database_factory, "moderation_length", texts) as service:
        request = assessment([EssayRef(essay_id=uuid.uuid4(), text_ref=texts.add(t)) for t in WORDY_TEXTS])
        await run_request(service, request)
        async with service.sessions() as session, session.begin():
            (job_id,) = (await session.execute(text("SELECT id FROM jobs"))).scalars()
            # An essay emptied in place (no upload is empty): zero words, not one.
            emptied = request.essays[0].essay_id
            await session.execute(
                text("UPDATE job_essays SET content = '' WHERE essay_id = :essay"), {"essay": emptied}
            )
            items = await SqlModerationRepository(session).items(job_id)
        counted = {item.essay_id: item.words for item in items}
        expected = {e.essay_id: word_count(t) for e, t in zip(request.essays, WORDY_TEXTS, strict=True)}
        assert counted == {**expected, emptied: 0}
        assert [counted[e.essay_id] for e in request.essays] == [0, 2, 8, 4, 750]
