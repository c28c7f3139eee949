import pytest

from huleedu_service_libs.db import create_engine, to_async_url


def test_plain_postgres_urls_use_asyncpg():
    assert to_async_url("postgresql://u@h:1/db") == "postgresql+asyncpg://u@h:1/db"
    assert to_async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert to_async_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_missing_url_says_how_to_fix_it():
    with pytest.raises(ValueError, match="DATABASE_URL"):
        create_engine("")
