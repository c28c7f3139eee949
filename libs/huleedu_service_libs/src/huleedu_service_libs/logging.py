"""Structured logging for every service: one JSON object per line (a readable console in dev).

Each line has ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``service``, ``event``, the
request's ``correlation_id`` when one is bound, and whatever was bound with
``structlog.contextvars.bind_contextvars`` (for example ``batch_id``). Lines from the standard
library's ``logging`` (aiokafka, SQLAlchemy, the ASGI server) go through the same processors,
so a service's output is uniform whatever wrote it::

    configure_logging(settings.service_name, log_format=settings.log_format, level=settings.log_level)
    log = structlog.stdlib.get_logger(__name__)
    log.info("batch_registered", batch_id=str(batch.id))
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog
from structlog.typing import Processor

from huleedu_service_libs.correlation import current_correlation_id

_HANDLER_NAME = "huleedu"


def add_correlation_id(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    correlation_id = current_correlation_id()
    if correlation_id is not None:
        event_dict.setdefault("correlation_id", str(correlation_id))
    return event_dict


def _add_service(service_name: str) -> Processor:
    def add_service(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        event_dict.setdefault("service", service_name)
        return event_dict

    return add_service


def _level_number(level: str) -> int:
    levels = logging.getLevelNamesMapping()
    name = level.strip().upper()
    if name not in levels:
        raise ValueError(f"unknown log level {level!r}; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return levels[name]


def configure_logging(
    service_name: str, *, log_format: Literal["json", "console"] = "json", level: str = "INFO"
) -> None:
    """Configure structlog and the root logger; calling it again replaces the earlier setup."""
    stream = sys.stdout
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service_name),
        add_correlation_id,
    ]
    renderer: list[Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if log_format == "json"
        # No colour codes when the dev stack sends a service's output to a log file.
        else [structlog.dev.ConsoleRenderer(colors=stream.isatty())]
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Loggers created before a reconfiguration must pick up the new one, not keep the old.
        cache_logger_on_first_use=False,
    )

    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )
    root = logging.getLogger()
    # Only our own earlier handler is replaced; handlers others installed (pytest's) stay.
    for existing in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(existing)
        existing.close()
    root.addHandler(handler)
    root.setLevel(_level_number(level))
