"""The batch state machine: the one place that says which status may follow which.

```
draft ──start──▶ assessment_requested ──CJ progress──▶ assessing
                      │                                    │
                      └──────────CJ completed / failed─────┴──▶ completed | failed
completed | failed ──start again──▶ assessment_requested
```

A finished batch may be assessed again (another model, another budget); CJ keys its jobs by
``(batch_id, request_id)``, so the earlier run and its results stay intact.
"""

from __future__ import annotations

from common_core.status import BatchStatus

_NEXT: dict[BatchStatus, frozenset[BatchStatus]] = {
    BatchStatus.DRAFT: frozenset({BatchStatus.ASSESSMENT_REQUESTED}),
    BatchStatus.ASSESSMENT_REQUESTED: frozenset({BatchStatus.ASSESSING, BatchStatus.COMPLETED, BatchStatus.FAILED}),
    BatchStatus.ASSESSING: frozenset({BatchStatus.COMPLETED, BatchStatus.FAILED}),
    BatchStatus.COMPLETED: frozenset({BatchStatus.ASSESSMENT_REQUESTED}),
    BatchStatus.FAILED: frozenset({BatchStatus.ASSESSMENT_REQUESTED}),
}

FINAL_STATES = frozenset({BatchStatus.COMPLETED, BatchStatus.FAILED})
ACTIVE_STATES = frozenset({BatchStatus.ASSESSMENT_REQUESTED, BatchStatus.ASSESSING})
UPLOADABLE_STATES = frozenset({BatchStatus.DRAFT})


class IllegalTransitionError(ValueError):
    def __init__(self, current: BatchStatus, target: BatchStatus) -> None:
        super().__init__(f"a batch that is {current.value} cannot become {target.value}")
        self.current = current
        self.target = target


def can_move(current: BatchStatus, target: BatchStatus) -> bool:
    return target in _NEXT[current]


def check_move(current: BatchStatus, target: BatchStatus) -> None:
    """Raise :class:`IllegalTransitionError` unless ``current -> target`` is a legal move."""
    if not can_move(current, target):
        raise IllegalTransitionError(current, target)
