"""Async SQLAlchemy 2.0 engine, session factory and unit of work (asyncpg driver)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


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
    return create_async_engine(
        to_async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"timeout": 10, "server_settings": {"statement_timeout": str(statement_timeout_ms)}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commits when the block ends normally, rolls back on any exception."""
    async with factory() as session, session.begin():
        yield session
