"""What every use case needs: the settings and a way to open a unit of work (repository + outbox)."""

from __future__ import annotations

from dataclasses import dataclass

from content_service.config import Settings
from content_service.service_layer.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class ContentContext:
    settings: Settings
    # PostgreSQL in the app (adapters.unit_of_work); an in-memory fake in the unit tests.
    unit_of_work: UnitOfWorkFactory
