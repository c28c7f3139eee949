"""Database errors never carry the statement's parameters: they hold emails, names and essay text.

A failed INSERT is logged with its exception (``exc_info``); SQLAlchemy's message appends
``[parameters: ...]`` unless the engine hides them, and PostgreSQL's DETAIL quotes the duplicate
key. Neither may reach a log line.
"""

from __future__ import annotations

import traceback

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from huleedu_service_libs.db import create_engine

pytestmark = pytest.mark.integration

SECRET_EMAIL = "pupil.secret@example.org"
SECRET_ESSAY = "My grandmother's diary, which nobody may read"


async def test_integrity_errors_name_no_parameter(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE people (email text PRIMARY KEY, essay text NOT NULL)"))
            insert = text("INSERT INTO people (email, essay) VALUES (:email, :essay)")
            await conn.execute(insert, {"email": SECRET_EMAIL, "essay": SECRET_ESSAY})
        with pytest.raises(DBAPIError) as caught:
            async with engine.begin() as conn:
                await conn.execute(insert, {"email": SECRET_EMAIL, "essay": SECRET_ESSAY})
        rendered = "".join(traceback.format_exception(caught.value))
        assert "duplicate key" in rendered  # the error itself still says what went wrong
        assert SECRET_EMAIL not in rendered
        assert SECRET_ESSAY not in rendered
    finally:
        await engine.dispose()


async def test_data_errors_name_no_parameter(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    try:
        with pytest.raises(DBAPIError) as caught:
            async with engine.begin() as conn:
                await conn.execute(text("SELECT CAST(:essay AS integer)"), {"essay": SECRET_ESSAY})
        rendered = "".join(traceback.format_exception(caught.value))
        assert SECRET_ESSAY not in rendered
    finally:
        await engine.dispose()
