"""Suggesting each essay's author from the class roster: the evidence gathered, the domain rule applied.

The essay openings come from content service (``EssayTextSource``), best effort and within a time
budget: matching still works from the author hint and the file name without them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import structlog

from class_management_service.config import Settings
from class_management_service.domain.model import Essay, MatchOutcome
from class_management_service.domain.name_matching import (
    RosterStudent,
    essay_evidence,
    opening_lines,
    suggest_student,
)
from class_management_service.metrics import STUDENT_SUGGESTIONS
from class_management_service.service_layer.ports import EssayTextSource, UnitOfWork

logger = structlog.stdlib.get_logger(__name__)


class StudentMatcher:
    def __init__(self, settings: Settings, texts: EssayTextSource) -> None:
        self._settings = settings
        self._texts = texts

    async def suggest(self, uow: UnitOfWork, class_id: uuid.UUID, essays: Sequence[Essay]) -> None:
        """Write a suggestion (or its absence) for each essay not confirmed meanwhile."""
        if not essays:
            return
        roster = await uow.classes.roster(class_id)
        if not roster:
            STUDENT_SUGGESTIONS.labels("no_roster").inc(len(essays))
            return
        texts: dict[str, str] = {}
        if self._settings.read_essay_openings:
            texts = await fetch_texts(self._texts, (e.text_ref for e in essays if e.opening_text is None))
        for essay in essays:
            await uow.associations.save_match(essay.essay_id, self._match(essay, roster, texts))

    def _match(self, essay: Essay, roster: Sequence[RosterStudent], texts: Mapping[str, str]) -> MatchOutcome:
        opening = essay.opening_text
        if opening is None and essay.text_ref in texts:
            opening = opening_lines(texts[essay.text_ref], self._settings.essay_opening_lines)
        suggestion = suggest_student(
            roster,
            essay_evidence(essay.author_hint, essay.filename, opening),
            min_confidence=self._settings.match_min_confidence,
        )
        now = datetime.now(UTC)
        if suggestion is None:
            STUDENT_SUGGESTIONS.labels("no_match").inc()
            return MatchOutcome(opening, None, None, None, now)
        STUDENT_SUGGESTIONS.labels("suggested").inc()
        evidence = {
            "source": suggestion.source.value,
            "score": suggestion.score,
            "runner_up_score": suggestion.runner_up.score if suggestion.runner_up else None,
        }
        return MatchOutcome(opening, suggestion.student_id, suggestion.confidence, evidence, now)


async def fetch_texts(
    source: EssayTextSource, text_refs: Iterable[str], *, concurrency: int = 8, budget_s: float = 20.0
) -> dict[str, str]:
    """The texts that arrive within ``budget_s``, fetched ``concurrency`` at a time.

    Bounded on purpose: a batch registered after its essays triggers one fetch per essay inside
    one consumer transaction, and a slow content service must not push that past the handler's
    timeout (which would retry the record forever). Whatever is missing is matched without it.
    """
    gate = asyncio.Semaphore(concurrency)

    async def one(text_ref: str) -> tuple[str, str | None]:
        async with gate:
            return text_ref, await source.essay_text(text_ref)

    tasks = [asyncio.create_task(one(ref)) for ref in dict.fromkeys(text_refs)]
    if not tasks:
        return {}
    done, pending = await asyncio.wait(tasks, timeout=budget_s)
    for task in pending:
        task.cancel()
    if pending:
        logger.warning("essay_texts_budget_spent", fetched=len(done), abandoned=len(pending))
    return {ref: text for ref, text in (task.result() for task in done) if text is not None}
