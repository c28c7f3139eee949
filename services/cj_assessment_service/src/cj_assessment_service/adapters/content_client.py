"""Content service's text store: store assignment and anchor texts (it extracts anchor files), fetch a job's texts.

Stores name the teacher whose text it is in ``X-User-ID`` (content service removes the text with their
account unless another teacher stored it too); fetches name no one: judging a job is processing, not access.
"""

from __future__ import annotations

import httpx

from common_core.http.content import (
    MAX_TEXTS_PER_BATCH_GET,
    TEXT_FILE_FIELD,
    BatchGetTextsRequest,
    BatchGetTextsResponse,
    StoredText,
    StoreTextFileForm,
    StoreTextRequest,
    TextKind,
)
from huleedu_service_libs.errors import ExternalServiceError, ServiceUnavailableError, ValidationFailedError
from huleedu_service_libs.http.identity import USER_ID_HEADER


class ContentClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def store_text(self, content: str, kind: TextKind, owner_id: str) -> StoredText:
        body = StoreTextRequest(content=content, kind=kind).model_dump(mode="json")
        response = await self._send("POST", "/internal/v1/texts", body, headers={USER_ID_HEADER: owner_id})
        if response.status_code == 400:
            raise ValidationFailedError(f"content service rejected the {kind.value} text", details=_body(response))
        _raise_for_status(response)
        return StoredText.model_validate_json(response.content)

    async def store_text_file(self, filename: str, data: bytes, kind: TextKind, owner_id: str) -> StoredText:
        """Have content service extract, vet and store an uploaded file (its one extraction for every upload).

        A file content service will not take is a 400 naming the file and the teacher-readable reason.
        """
        try:
            response = await self._client.post(
                "/internal/v1/texts/files",
                files={TEXT_FILE_FIELD: (filename, data)},
                data=StoreTextFileForm(kind=kind).model_dump(mode="json"),
                headers={USER_ID_HEADER: owner_id},
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailableError(
                f"content service unreachable ({type(exc).__name__}); {filename} was not read, try again shortly",
                details={"filename": filename},
            ) from exc
        if response.status_code == 400:
            details = _body(response).get("error", {})
            rejection = details.get("details") if isinstance(details, dict) else None
            reason = rejection.get("reason") if isinstance(rejection, dict) else None
            raise ValidationFailedError(
                f"{filename}: {reason or 'content service could not read the file'}",
                details={"filename": filename, "reason": reason},
            )
        _raise_for_status(response)
        return StoredText.model_validate_json(response.content)

    async def fetch_texts(self, text_ids: list[str]) -> BatchGetTextsResponse:
        """Every text id in one call (or one call per 500 ids, the store's limit)."""
        unique = list(dict.fromkeys(text_ids))
        texts: dict[str, StoredText] = {}
        missing: list[str] = []
        for start in range(0, len(unique), MAX_TEXTS_PER_BATCH_GET):
            chunk = unique[start : start + MAX_TEXTS_PER_BATCH_GET]
            body = BatchGetTextsRequest(text_ids=chunk).model_dump(mode="json")
            response = await self._send("POST", "/internal/v1/texts/batch-get", body)
            _raise_for_status(response)
            part = BatchGetTextsResponse.model_validate_json(response.content)
            texts.update(part.texts)
            missing.extend(part.missing)
        return BatchGetTextsResponse(texts=texts, missing=missing)

    async def _send(self, method: str, url: str, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
        try:
            return await self._client.request(method, url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ExternalServiceError(f"content service unreachable: {type(exc).__name__}") from exc


def _body(response: httpx.Response) -> dict[str, object]:
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _raise_for_status(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise ExternalServiceError(
            f"content service answered {response.status_code}", details={"status": response.status_code}
        )
