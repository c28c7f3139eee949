"""The ENG5 research runner: ``pdm run eng5-run`` (docs/eng5-runner.md)."""
