"""One coherent batch for the owners to answer: the contract examples, joined up by id.

Anna (essay 3) and Bo (essay 5) are students; essay 4 is an anchor of grade C; essay 9 has no
result yet. Bo's author is confirmed as Tuva Karlsson; Anna's is not. Anna met the anchor once.
"""

from __future__ import annotations

import copy
from typing import Any

from common_core.http.examples import example_of

BATCH_ID = "00000000-0000-0000-0000-000000000001"
CLASS_ID = "00000000-0000-0000-0000-000000000002"
ANNA = "00000000-0000-0000-0000-000000000003"
ANCHOR = "00000000-0000-0000-0000-000000000004"
BO = "00000000-0000-0000-0000-000000000005"
UNASSESSED = "00000000-0000-0000-0000-000000000009"
JOB_ID = "00000000-0000-0000-0000-000000000007"
ANNA_TEXT = "a" * 64


def batch_detail() -> dict[str, Any]:
    detail = copy.deepcopy(example_of("BatchDetailResponse"))
    detail["essays"].append(
        {
            "essay_id": UNASSESSED,
            "is_anchor": False,
            "filename": "late.txt",
            "word_count": 120,
            "uploaded_at": "2026-11-30T10:00:00Z",
            "result": None,
        }
    )
    detail["essays"][1]["anchor_label"] = "Anchor C1"
    return detail


def answers() -> dict[str, Any]:
    comparison = copy.deepcopy(example_of("EssayComparisons"))
    comparison["job_id"], comparison["essay_id"] = JOB_ID, ANNA
    comparison["comparisons"][0].update(opponent_essay_id=ANCHOR, opponent_is_anchor=True, winner_essay_id=ANNA)
    page = copy.deepcopy(example_of("JobComparisonPage"))
    page["job_id"], page["total"] = JOB_ID, 1
    page["comparisons"][0].update(essay_a_id=ANNA, essay_b_id=ANCHOR, winner_essay_id=ANNA)
    essays = copy.deepcopy(example_of("EssayList"))
    essays["batch_id"] = BATCH_ID
    essays["items"][0].update(essay_id=ANNA, filename="anna.docx", text_ref=ANNA_TEXT)
    text = copy.deepcopy(example_of("StoredText"))
    text.update(text_id=ANNA_TEXT, content="Skoluniformer är en dålig idé.")
    return {
        "batch_detail": batch_detail(),
        "batch_class_info": {BATCH_ID: {"class_id": CLASS_ID, "class_name": "9B"}},
        "essay_comparisons": comparison,
        "job_comparisons": page,
        "batch_essays": essays,
        "text": text,
    }
