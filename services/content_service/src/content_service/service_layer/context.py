"""What every use case needs: the settings, a way to open a unit of work (repository + outbox), the
peers that say which classes and assignments a teacher may name, CJ's estimates and the access log."""

from __future__ import annotations

from dataclasses import dataclass

from content_service.config import Settings
from content_service.service_layer.ports import (
    AccessRecorder,
    AssessmentEstimator,
    AssignmentLookup,
    ClassLookup,
    UnitOfWorkFactory,
)


@dataclass(frozen=True)
class ContentContext:
    settings: Settings
    # PostgreSQL in the app (adapters.unit_of_work); an in-memory fake in the unit tests.
    unit_of_work: UnitOfWorkFactory
    # HTTP to CMS and CJ in the app (adapters.peer_lookups); fakes in the unit tests.
    classes: ClassLookup
    assignments: AssignmentLookup
    # CJ's POST /internal/v1/estimates in the app (adapters.cj_estimates); a fake in the unit tests.
    estimates: AssessmentEstimator
    # The access_log table in the app (huleedu_service_libs.access_log); a list in the unit tests.
    access_log: AccessRecorder
