"""What the routes need, built once per app by the composition root (di.py) and passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from class_management_service.config import Settings
from class_management_service.service_layer.matching import StudentMatcher
from class_management_service.service_layer.ports import (
    PasswordHasher,
    SharedAssignmentSource,
    SignInLock,
    UnitOfWorkFactory,
)


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    # PostgreSQL in the app (adapters.unit_of_work); an in-memory fake in the unit tests.
    unit_of_work: UnitOfWorkFactory
    # Argon2id (adapters.passwords) and the Redis sign-in lock (adapters.login_guard).
    passwords: PasswordHasher
    login_guard: SignInLock
    matcher: StudentMatcher
    # CJ's assignments the teacher shares, asked before an account is deleted (adapters.cj_client).
    shared_assignments: SharedAssignmentSource
