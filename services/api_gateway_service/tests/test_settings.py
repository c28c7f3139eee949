"""No signing key outside dev mode: the gateway refuses to start rather than sign with a default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api_gateway_service.config import DEV_JWT_SECRET, Settings

KEY = {"HULEEDU_INTERNAL_API_KEY": "a-key"}


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HULEEDU_DEV_MODE", "API_GATEWAY_SERVICE_JWT_SECRET", "API_GATEWAY_SERVICE_JWT_ALGORITHM"):
        monkeypatch.delenv(name, raising=False)


def test_hs256_without_a_secret_refuses_to_load_outside_dev_mode():
    with pytest.raises(ValidationError, match="API_GATEWAY_SERVICE_JWT_SECRET is not set"):
        Settings.model_validate(KEY)


def test_dev_mode_signs_with_the_fixed_dev_secret():
    settings = Settings.model_validate({"HULEEDU_DEV_MODE": "1"})
    assert settings.effective_jwt_secret() == DEV_JWT_SECRET


def test_a_configured_secret_wins_even_in_dev_mode():
    settings = Settings.model_validate({"HULEEDU_DEV_MODE": "1", "jwt_secret": "s" * 40})
    assert settings.effective_jwt_secret() == "s" * 40


def test_a_short_secret_is_refused():
    with pytest.raises(ValidationError, match="at least 32"):
        Settings.model_validate({**KEY, "jwt_secret": "short"})


def test_rs256_needs_a_private_key_even_in_dev_mode():
    with pytest.raises(ValidationError, match="JWT_PRIVATE_KEY"):
        Settings.model_validate({"HULEEDU_DEV_MODE": "1", "jwt_algorithm": "RS256"})


def test_no_cors_origin_by_default():
    assert Settings.model_validate({**KEY, "jwt_secret": "s" * 40}).cors_origins == []
