"""Owners that answer from the contract examples, fail on request, or hang past any timeout."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bff_teacher_service.service_layer.ports import OwnerError
from common_core.http.cj_assessment import AssignmentList
from common_core.http.class_management import ClassList
from common_core.http.examples import example_of
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import BatchListResponse, UserSummaryResponse

FAIL = "fail"
HANG = "hang"


@dataclass
class FakeOwners:
    """``behaviour`` maps a call's name to FAIL or HANG; every call is recorded with its user."""

    behaviour: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    started: dict[str, float] = field(default_factory=dict)

    async def _answer(self, name: str, user_id: str, example: str) -> Any:
        self.calls.append((name, user_id))
        self.started[name] = asyncio.get_running_loop().time()
        if self.behaviour.get(name) == HANG:
            await asyncio.sleep(3600)
        if self.behaviour.get(name) == FAIL:
            raise OwnerError("The owner", "could not be reached")
        return example_of(example)

    async def classes(self, user_id: str) -> ClassList:
        return ClassList.model_validate(await self._answer("classes", user_id, "ClassList"))

    async def assignments(self, user_id: str) -> AssignmentList:
        return AssignmentList.model_validate(await self._answer("assignments", user_id, "AssignmentList"))

    async def model_catalogue(self, user_id: str) -> ModelCatalogue:
        return ModelCatalogue.model_validate(await self._answer("model_catalogue", user_id, "ModelCatalogue"))

    async def user_summary(self, user_id: str) -> UserSummaryResponse:
        return UserSummaryResponse.model_validate(await self._answer("user_summary", user_id, "UserSummaryResponse"))

    async def recent_batches(self, user_id: str, limit: int) -> BatchListResponse:
        return BatchListResponse.model_validate(await self._answer("recent_batches", user_id, "BatchListResponse"))
