import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from huleedu_service_libs.settings import DEV_INTERNAL_API_KEY, ServiceSettings


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTENT_SERVICE_", extra="ignore")
    service_name: str = "content_service"
    max_files: int = 20


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "HULEEDU_INTERNAL_API_KEY",
        "HULEEDU_DEV_MODE",
        "HULEEDU_KAFKA_BOOTSTRAP_SERVERS",
        "HULEEDU_REDIS_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CONTENT_SERVICE_DATABASE_URL", raising=False)
    return monkeypatch


def test_refuses_to_start_without_a_key_outside_dev_mode(env: pytest.MonkeyPatch):
    with pytest.raises(ValidationError, match="HULEEDU_INTERNAL_API_KEY is not set"):
        ExampleSettings()


def test_dev_mode_must_be_explicit_to_use_the_dev_key(env: pytest.MonkeyPatch):
    env.setenv("HULEEDU_DEV_MODE", "1")
    settings = ExampleSettings()
    assert settings.dev_mode is True
    assert settings.effective_internal_api_key() == DEV_INTERNAL_API_KEY


def test_shared_names_and_the_service_prefix(env: pytest.MonkeyPatch):
    env.setenv("HULEEDU_INTERNAL_API_KEY", "k-123")
    env.setenv("HULEEDU_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    env.setenv("CONTENT_SERVICE_DATABASE_URL", "postgresql+asyncpg://u@db/content_service")
    env.setenv("CONTENT_SERVICE_MAX_FILES", "5")
    settings = ExampleSettings()
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.database_url.endswith("/content_service")
    assert settings.max_files == 5
    assert settings.effective_internal_api_key() == "k-123"
    assert "k-123" not in repr(settings)


def test_fields_can_be_passed_by_name_as_well_as_by_env_name(monkeypatch):
    monkeypatch.delenv("HULEEDU_DEV_MODE", raising=False)
    monkeypatch.delenv("HULEEDU_INTERNAL_API_KEY", raising=False)
    settings = ServiceSettings(service_name="svc", dev_mode=True, redis_url="redis://elsewhere:1/0")
    assert settings.dev_mode is True
    assert settings.redis_url == "redis://elsewhere:1/0"
