"""The one job state machine: legal transitions only, terminal states are final."""

import itertools

import pytest

from cj_assessment_service.domain.job_state import ACTIVE, TERMINAL, IllegalTransitionError, can_transition, transition
from common_core.status import CJJobState

HAPPY_PATH = [
    CJJobState.CREATED,
    CJJobState.PREPARING,
    CJJobState.COMPARING,
    CJJobState.FINALISING,
    CJJobState.COMPLETED,
]


def test_the_happy_path_is_legal():
    for current, target in itertools.pairwise(HAPPY_PATH):
        assert transition(current, target) is target


@pytest.mark.parametrize("state", sorted(ACTIVE))
def test_every_active_state_can_fail(state: CJJobState):
    assert can_transition(state, CJJobState.FAILED)


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
@pytest.mark.parametrize("target", list(CJJobState))
def test_terminal_states_are_final(terminal: CJJobState, target: CJJobState):
    with pytest.raises(IllegalTransitionError):
        transition(terminal, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (CJJobState.CREATED, CJJobState.COMPARING),  # no skipping preparation
        (CJJobState.COMPARING, CJJobState.COMPLETED),  # completion only through the finaliser's state
        (CJJobState.FINALISING, CJJobState.COMPARING),  # no going back to planning
        (CJJobState.COMPARING, CJJobState.COMPARING),
    ],
)
def test_illegal_transitions_are_refused(current: CJJobState, target: CJJobState):
    with pytest.raises(IllegalTransitionError):
        transition(current, target)
