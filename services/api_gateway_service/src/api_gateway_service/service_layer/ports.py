"""What the routes and the edge middleware need from the adapters (built by the composition root, ``di.py``)."""

from __future__ import annotations

from typing import Protocol

import httpx

from api_gateway_service.domain.rate_limits import Limit
from common_core.http.class_management import AccountDeletionRequest, ChangePasswordRequest


class RequestLimiter(Protocol):
    async def hit(self, limit: Limit, caller: str) -> None:
        """Count one request of ``caller``; ``RateLimitedError`` with the wait once over the limit."""


class Accounts(Protocol):
    """The teacher accounts in class management service; each answer is relayed as CMS gave it."""

    async def verify(self, email: str, password: str) -> httpx.Response: ...

    async def profile(self, user_id: str) -> httpx.Response: ...

    async def change_password(self, user_id: str, change: ChangePasswordRequest) -> httpx.Response: ...

    async def delete_account(self, user_id: str, request: AccountDeletionRequest) -> httpx.Response: ...
