"""Async SQLAlchemy 2.0 engine, session factory and unit of work (asyncpg driver)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# PostgreSQL's DETAIL quotes the offending values ("Key (email)=(...) already exists").
_DETAIL_LINE = re.compile(r"\nDETAIL:[^\n]*")
_REDACTED = "(values redacted)"


def to_async_url(url: str) -> str:
    """Accept ``postgresql://`` DSNs too, and use asyncpg for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def create_engine(url: str, *, pool_size: int = 5, statement_timeout_ms: int = 30_000) -> AsyncEngine:
    """An engine with bounded pools and timeouts on connect and on every statement."""
    if not url:
        raise ValueError("no database URL configured (set <SERVICE>_DATABASE_URL, or run `pdm run dev-up`)")
    engine = create_async_engine(
        to_async_url(url),
        # Statement parameters hold emails, names and essay text: never in an exception
        # message, and so never in a log line (the SQL itself is still shown).
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"timeout": 10, "server_settings": {"statement_timeout": str(statement_timeout_ms)}},
    )
    event.listen(engine.sync_engine, "handle_error", _redact_values)
    return engine


def _redact_values(context: ExceptionContext) -> None:
    """Drop PostgreSQL's DETAIL from every exception in the chain before anything renders it.

    ``hide_parameters`` keeps the bound values out of SQLAlchemy's message; the DETAIL line is
    the driver's and has no such switch. The constraint name and the SQL stay, which is what a
    person debugging needs.
    """
    seen: set[int] = set()
    error: BaseException | None = context.original_exception
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "detail", None):
            error.detail = _REDACTED  # type: ignore[attr-defined]  # asyncpg's PostgresError renders it in str()
        error.args = tuple(
            _DETAIL_LINE.sub(f"\nDETAIL:  {_REDACTED}", arg) if isinstance(arg, str) else arg for arg in error.args
        )
        error = error.__cause__ or error.__context__


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commits when the block ends normally, rolls back on any exception."""
    async with factory() as session, session.begin():
        yield session


U = TypeVar("U")


class UnitOfWorkFactory(Generic[U]):
    """``async with factory() as uow:`` gives ``build(session)`` in one transaction: committed when the
    block ends normally, rolled back on any exception. ``on(session)`` builds one on a transaction
    someone else ends (a Kafka runner's per-record one, which also holds the event's idempotency claim).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], build: Callable[[AsyncSession], U]) -> None:
        self._sessions = sessions
        self._build = build

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[U]:
        async with unit_of_work(self._sessions) as session:
            yield self._build(session)

    def on(self, session: AsyncSession) -> U:
        return self._build(session)
