"""Parsing of the list query's status filter, and the settings' validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from common_core.status import BatchStatus
from huleedu_service_libs.errors import ValidationFailedError
from result_aggregator_service.config import Settings
from result_aggregator_service.entrypoints.http_routes import parse_statuses


def test_statuses_repeat_or_separate_with_commas():
    assert parse_statuses([]) == []
    assert parse_statuses(["completed"]) == [BatchStatus.COMPLETED]
    assert parse_statuses(["completed,failed", "draft", " failed "]) == [
        BatchStatus.COMPLETED,
        BatchStatus.FAILED,
        BatchStatus.DRAFT,
    ]
    assert parse_statuses([""]) == []


def test_an_unknown_status_names_the_allowed_ones():
    with pytest.raises(ValidationFailedError, match="assessment_requested"):
        parse_statuses(["pending"])


def test_settings_defaults_and_term_months():
    settings = Settings(HULEEDU_DEV_MODE=True)
    assert settings.http_port == 8006
    assert settings.consume_events is True
    assert settings.term_start_months == [1, 8]
    assert Settings(HULEEDU_DEV_MODE=True, term_start_months=[8, 1, 8]).term_start_months == [1, 8]
    with pytest.raises(ValidationError):
        Settings(HULEEDU_DEV_MODE=True, term_start_months=[0])
