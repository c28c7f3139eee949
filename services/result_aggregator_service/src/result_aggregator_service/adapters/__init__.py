"""The database side of the read model: tables, the writer used by the event handlers, the queries."""
