"""The processed-events table's shape and the claim statement, without a database (see integration/)."""

import uuid
from typing import Any

import pytest
from sqlalchemy import DateTime, MetaData
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from huleedu_service_libs.idempotency import claim_event, processed_events_table


def test_the_table_is_keyed_by_consumer_and_event():
    table = processed_events_table(MetaData(), name="handled_events")
    assert table.name == "handled_events"
    assert [column.name for column in table.primary_key.columns] == ["consumer_name", "event_id"]
    assert str(table.c.event_id.type.compile(dialect=postgresql.dialect())) == "UUID"
    assert isinstance(table.c.processed_at.type, DateTime)
    assert table.c.processed_at.type.timezone is True
    assert table.c.processed_at.server_default is not None
    assert not table.c.processed_at.nullable


def test_the_create_statement_is_plain_postgres_ddl():
    ddl = str(CreateTable(processed_events_table(MetaData())).compile(dialect=postgresql.dialect()))
    assert "PRIMARY KEY (consumer_name, event_id)" in ddl
    assert "processed_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL" in ddl


class RecordingSession:
    def __init__(self, claimed: bool) -> None:
        self.claimed = claimed
        self.statements: list[Any] = []

    async def execute(self, statement: Any) -> "RecordingSession":
        self.statements.append(statement)
        return self

    def first(self) -> tuple[uuid.UUID] | None:
        return (uuid.uuid4(),) if self.claimed else None


@pytest.mark.parametrize("claimed", [True, False])
async def test_the_claim_is_one_insert_that_ignores_conflicts(claimed: bool):
    table = processed_events_table(MetaData())
    session = RecordingSession(claimed)
    event_id = uuid.uuid4()

    assert await claim_event(session, table, "ras", event_id) is claimed  # type: ignore[arg-type]

    [statement] = session.statements
    compiled = statement.compile(dialect=postgresql.dialect())
    assert "ON CONFLICT (consumer_name, event_id) DO NOTHING RETURNING" in str(compiled)
    assert compiled.params == {"consumer_name": "ras", "event_id": event_id}
