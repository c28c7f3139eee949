"""The runner's calls to the public API (the gateway), on top of the demo's ``Gateway`` client.

Everything goes through ``/v1/...`` and the teacher views under ``/bff/v1/teacher/...``; the runner
never touches a service or a database directly.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

from common_core.http.cj_assessment import AssignmentCreateRequest
from common_core.http.content import CreateBatchRequest
from scripts.demo.run_demo import DemoError, Gateway
from scripts.demo.uploads import UploadSummary, upload_essays
from scripts.eng5.inputs import GRADE_SCALE, Anchor, InputFile, RunInputs, RunSettings

# CJ's and the gateway's limit on files in one bulk anchor upload (``max_anchor_files``).
ANCHORS_PER_UPLOAD = 30
POLL_INTERVAL_S = 1.0


def create_assignment(gw: Gateway, inputs: RunInputs, title: str) -> str:
    """A new ENG5 assignment with the run's instructions, rubric and anchors (bulk uploads of CSV + files)."""
    request = AssignmentCreateRequest(
        title=title,
        course_code="ENG5",
        grade_scale=GRADE_SCALE,
        instructions=inputs.instructions,
        student_prompt=inputs.student_prompt,
        rubric=inputs.rubric or None,
    )
    created = gw.call("POST", "/v1/assignments", json=request.model_dump(mode="json"))
    assignment_id = str(created["assignment_id"])
    for start in range(0, len(inputs.anchors), ANCHORS_PER_UPLOAD):
        upload_anchors(gw, assignment_id, inputs.anchors[start : start + ANCHORS_PER_UPLOAD])
    return assignment_id


def grades_csv(anchors: list[Anchor]) -> bytes:
    """The ``grades`` part of a bulk anchor upload: ``label,grade`` rows, labels being the file stems."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["label", "grade"])
    writer.writerows((a.label, a.grade) for a in anchors)
    return out.getvalue().encode("utf-8")


def upload_anchors(gw: Gateway, assignment_id: str, anchors: list[Anchor]) -> None:
    parts: list[tuple[str, tuple[str, bytes, str]]] = [
        ("files", (a.file.filename, a.file.data, a.file.mime)) for a in anchors
    ]
    parts.append(("grades", ("anchors.csv", grades_csv(anchors), "text/csv")))
    gw.call("POST", f"/v1/assignments/{assignment_id}/anchors/bulk", files=parts)


def create_batch(gw: Gateway, assignment_id: str, title: str) -> str:
    request = CreateBatchRequest(title=title, course_code="ENG5", assignment_id=uuid.UUID(assignment_id))
    return str(gw.call("POST", "/v1/batches", json=request.model_dump(mode="json"))["batch_id"])


def upload(gw: Gateway, batch_id: str, essays: list[InputFile], on_chunk: Callable[[int, int], None]) -> UploadSummary:
    """The essays in chunks within content service's per-request limit; every one must be accepted."""
    files = [(e.filename, e.data, e.mime) for e in essays]
    summary = upload_essays(gw, batch_id, files, on_chunk=on_chunk)
    if summary.accepted != len(essays):
        problems = "\n  ".join(summary.problems())
        raise DemoError(f"{len(essays) - summary.accepted} of {len(essays)} essays were not accepted:\n  {problems}")
    return summary


def estimate(gw: Gateway, batch_id: str, settings: RunSettings) -> dict[str, Any]:
    found: dict[str, Any] = gw.call("POST", f"/v1/batches/{batch_id}/estimate", json=settings.assessment_body())
    return found


def start(gw: Gateway, batch_id: str, settings: RunSettings) -> None:
    headers = {"Idempotency-Key": f"eng5-{batch_id}"}
    gw.call("POST", f"/v1/batches/{batch_id}/assessments", json=settings.assessment_body(), headers=headers)


def comparisons(gw: Gateway, batch_id: str, essay_ids: list[str], on_essay: Callable[[], None]) -> list[dict[str, Any]]:
    """Every comparison of the batch, once each, from the teacher's essay pages (which list an essay's
    comparisons with position, verdict and the judge's reasons). Anchors are asked too, so comparisons
    between two anchors are not missed."""
    pairs: dict[str, dict[str, Any]] = {}
    for essay_id in essay_ids:
        page = gw.call("GET", f"/bff/v1/teacher/batches/{batch_id}/essays/{essay_id}")
        for row in page["comparisons"]:
            pair = pairs.setdefault(row["pair_id"], {"pair_id": row["pair_id"], "wave": row["wave"]})
            # The row is from this essay's side: it was shown first or second and won or lost.
            side, other = ("first", "second") if row["shown_first"] else ("second", "first")
            pair[f"{side}_essay_id"] = essay_id
            pair[f"{other}_essay_id"] = row["opponent_essay_id"]
            answered = row["outcome"] in ("won", "lost")
            pair["status"] = "answered" if answered else row["outcome"]
            pair["winner"] = (side if row["outcome"] == "won" else other) if answered else None
            for key in ("confidence", "justification", "provider", "model", "answered_at"):
                pair[key] = row[key]
        on_essay()
    return sorted(pairs.values(), key=lambda p: (p["wave"], p["pair_id"]))
