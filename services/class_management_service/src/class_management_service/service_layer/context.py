"""What the handlers need, built once per app (or per CLI run) and passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from class_management_service.adapters.content_client import EssayTextSource
from class_management_service.adapters.login_guard import LoginGuard
from class_management_service.adapters.passwords import Passwords
from class_management_service.config import Settings
from common_core.events.registry import EventRegistry


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    # Topics for both consuming and the outbox; tests swap in fresh topics here.
    registry: EventRegistry
    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    login_guard: LoginGuard
    essay_texts: EssayTextSource
