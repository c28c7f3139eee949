"""The one persisted state machine of a CJ job (PITFALLS: two state machines for one batch).

created -> preparing -> comparing -> finalising -> completed; any state before completed may go to
failed (cancellation is a failure with code CANCELLED). Completed and failed are terminal.
"""

from __future__ import annotations

from common_core.status import CJJobState

_LEGAL: dict[CJJobState, frozenset[CJJobState]] = {
    CJJobState.CREATED: frozenset({CJJobState.PREPARING, CJJobState.FAILED}),
    CJJobState.PREPARING: frozenset({CJJobState.COMPARING, CJJobState.FAILED}),
    CJJobState.COMPARING: frozenset({CJJobState.FINALISING, CJJobState.FAILED}),
    CJJobState.FINALISING: frozenset({CJJobState.COMPLETED, CJJobState.FAILED}),
    CJJobState.COMPLETED: frozenset(),
    CJJobState.FAILED: frozenset(),
}

TERMINAL: frozenset[CJJobState] = frozenset({CJJobState.COMPLETED, CJJobState.FAILED})
ACTIVE: frozenset[CJJobState] = frozenset(set(CJJobState) - TERMINAL)


class IllegalTransitionError(RuntimeError):
    """A state change the machine does not allow: a bug, never a caller's mistake."""


def can_transition(current: CJJobState, target: CJJobState) -> bool:
    return target in _LEGAL[current]


def transition(current: CJJobState, target: CJJobState) -> CJJobState:
    """``target`` if the machine allows ``current -> target``, else :class:`IllegalTransitionError`."""
    if not can_transition(current, target):
        raise IllegalTransitionError(f"a job cannot go from {current} to {target}")
    return target
