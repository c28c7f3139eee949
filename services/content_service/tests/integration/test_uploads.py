"""Uploads of mixed good and bad files: one outcome per file, duplicates reported, events through the outbox."""

import hashlib

from common_core.events.batch import EssayUploadedV1


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_a_mixed_upload_gives_each_file_its_own_outcome(content, samples):
    batch_id = (await content.create_batch())["batch_id"]
    utf8 = samples.essay_text("plain")
    utf16 = "Tuva Karlsson\r\n\r\n" + samples.essay_text("sixteen").replace("\n", "\r\n")
    docx_table = samples.docx([samples.essay_text("docx")], table=[["Namn", "Erik Lindqvist"]])
    pdf = samples.pdf([samples.essay_text("pdf")])
    files = [
        ("anna_berg.txt", utf8.encode()),
        ("sixteen.txt", utf16.encode("utf-16")),
        ("with_table.docx", docx_table),
        ("essay.pdf", pdf),
        ("scan.pdf", samples.scanned_pdf()),
        ("empty.txt", b""),
        ("photo.jpg", b"\xff\xd8\xff\xe0 jpeg"),
        ("short.md", b"Too short to assess."),
        ("long.txt", ("word " * 500).encode()),
        ("huge.txt", b"x " * 150_000),
        ("copy of anna.txt", utf8.replace("\n", "\r\n").encode("utf-8-sig")),  # same text once normalised
    ]
    response = await content.upload(batch_id, files)
    assert response.status_code == 200, await response.get_data(as_text=True)
    result = await response.get_json()
    outcomes = {f["filename"]: f for f in result["files"]}
    assert [f["filename"] for f in result["files"]] == [name for name, _ in files]
    assert (result["accepted"], result["rejected"], result["duplicates"]) == (4, 6, 1)

    accepted = {name for name, f in outcomes.items() if f["outcome"] == "accepted"}
    assert accepted == {"anna_berg.txt", "sixteen.txt", "with_table.docx", "essay.pdf"}
    assert outcomes["anna_berg.txt"]["author_hint"] == "Anna Berg"
    assert outcomes["sixteen.txt"]["author_hint"] == "Tuva Karlsson"
    reasons = {name: f["reason"] for name, f in outcomes.items() if f["outcome"] == "rejected"}
    assert reasons["scan.pdf"].startswith("scanned PDF without text")
    assert reasons["empty.txt"] == "empty file"
    assert reasons["photo.jpg"].startswith("not a supported type")
    assert reasons["short.md"] == "too short: 4 words (at least 10)"
    assert reasons["long.txt"] == "too long: 500 words (at most 400)"
    assert reasons["huge.txt"].startswith("too large: 0.3 MB")
    duplicate = outcomes["copy of anna.txt"]
    assert duplicate["outcome"] == "duplicate"
    assert duplicate["essay_id"] == outcomes["anna_berg.txt"]["essay_id"]
    assert "anna_berg.txt" in duplicate["reason"]

    essays = await (await content.call("GET", f"/v1/batches/{batch_id}/essays")).get_json()
    assert [e["filename"] for e in essays["items"]] == ["anna_berg.txt", "sixteen.txt", "with_table.docx", "essay.pdf"]
    texts = await content.fetch("SELECT text_id, content FROM texts")
    stored = {row["text_id"]: row["content"] for row in texts}
    assert stored[sha256(utf8)] == utf8
    table_text = stored[essays["items"][2]["text_ref"]]
    assert table_text.startswith("Namn\n\nErik Lindqvist\n\n")
    batch = await (await content.call("GET", f"/v1/batches/{batch_id}")).get_json()
    assert batch["essay_count"] == 4


async def test_each_accepted_essay_lands_on_kafka_as_essay_uploaded(content, samples):
    batch_id = (await content.create_batch())["batch_id"]
    files = [(f"e{n}.txt", samples.essay_text(f"e{n}").encode()) for n in range(3)] + [("bad.exe", b"MZ")]
    result = await (await content.upload(batch_id, files)).get_json()
    events = await content.read_events(EssayUploadedV1, 3)
    assert {key for key, _ in events} == {batch_id.encode()}
    by_essay = {envelope["data"]["essay_id"]: envelope["data"] for _, envelope in events}
    for outcome in result["files"][:3]:
        data = by_essay[outcome["essay_id"]]
        assert data["filename"] == outcome["filename"]
        assert data["word_count"] == outcome["word_count"]
        assert data["text_ref"] == sha256(samples.essay_text(outcome["filename"][:-4]))
    # The rejected file produced nothing, and the relay sends each event once.
    assert await content.topic_size(EssayUploadedV1) == 3
    rows = await content.fetch("SELECT status FROM event_outbox WHERE topic = $1", content.topics[EssayUploadedV1])
    assert [row["status"] for row in rows] == ["published"] * 3


async def test_a_duplicate_across_uploads_is_reported_not_stored(content, samples):
    batch_id = (await content.create_batch())["batch_id"]
    text = samples.essay_text("same").encode()
    first = await (await content.upload(batch_id, [("one.txt", text)])).get_json()
    second = await (await content.upload(batch_id, [("two.txt", text)])).get_json()
    assert second["files"][0]["outcome"] == "duplicate"
    assert second["files"][0]["essay_id"] == first["files"][0]["essay_id"]
    assert len(await content.fetch("SELECT 1 FROM essays")) == 1


async def test_limits_on_files_per_upload_and_essays_per_batch(content, samples):
    batch_id = (await content.create_batch())["batch_id"]
    files = [(f"f{n}.txt", samples.essay_text(f"f{n}").encode()) for n in range(14)]
    result = await (await content.upload(batch_id, files)).get_json()
    assert result["accepted"] == 12  # max_files_per_upload
    assert result["files"][12]["reason"].startswith("too many files in one upload (at most 12)")
    more = [(f"g{n}.txt", samples.essay_text(f"g{n}").encode()) for n in range(10)]
    result = await (await content.upload(batch_id, more)).get_json()
    assert result["accepted"] == 8  # max_essays_per_batch is 20
    assert result["files"][8]["reason"] == "the batch is full: it holds at most 20 essays"


async def test_an_upload_without_files_or_over_the_request_limit_is_refused(content):
    batch_id = (await content.create_batch())["batch_id"]
    empty = await content.call("POST", f"/v1/batches/{batch_id}/essays", json_body={"files": []})
    assert empty.status_code == 400
    assert (await empty.get_json())["error"]["details"]["field"] == "files"
    too_big = [(f"big{n}.txt", b"y " * 100_000) for n in range(20)]  # 4 MB; the request limit is 3 MB
    refused = await content.upload(batch_id, too_big)
    assert refused.status_code == 413
    assert (await refused.get_json())["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await content.fetch("SELECT 1 FROM essays") == []


async def test_deleting_a_batch_removes_its_texts_but_keeps_shared_ones(content, samples):
    mine = (await content.create_batch())["batch_id"]
    other = (await content.create_batch())["batch_id"]
    shared, own = samples.essay_text("shared").encode(), samples.essay_text("own").encode()
    await content.upload(mine, [("shared.txt", shared), ("own.txt", own)])
    await content.upload(other, [("shared.txt", shared)])
    anchor = samples.essay_text("anchor")
    stored = await content.call(
        "POST",
        "/internal/v1/texts",
        service="cj_assessment_service",
        user=None,
        json_body={"content": anchor, "kind": "anchor"},
    )
    assert stored.status_code == 201
    await content.upload(mine, [("anchor-copy.txt", anchor.encode())])

    assert (await content.call("DELETE", f"/v1/batches/{mine}")).status_code == 204
    remaining = {row["text_id"] for row in await content.fetch("SELECT text_id FROM texts")}
    assert remaining == {sha256(shared.decode()), sha256(anchor)}
