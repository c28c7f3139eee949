"""What tools outside the service may use: the ENG5 runner reads essay files as an upload would.

The service's HTTP interface is its public face; this module is the in-process rest. An import-linter
contract (``pyproject.toml``) keeps the tools in ``scripts/`` to this module, ``app`` and ``config``.
"""

from content_service.domain.extraction import ExtractionFailure, extract_text

__all__ = ["ExtractionFailure", "extract_text"]
