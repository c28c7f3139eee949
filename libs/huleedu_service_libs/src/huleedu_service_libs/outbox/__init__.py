"""Transactional outbox: write events with the state change, publish them with a relay.

A service declares the table on its own metadata (``outbox_table``), writes events with
``add_to_outbox`` in the same transaction as the change they announce, and runs one or more
``OutboxRelay`` instances that publish committed rows to Kafka.
"""

from huleedu_service_libs.outbox.relay import OutboxRelay, backoff_delay, is_transient
from huleedu_service_libs.outbox.table import (
    STATUS_DEAD,
    STATUS_PENDING,
    STATUS_PUBLISHED,
    notify_channel,
    outbox_table,
)
from huleedu_service_libs.outbox.writer import OutboxWriter, add_to_outbox

__all__ = [
    "STATUS_DEAD",
    "STATUS_PENDING",
    "STATUS_PUBLISHED",
    "OutboxRelay",
    "OutboxWriter",
    "add_to_outbox",
    "backoff_delay",
    "is_transient",
    "notify_channel",
    "outbox_table",
]
