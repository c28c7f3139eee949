"""The database side of the read model: tables, the fold's writer and unit of work, the queries."""
