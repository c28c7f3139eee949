"""What the views need from the owners, as Protocols: the HTTP adapter in production, fakes in tests."""

from __future__ import annotations

from typing import Protocol

from common_core.http.cj_assessment import AssignmentList
from common_core.http.class_management import ClassList
from common_core.http.model_catalogue import ModelCatalogue
from common_core.http.result_aggregator import BatchListResponse, UserSummaryResponse

# The owners by the names a teacher reads in a gap ("Class management did not answer in time").
CLASS_MANAGEMENT = "Class management"
CJ_ASSESSMENT = "The assessment service"
LLM_PROVIDER = "The model catalogue"
RESULT_AGGREGATOR = "The result aggregator"


class OwnerError(Exception):
    """An owner gave no usable answer: unreachable, an error status, or a body outside its contract."""

    def __init__(self, owner: str, reason: str) -> None:
        super().__init__(f"{owner} {reason}")
        self.owner = owner
        self.reason = reason


class Owners(Protocol):
    """Each call is on behalf of one teacher, named by the gateway; raises :class:`OwnerError`."""

    async def classes(self, user_id: str) -> ClassList: ...

    async def assignments(self, user_id: str) -> AssignmentList: ...

    async def model_catalogue(self, user_id: str) -> ModelCatalogue: ...

    async def user_summary(self, user_id: str) -> UserSummaryResponse: ...

    async def recent_batches(self, user_id: str, limit: int) -> BatchListResponse: ...
