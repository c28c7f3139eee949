"""Operator tooling: Prometheus configs rendered from the service table, and a local Prometheus."""
