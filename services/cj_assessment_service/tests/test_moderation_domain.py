"""The pure side of teacher moderation (domain/moderation.py): essays re-indexed past an erased one, the
verdict checks, boundary pairs from the anchors, and a teacher's statistics shown from 20 decisions on."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

from cj_assessment_service.domain import moderation
from cj_assessment_service.domain.moderation import HumanVerdict, LlmVerdict, ModerationData, ModerationItem
from common_core.grade_scales import get_grade_scale

JOB = uuid.uuid4()
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _items(n: int, anchors: dict[int, str] | None = None, gap_at: int | None = None) -> list[ModerationItem]:
    """``n`` essays of true quality 0..n-1; stored indices skip ``gap_at`` (an erased student's)."""
    anchors = anchors or {}
    return [
        ModerationItem(
            uuid.uuid4(),
            i + (1 if gap_at is not None and i >= gap_at else 0),
            i in anchors,
            anchors.get(i),
            f"ref-{i}",
            words=300,
        )
        for i in range(n)
    ]


def _llm(items: list[ModerationItem], rounds: int = 2) -> list[LlmVerdict]:
    """Neighbours and next-but-one neighbours on the true order, the better one winning, shown in turn."""
    verdicts = []
    for r, step in itertools.product(range(rounds), (1, 2, 3)):
        for i in range(len(items) - step):
            low, high = items[i], items[i + step]
            first, second = (low, high) if (i + r) % 2 else (high, low)
            verdicts.append(LlmVerdict(first.essay_id, second.essay_id, high.essay_id))
    return verdicts


def _human(user: str, first: ModerationItem, second: ModerationItem, winner: ModerationItem) -> HumanVerdict:
    return HumanVerdict(uuid.uuid4(), JOB, user, first.essay_id, second.essay_id, winner.essay_id, None, NOW)


def test_essays_are_reindexed_past_an_erased_one_and_verdicts_on_missing_essays_are_left_out():
    items = _items(5, gap_at=2)
    gone = uuid.uuid4()
    data = ModerationData.of(
        list(reversed(items)),
        [*_llm(items, rounds=1), LlmVerdict(gone, items[0].essay_id, gone)],
        [
            _human("t", items[4], items[0], items[4]),
            HumanVerdict(uuid.uuid4(), JOB, "t", gone, items[1].essay_id, gone, None, NOW),
        ],
    )
    assert [item.index for item in data.items] == [0, 1, 3, 4, 5]
    comparisons, judges = data.comparisons()
    assert max(max(c.first, c.second) for c in comparisons) == 4
    assert judges.count("teacher:t") == 1
    assert len(judges) == len(_llm(items, rounds=1)) + 1
    assert (comparisons[-1].first, comparisons[-1].second, comparisons[-1].winner) == (4, 0, 4)


def test_a_verdict_names_two_essays_of_the_job_and_one_of_them_as_winner():
    items = _items(3)
    a, b, c = (item.essay_id for item in items)
    assert moderation.verdict_problem(items, a, b, b) is None
    assert "different" in (moderation.verdict_problem(items, a, a, a) or "")
    assert "not an essay" in (moderation.verdict_problem(items, a, uuid.uuid4(), a) or "")
    assert "winner" in (moderation.verdict_problem(items, a, b, c) or "")


def test_with_anchors_the_plan_asks_for_boundary_and_anchor_pairs():
    scale = get_grade_scale("swedish_f_a")
    items = _items(24, anchors={2: "E", 8: "D", 14: "C", 20: "B"})
    data = ModerationData.of(items, _llm(items), [])
    reasons = set()
    human: list[HumanVerdict] = []
    for _ in range(data.budget_total()):
        decision = moderation.next_pair(ModerationData.of(items, data.llm, human), "t", scale, seed=7)
        assert decision.pair is not None
        reasons.add(decision.pair.reason)
        pair = decision.pair
        winner = max(pair.first, pair.second, key=lambda item: item.index)
        human.append(_human("t", pair.first, pair.second, winner))
    assert {"boundary", "anchor_check"} <= reasons
    done = moderation.next_pair(ModerationData.of(items, data.llm, human), "t", scale, seed=7)
    assert done.pair is None
    assert done.given_by_you == done.budget_total == len(human)


def test_a_teachers_statistics_are_shown_from_twenty_decisions_on():
    items = _items(12)
    llm = _llm(items)
    pairs = list(itertools.combinations(items, 2))
    for n, shown in ((19, False), (20, True)):
        human = [_human("t", low, high, high) for low, high in pairs[:n]]
        report = moderation.report(ModerationData.of(items, llm, human), JOB, "mock", "mock-judge")
        teacher = next(j for j in report.judges if j.kind == "teacher")
        assert (teacher.decisions, teacher.enough_decisions) == (n, shown)
        assert (teacher.discrimination is not None, teacher.infit is not None) == (shown, shown)
        llm_judge = report.judges[0]
        assert (llm_judge.provider, llm_judge.model, llm_judge.decisions) == ("mock", "mock-judge", len(llm))
        assert report.results[0].essay_id == items[-1].essay_id  # the best essay ranks first
        assert report.teacher_judgements == n
