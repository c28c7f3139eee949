"""``create-teacher`` validates the email as the sign-in request does (issue 14, defect 9)."""

import io

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select

from class_management_service.adapters.tables import teachers
from class_management_service.config import Settings
from class_management_service.di import teacher_store
from class_management_service.entrypoints.create_teacher import run_create_teacher
from common_core.http.class_management import VerifyCredentialsRequest
from huleedu_service_libs.db import create_engine, session_factory

NOT_EMAILS = ["not-an-email", "karin@skola", "karin lärare@skola.se", "@skola.se", " ", f"{'k' * 320}@skola.se"]


async def _teacher_count(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return int((await session.execute(select(func.count()).select_from(teachers))).scalar_one())
    finally:
        await engine.dispose()


@pytest.mark.parametrize("email", NOT_EMAILS)
async def test_an_address_sign_in_would_refuse_is_refused_with_exit_1_and_nothing_stored(
    settings: Settings, capsys: pytest.CaptureFixture[str], email: str
):
    # The same address in a sign-in request is refused too: one rule for both.
    with pytest.raises(ValidationError):
        TypeAdapter(VerifyCredentialsRequest).validate_python({"email": email, "password": "x"})

    code = run_create_teacher(
        ["--email", email, "--name", "Karin"],
        settings,
        stdin=io.StringIO("lång-och-säker-lösen\n"),
        open_store=teacher_store,
    )

    assert code == 1
    assert "--email" in capsys.readouterr().err
    assert await _teacher_count(settings) == 0
