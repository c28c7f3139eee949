"""``pdm run dlq {show,replay,purge}``: read, replay and delete dead letters (docs/runbooks/dlq-replay.md)."""
