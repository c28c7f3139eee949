"""Reads the top of an uploaded essay from content service, for name matching.

Best effort by design: matching still works from the author hint and the file name, so a
content service that is down costs the suggestion some evidence rather than blocking the
consumer (a retry loop here would hold up every later event on the partition).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

import httpx
import structlog

from common_core.http.content import StoredText

logger = structlog.stdlib.get_logger(__name__)


class EssayTextSource(Protocol):
    async def essay_text(self, text_ref: str) -> str | None: ...


class ContentServiceTexts:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def essay_text(self, text_ref: str) -> str | None:
        try:
            response = await self._client.get(f"/internal/v1/texts/{text_ref}")
            response.raise_for_status()
            return StoredText.model_validate_json(response.content).content
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("essay_text_unavailable", text_ref=text_ref, error=type(exc).__name__)
            return None


class NoEssayTexts:
    """Used when reading essay openings is switched off."""

    async def essay_text(self, text_ref: str) -> str | None:
        return None


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
