"""Benchmarks: scripts that print figures. Timings are never asserted in tests."""
