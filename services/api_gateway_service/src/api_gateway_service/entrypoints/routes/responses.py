"""What every proxied route documents: its success answer with the contract's example, and the
error answers it can give, each with an example body.

The owning service's errors pass through unchanged and the gateway adds its own (401 without a
valid token, 502/503/504 when the owner cannot answer), all in the one error body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from common_core.http.errors import ErrorDetail, ErrorResponse
from common_core.http.examples import example_of
from huleedu_service_libs.http.error_body import code_for_status

_MEANING: dict[int, str] = {
    400: "The request is invalid; the message names the field.",
    401: "No valid access token.",
    403: "The caller may see this but not change it.",
    404: "Not found, or not the caller's (the same answer).",
    409: "The resource's state does not allow this now.",
    413: "The upload is over a limit; the message names it.",
    422: "The request is understood but cannot be carried out as sent.",
    502: "The owning service gave a broken answer.",
    503: "The owning service cannot be reached.",
    504: "The owning service did not answer in time.",
}
# Every proxied route can meet these: bad input, no token, and an owner that cannot answer.
_ALWAYS = (400, 401, 502, 503, 504)


# The answers only the gateway gives; every other error is the owning service's own.
_GATEWAYS_OWN = frozenset({401, 502, 503, 504})

Answers = dict[int | str, dict[str, Any]]


def _error_example(status: int, owner: str) -> dict[str, Any]:
    detail = ErrorDetail(
        code=code_for_status(status),
        message=_MEANING[status],
        correlation_id="7d9f3c2e-1b4a-4f6e-9c8d-2a1b3c4d5e6f",
        service="api_gateway_service" if status in _GATEWAYS_OWN else owner,
        details={},
    )
    return ErrorResponse(error=detail).model_dump(mode="json")


def answers_of(owner: str) -> Callable[..., Answers]:
    """``answers`` for the routes to one owning service, whose name the error examples carry."""

    def answers(model: type[BaseModel] | None, *error_statuses: int, status: int = 200) -> Answers:
        """The route's documented answers: ``status`` with ``model``'s example, plus its errors.

        ``model`` is None for an answer without a body (204).
        """
        documented: Answers = {}
        if model is not None:
            documented[status] = {"content": {"application/json": {"example": example_of(model.__name__)}}}
        for error in sorted({*error_statuses, *_ALWAYS}):
            documented[error] = {
                "model": ErrorResponse,
                "description": _MEANING[error],
                "content": {"application/json": {"example": _error_example(error, owner)}},
            }
        return documented

    return answers
