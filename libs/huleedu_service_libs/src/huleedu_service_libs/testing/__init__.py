"""Test helpers that run against real infrastructure (the dev stack), never mocks.

Loaded for every test run by the root pytest configuration
(``-p huleedu_service_libs.testing.pytest_plugin``).
"""
