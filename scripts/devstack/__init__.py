"""The local stack without Docker: Kafka (KRaft), PostgreSQL and Redis as plain processes.

Run it with ``pdm run dev-up`` / ``dev-status`` / ``dev-down`` / ``dev-logs NAME``.
Everything it starts lives under one state folder (``.devstack/`` by default), and the
connection settings it ends with are written to ``.devstack/env`` for services and tests.
"""
