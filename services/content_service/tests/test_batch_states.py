"""The batch state machine: every legal move, and every other move refused."""

import itertools

import pytest

from common_core.status import BatchStatus as S
from content_service.domain.batch_states import IllegalTransitionError, can_move, check_move

LEGAL = {
    (S.DRAFT, S.ASSESSMENT_REQUESTED),
    (S.ASSESSMENT_REQUESTED, S.ASSESSING),
    (S.ASSESSMENT_REQUESTED, S.COMPLETED),
    (S.ASSESSMENT_REQUESTED, S.FAILED),
    (S.ASSESSING, S.COMPLETED),
    (S.ASSESSING, S.FAILED),
    (S.COMPLETED, S.ASSESSMENT_REQUESTED),
    (S.FAILED, S.ASSESSMENT_REQUESTED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_only_the_documented_moves_are_legal(current: S, target: S):
    assert can_move(current, target) is ((current, target) in LEGAL)
    if (current, target) not in LEGAL:
        with pytest.raises(IllegalTransitionError, match=f"{current.value} cannot become {target.value}"):
            check_move(current, target)
