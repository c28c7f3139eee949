"""The teacher accounts in class management service (CMS): the sign-in check, profiles, passwords.

CMS's refusals (a wrong password, its lock after repeated failures: 429 with ``Retry-After``)
are the client's answer as they are, so each call returns CMS's response and the route relays
anything but success. Only the gateway's own failure to get an answer is turned into its
error: 503 when CMS cannot be reached, 504 when it does not answer in time.
"""

from __future__ import annotations

from typing import Any

import httpx
import structlog

from common_core.http.class_management import AccountDeletionRequest, ChangePasswordRequest, VerifyCredentialsRequest
from huleedu_service_libs.errors import DependencyTimeoutError, ExternalServiceError, ServiceUnavailableError
from huleedu_service_libs.http.identity import USER_ID_HEADER
from huleedu_service_libs.http.internal_auth import internal_headers

logger = structlog.stdlib.get_logger(__name__)

GATEWAY_SERVICE_ID = "api_gateway_service"
_SERVICE = "class_management_service"
_UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Accounts:
    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key

    async def verify(self, email: str, password: str) -> httpx.Response:
        body = VerifyCredentialsRequest(email=email, password=password).model_dump(mode="json")
        return await self._send("POST", "/internal/v1/auth/verify", json=body)

    async def profile(self, user_id: str) -> httpx.Response:
        return await self._send("GET", f"/internal/v1/users/{user_id}", user_id=user_id)

    async def change_password(self, user_id: str, change: ChangePasswordRequest) -> httpx.Response:
        return await self._send("POST", "/v1/auth/password", user_id=user_id, json=change.model_dump(mode="json"))

    async def delete_account(self, user_id: str, request: AccountDeletionRequest) -> httpx.Response:
        return await self._send("DELETE", "/v1/account", user_id=user_id, json=request.model_dump(mode="json"))

    async def _send(self, method: str, path: str, *, user_id: str | None = None, json: Any = None) -> httpx.Response:
        headers = internal_headers(GATEWAY_SERVICE_ID, self._api_key)
        if user_id is not None:
            headers[USER_ID_HEADER] = user_id
        try:
            return await self._http.request(method, self._base_url + path, headers=headers, json=json)
        except _UNREACHABLE as exc:
            logger.warning("downstream_unreachable", service=_SERVICE, error_type=type(exc).__name__)
            raise ServiceUnavailableError(
                "Sign-in is unavailable; try again shortly", details={"service": _SERVICE}
            ) from None
        except httpx.TimeoutException as exc:
            logger.warning("downstream_timeout", service=_SERVICE, error_type=type(exc).__name__)
            raise DependencyTimeoutError(
                "Sign-in did not answer in time; try again shortly", details={"service": _SERVICE}
            ) from None
        except httpx.TransportError as exc:
            logger.warning("downstream_broken_answer", service=_SERVICE, error_type=type(exc).__name__)
            raise ExternalServiceError(
                "Sign-in gave a broken answer; try again shortly", details={"service": _SERVICE}
            ) from None
