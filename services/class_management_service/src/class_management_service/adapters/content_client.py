"""Reads the top of an uploaded essay from content service, for name matching.

Best effort by design: matching still works from the author hint and the file name, so a
content service that is down costs the suggestion some evidence rather than blocking the
consumer (a retry loop here would hold up every later event on the partition).
"""

from __future__ import annotations

import httpx
import structlog

from common_core.http.content import StoredText

logger = structlog.stdlib.get_logger(__name__)


class ContentServiceTexts:
    """service_layer.ports.EssayTextSource over content service's internal text route."""

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
