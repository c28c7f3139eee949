"""CMS's class lookup and CJ's assignment lookup and estimate, as content service calls them, on one local
HTTP server.

Each answers like the real route: 200 when the ``X-User-ID`` teacher may use the id, 404 otherwise
(the real routes are tested in their own services). The estimate answers ``estimate`` for a usable
assignment (or none), and records what it was asked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from quart import Quart, request
from quart.typing import ResponseReturnValue

from common_core.http.estimates import AssessmentEstimateRequest

NOT_FOUND = {"error": {"code": "NOT_FOUND", "message": "not found", "service": "fake_peer", "details": {}}}


@dataclass
class FakePeers:
    classes: set[tuple[str, uuid.UUID]] = field(default_factory=set)
    assignments: set[tuple[str, uuid.UUID]] = field(default_factory=set)
    # (path, X-User-ID, X-Service-ID) of every lookup received
    calls: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    estimates_asked: list[AssessmentEstimateRequest] = field(default_factory=list)
    # (teacher, batch id) -> CMS's confirmed students of the batch, as GET .../student-names lists them
    student_names: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    url: str = ""  # set once served

    def allow_class(self, owner: str, class_id: uuid.UUID | None = None) -> str:
        class_id = class_id or uuid.uuid4()
        self.classes.add((owner, class_id))
        return str(class_id)

    def allow_assignment(self, user: str, assignment_id: uuid.UUID | None = None) -> str:
        assignment_id = assignment_id or uuid.uuid4()
        self.assignments.add((user, assignment_id))
        return str(assignment_id)

    def app(self) -> Quart:
        app = Quart("fake_cms_and_cj")

        def answer(known: set[tuple[str, uuid.UUID]], item_id: uuid.UUID) -> ResponseReturnValue:
            user = request.headers.get("X-User-ID")
            self.calls.append((request.path, user, request.headers.get("X-Service-ID")))
            if user is None or (user, item_id) not in known:
                return NOT_FOUND, 404
            return {"id": str(item_id)}, 200

        @app.get("/internal/v1/classes/<uuid:class_id>")
        async def get_class(class_id: uuid.UUID) -> ResponseReturnValue:
            return answer(self.classes, class_id)

        @app.get("/internal/v1/assignments/<uuid:assignment_id>")
        async def get_assignment(assignment_id: uuid.UUID) -> ResponseReturnValue:
            return answer(self.assignments, assignment_id)

        @app.get("/internal/v1/batches/<uuid:batch_id>/student-names")
        async def student_names(batch_id: uuid.UUID) -> ResponseReturnValue:
            user = request.headers.get("X-User-ID")
            self.calls.append((request.path, user, request.headers.get("X-Service-ID")))
            students = self.student_names.get((user or "", str(batch_id)))
            if students is None:
                return NOT_FOUND, 404
            return {"batch_id": str(batch_id), "students": students}, 200

        @app.post("/internal/v1/estimates")
        async def estimate() -> ResponseReturnValue:
            self.calls.append((request.path, request.headers.get("X-User-ID"), request.headers.get("X-Service-ID")))
            asked = AssessmentEstimateRequest.model_validate(await request.get_json())
            self.estimates_asked.append(asked)
            user = request.headers.get("X-User-ID")
            if asked.assignment_id is not None and (user, asked.assignment_id) not in self.assignments:
                return NOT_FOUND, 404
            return estimate_for(asked), 200

        return app


def estimate_for(asked: AssessmentEstimateRequest) -> dict[str, Any]:
    """A well-formed estimate that echoes the question (the real figures are CJ's tests' business)."""
    span = {"minimum": 3 * asked.essay_count, "typical": 4 * asked.essay_count, "maximum": 5 * asked.essay_count}
    return {
        "essay_count": asked.essay_count,
        "anchor_count": 0,
        "total_words": asked.total_words,
        "provider": asked.llm.provider.value,
        "model": asked.llm.model,
        "batching_mode": asked.llm.batching_mode.value,
        "provider_configured": True,
        "comparisons": span,
        "waves": {"minimum": 3, "typical": 4, "maximum": 5},
        "llm_calls": span,
        "input_tokens": span,
        "output_tokens": span,
        "cost_usd": {"minimum": 0.0, "typical": 0.0, "maximum": 0.0},
        "duration_seconds": {"minimum": 1.0, "typical": 2.0, "maximum": 3.0},
    }
