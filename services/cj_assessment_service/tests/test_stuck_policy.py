"""The stuck-job monitor's decision: re-submit, forced-recovery completion, or failure."""

from cj_assessment_service.domain.stuck import StuckAction, StuckJob, StuckPolicy, decide_stuck

POLICY = StuckPolicy(max_resubmits=2, max_missing_fraction=0.1)


def job(**overrides: object) -> StuckJob:
    values: dict[str, object] = {
        "unacknowledged": 0,
        "missing": 2,
        "answered": 40,
        "resubmits_so_far": 0,
        "latest_reliability": 0.85,
        "target_reliability": 0.8,
    }
    values.update(overrides)
    return StuckJob(**values)  # type: ignore[arg-type]


def test_unacknowledged_pairs_are_resubmitted_first():
    assert decide_stuck(job(unacknowledged=3, missing=3), POLICY) is StuckAction.RESUBMIT


def test_resubmits_are_bounded():
    assert decide_stuck(job(unacknowledged=3, missing=3, resubmits_so_far=2), POLICY) is StuckAction.FORCE_COMPLETE


def test_few_missing_answers_past_the_target_force_completion():
    assert decide_stuck(job(), POLICY) is StuckAction.FORCE_COMPLETE


def test_too_many_missing_answers_fail():
    assert decide_stuck(job(missing=10, answered=40), POLICY) is StuckAction.FAIL


def test_target_not_met_fails():
    assert decide_stuck(job(latest_reliability=0.6), POLICY) is StuckAction.FAIL
    assert decide_stuck(job(latest_reliability=None), POLICY) is StuckAction.FAIL


def test_nothing_answered_fails():
    assert decide_stuck(job(missing=5, answered=0), POLICY) is StuckAction.FAIL
