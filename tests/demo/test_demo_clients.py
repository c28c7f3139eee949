"""The demo's generated essays and its chunked uploads, without a stack."""

from typing import Any

import pytest

from common_core.http.content import MAX_FILES_PER_UPLOAD
from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from scripts.demo.uploads import UploadSummary, chunks, upload_essays


@pytest.mark.parametrize("count", [12, 300, 2000])
def test_every_generated_essay_has_its_own_name_and_file_name(count: int):
    essays = student_essays(count)
    assert len({e.filename for e in essays}) == len({e.label for e in essays}) == count


class FakeGateway:
    """Answers an upload like content does, rejecting files named ``empty*``."""

    def __init__(self) -> None:
        self.requests: list[int] = []

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        files = [part[1][0] for part in kwargs["files"]]
        self.requests.append(len(files))
        outcomes = [
            {"filename": f, "outcome": "rejected", "reason": "the file is empty"}
            if f.startswith("empty")
            else {"filename": f, "outcome": "accepted", "essay_id": f"id-{f}"}
            for f in files
        ]
        rejected = sum(o["outcome"] == "rejected" for o in outcomes)
        return {"accepted": len(files) - rejected, "rejected": rejected, "duplicates": 0, "files": outcomes}


def test_a_large_upload_goes_in_requests_within_the_limit_and_is_merged_in_order():
    files = [(f"{'empty' if i % 40 == 0 else 'essay'}-{i}.txt", b"text", "text/plain") for i in range(120)]
    gw, progress = FakeGateway(), []
    summary = upload_essays(gw, "batch", files, on_chunk=lambda sent, total: progress.append((sent, total)))
    assert gw.requests == [MAX_FILES_PER_UPLOAD, MAX_FILES_PER_UPLOAD, 20]
    assert progress == [(50, 120), (100, 120), (120, 120)]
    assert (summary.accepted, summary.rejected) == (117, 3)
    assert [f["filename"] for f in summary.files] == [name for name, _, _ in files]
    assert summary.problems() == ["3 file(s), the file is empty: empty-0.txt, empty-40.txt, empty-80.txt"]


def test_rejections_are_summarised_by_reason_with_a_few_names_each():
    summary = UploadSummary()
    summary.add(
        {
            "accepted": 0,
            "rejected": 5,
            "duplicates": 1,
            "files": [{"filename": f"short-{i}.txt", "outcome": "rejected", "reason": "too short"} for i in range(5)]
            + [{"filename": "again.txt", "outcome": "duplicate"}],
        }
    )
    assert summary.problems() == [
        "5 file(s), too short: short-0.txt, short-1.txt, short-2.txt and 2 more",
        "1 file(s), duplicate of an essay already in the batch: again.txt",
    ]


def test_a_chunk_size_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        chunks([], 0)


class ScriptedResults:
    """Answers the results route with the given details in turn, the last one from then on."""

    def __init__(self, details: list[dict[str, Any]]) -> None:
        self.details = details
        self.reads = 0

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        assert (method, path) == ("GET", "/v1/results/batches/b1")
        self.reads += 1
        return self.details[min(self.reads, len(self.details)) - 1]


def _detail(status: str, with_results: bool, duration: float | None) -> dict[str, Any]:
    return {
        "batch": {"status": status},
        "essays": [{"result": {"rank": 1} if with_results else None}],
        "current_job": {"duration_seconds": duration, "usage": None if duration is None else {"llm_calls": 3}},
    }


def test_following_a_batch_waits_for_both_the_results_and_the_completion_event():
    # The result event alone marks the job completed; the completion event (duration, usage) is another topic.
    results_first = _detail("completed", with_results=True, duration=None)
    both = _detail("completed", with_results=True, duration=12.0)
    gateway = ScriptedResults([_detail("running", False, None), results_first, results_first, both])
    detail = run_demo.follow(gateway, "b1", timeout_s=10, on_progress=lambda _: None, poll_s=0.001)  # type: ignore[arg-type]
    assert detail is both
    assert gateway.reads == 4


def test_a_failed_batch_is_final_without_results_or_completion():
    failed = _detail("failed", with_results=False, duration=None)
    gateway = ScriptedResults([failed])
    assert run_demo.follow(gateway, "b1", timeout_s=10, on_progress=lambda _: None, poll_s=0.001) is failed  # type: ignore[arg-type]
