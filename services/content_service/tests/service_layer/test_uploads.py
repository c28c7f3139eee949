"""Upload outcomes over the in-memory fakes: one outcome per file, and one bad file never fails the others."""

import codecs
import threading
import uuid

import pytest

from common_core.envelope import deterministic_event_id
from common_core.events.batch import EssayUploadedV1
from common_core.http.content import CreateBatchRequest, UploadOutcome
from common_core.status import BatchStatus
from content_service.domain import intake
from content_service.service_layer import batches, uploads
from content_service.service_layer.uploads import UploadedFile
from content_service.service_layer.vetting import UNREADABLE_REASON
from huleedu_service_libs.errors import ConflictError, ValidationFailedError


async def new_batch(service) -> uuid.UUID:
    view = await batches.create_batch(service.ctx, "teacher-a", CreateBatchRequest(title="T", course_code="ENG5"))
    service.uow.committed_events.clear()
    return view.batch_id


async def upload(service, batch_id, files):
    return await uploads.upload_essays(service.ctx, "teacher-a", batch_id, [UploadedFile(n, c) for n, c in files])


async def test_mixed_good_and_bad_files_each_get_their_own_outcome(service, samples):
    batch_id = await new_batch(service)
    result = await upload(
        service,
        batch_id,
        [
            ("Tuva Karlsson.txt", samples.essay_text("good1").encode()),
            ("empty.txt", b""),
            ("virus.exe", b"MZ\x90\x00"),
            ("short.txt", b"Only five words are here."),
            ("scan.pdf", samples.scanned_pdf()),
            ("essay.docx", samples.docx([samples.essay_text("good2")])),
        ],
    )

    outcomes = [(f.filename, f.outcome) for f in result.files]
    assert outcomes == [
        ("Tuva Karlsson.txt", UploadOutcome.ACCEPTED),
        ("empty.txt", UploadOutcome.REJECTED),
        ("virus.exe", UploadOutcome.REJECTED),
        ("short.txt", UploadOutcome.REJECTED),
        ("scan.pdf", UploadOutcome.REJECTED),
        ("essay.docx", UploadOutcome.ACCEPTED),
    ]
    assert (result.accepted, result.rejected, result.duplicates) == (2, 4, 0)
    reasons = [f.reason for f in result.files if f.outcome is UploadOutcome.REJECTED]
    assert reasons[0] == "empty file"
    assert reasons[1].startswith("not a supported type")
    assert reasons[2].startswith("too short: 5 words")
    assert reasons[3].startswith("scanned PDF without text")
    assert result.files[0].author_hint == "Tuva Karlsson"

    stored = service.uow.state.essays
    assert [e.filename for e in stored] == ["Tuva Karlsson.txt", "essay.docx"]
    events = service.uow.events_of(EssayUploadedV1)
    assert [(e.essay_id, e.text_ref, e.word_count) for e in events] == [
        (e.essay_id, e.text_id, e.word_count) for e in stored
    ]
    assert [event.event_id for event in service.uow.committed_events] == [
        deterministic_event_id("essay.uploaded", e.essay_id) for e in stored
    ]


async def test_a_file_that_crashes_the_parser_is_rejected_and_the_others_are_stored(service, samples, monkeypatch):
    real_vet = intake.vet_file

    def vet_or_crash(name, raw, limits):
        if name == "strange.docx":
            raise KeyError("word/document.xml")  # a parser bug that extraction did not foresee
        return real_vet(name, raw, limits)

    monkeypatch.setattr(intake, "vet_file", vet_or_crash)
    batch_id = await new_batch(service)
    result = await upload(
        service,
        batch_id,
        [
            ("a.txt", samples.essay_text("a").encode()),
            ("strange.docx", b"PK"),
            ("b.txt", samples.essay_text("b").encode()),
        ],
    )

    assert [f.outcome for f in result.files] == [UploadOutcome.ACCEPTED, UploadOutcome.REJECTED, UploadOutcome.ACCEPTED]
    assert result.files[1].reason == UNREADABLE_REASON
    assert len(service.uow.events_of(EssayUploadedV1)) == 2


async def test_files_are_vetted_in_a_worker_thread_never_on_the_event_loop(service, samples, monkeypatch):
    real_vet = intake.vet_file
    threads: list[threading.Thread] = []

    def recording(name, raw, limits):
        threads.append(threading.current_thread())
        return real_vet(name, raw, limits)

    monkeypatch.setattr(intake, "vet_file", recording)
    batch_id = await new_batch(service)
    await upload(service, batch_id, [("a.txt", samples.essay_text("a").encode()), ("b.docx", samples.docx(["B"]))])
    assert len(threads) == 2
    assert threading.main_thread() not in threads


async def test_a_nul_in_one_file_name_rejects_that_file_only(service, samples):
    batch_id = await new_batch(service)
    result = await upload(
        service,
        batch_id,
        [
            ("good.txt", samples.essay_text("good").encode()),
            ("bad\x00name.txt", samples.essay_text("nul").encode()),
            ("Åsa Öberg.txt", samples.essay_text("latin").encode()),
        ],
    )
    assert [f.outcome for f in result.files] == [UploadOutcome.ACCEPTED, UploadOutcome.REJECTED, UploadOutcome.ACCEPTED]
    assert result.files[1].filename == "bad\ufffdname.txt"
    assert result.files[1].reason.startswith("the file name contains control characters")
    assert [e.filename for e in service.uow.state.essays] == ["good.txt", "Åsa Öberg.txt"]


async def test_duplicates_in_one_upload_and_across_uploads_are_reported_not_stored(service, samples):
    batch_id = await new_batch(service)
    text = samples.essay_text("dup")
    first = await upload(service, batch_id, [("one.txt", text.encode()), ("copy.txt", text.encode())])
    assert [f.outcome for f in first.files] == [UploadOutcome.ACCEPTED, UploadOutcome.DUPLICATE]
    original = first.files[0].essay_id
    assert first.files[1].essay_id == original
    assert "same text as one.txt" in first.files[1].reason

    # The same essay again, with Windows line endings and a UTF-16 BOM: the same normalised text.
    again = codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le")
    second = await upload(service, batch_id, [("resent.txt", again)])
    assert (second.files[0].outcome, second.files[0].essay_id) == (UploadOutcome.DUPLICATE, original)
    assert (second.accepted, second.duplicates) == (0, 1)

    assert len(service.uow.state.essays) == 1
    assert len(service.uow.events_of(EssayUploadedV1)) == 1


async def test_a_full_batch_rejects_the_essays_beyond_its_capacity(service, samples):
    small = service.with_settings(max_essays_per_batch=2)
    batch_id = await new_batch(small)
    result = await upload(small, batch_id, [(f"{n}.txt", samples.essay_text(f"cap{n}").encode()) for n in range(3)])
    assert [f.outcome for f in result.files] == [UploadOutcome.ACCEPTED] * 2 + [UploadOutcome.REJECTED]
    assert result.files[2].reason == "the batch is full: it holds at most 2 essays"
    assert len(small.uow.state.essays) == 2


async def test_files_beyond_the_per_upload_limit_are_rejected_with_a_reason(service, samples):
    limited = service.with_settings(max_files_per_upload=2)
    batch_id = await new_batch(limited)
    result = await upload(limited, batch_id, [(f"{n}.txt", samples.essay_text(f"lim{n}").encode()) for n in range(3)])
    assert [f.outcome for f in result.files] == [UploadOutcome.ACCEPTED] * 2 + [UploadOutcome.REJECTED]
    assert result.files[2].reason.startswith("too many files in one upload (at most 2)")


async def test_only_a_draft_batch_takes_uploads(service, samples):
    batch_id = await new_batch(service)
    await service.uow.last_repo.set_status(batch_id, BatchStatus.ASSESSMENT_REQUESTED)
    with pytest.raises(ConflictError, match="only be added to a draft batch"):
        await upload(service, batch_id, [("late.txt", samples.essay_text("late").encode())])
    assert service.uow.state.essays == []
    assert service.uow.committed_events == []


async def test_an_upload_without_files_names_the_field(service):
    batch_id = await new_batch(service)
    with pytest.raises(ValidationFailedError) as raised:
        await upload(service, batch_id, [])
    assert raised.value.details == {"field": "files"}
