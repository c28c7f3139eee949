"""configure_logging: the fields of a JSON line, stdlib routing, console mode, idempotence."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import structlog

from huleedu_service_libs.correlation import correlation_scope
from huleedu_service_libs.logging import configure_logging

Configure = Callable[..., io.StringIO]


def _our_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if h.get_name() == "huleedu"]


@pytest.fixture
def configure() -> Iterator[Configure]:
    """Configure logging and send its lines to a buffer; undo everything afterwards."""
    root = logging.getLogger()
    level = root.level

    def run(service: str = "logging_test", **kwargs: Any) -> io.StringIO:
        configure_logging(service, **kwargs)
        buffer = io.StringIO()
        for handler in _our_handlers():
            assert isinstance(handler, logging.StreamHandler)
            handler.setStream(buffer)
        return buffer

    yield run
    for handler in _our_handlers():
        logging.getLogger().removeHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_line_has_the_standard_fields(configure: Configure):
    buffer = configure("cj_assessment_service", log_format="json", level="INFO")
    cid = uuid.uuid4()
    structlog.contextvars.bind_contextvars(batch_id="b-42")
    with correlation_scope(cid):
        structlog.stdlib.get_logger("cj.handlers").info("wave_planned", pairs=12)
    [line] = lines(buffer)
    assert line["event"] == "wave_planned"
    assert line["level"] == "info"
    assert line["logger"] == "cj.handlers"
    assert line["service"] == "cj_assessment_service"
    assert line["correlation_id"] == str(cid)
    assert line["batch_id"] == "b-42"
    assert line["pairs"] == 12
    timestamp = datetime.fromisoformat(line["timestamp"])
    assert timestamp.utcoffset() == timedelta(0)


def test_no_correlation_id_outside_a_scope(configure: Configure):
    buffer = configure(log_format="json")
    structlog.stdlib.get_logger("x").info("startup")
    assert "correlation_id" not in lines(buffer)[0]


def test_stdlib_logging_goes_through_the_same_format(configure: Configure):
    buffer = configure("content_service", log_format="json", level="INFO")
    cid = uuid.uuid4()
    with correlation_scope(cid):
        logging.getLogger("aiokafka.consumer").warning("rebalanced %d partitions", 3)
    [line] = lines(buffer)
    assert line["event"] == "rebalanced 3 partitions"
    assert line["level"] == "warning"
    assert line["logger"] == "aiokafka.consumer"
    assert line["service"] == "content_service"
    assert line["correlation_id"] == str(cid)


def test_exceptions_are_rendered_into_the_json_line(configure: Configure):
    buffer = configure(log_format="json")
    try:
        raise ValueError("bad essay")
    except ValueError:
        structlog.stdlib.get_logger("x").exception("handler_failed")
    [line] = lines(buffer)
    assert "Traceback" in line["exception"]
    assert "ValueError: bad essay" in line["exception"]


def test_level_filters_both_structlog_and_stdlib(configure: Configure):
    buffer = configure(log_format="json", level="warning")
    structlog.stdlib.get_logger("x").info("hidden")
    logging.getLogger("y").info("hidden too")
    structlog.stdlib.get_logger("x").warning("shown")
    assert [line["event"] for line in lines(buffer)] == ["shown"]


def test_console_format_is_readable_text(configure: Configure):
    buffer = configure("bff_teacher_service", log_format="console", level="DEBUG")
    structlog.stdlib.get_logger("x").debug("dev_mode_on", port=4101)
    output = buffer.getvalue()
    assert "dev_mode_on" in output
    assert "port=4101" in output
    assert not output.lstrip().startswith("{")


def test_configuring_twice_replaces_rather_than_duplicates(configure: Configure):
    configure("first", log_format="json")
    buffer = configure("second", log_format="json")
    assert len(_our_handlers()) == 1
    structlog.stdlib.get_logger("x").info("once")
    [line] = lines(buffer)
    assert line["service"] == "second"


def test_unknown_level_is_refused(configure: Configure):
    with pytest.raises(ValueError, match="unknown log level"):
        configure(level="LOUD")
