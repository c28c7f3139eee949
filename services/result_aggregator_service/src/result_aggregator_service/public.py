"""What tools outside the service may use: ``bench-ras`` times the read model's queries and fills it.

The service's HTTP and Kafka interfaces are its public face; the bench also measures the two queries
behind ``GET /internal/v1/batches`` and its detail straight against PostgreSQL (the floor a cache could
save), and builds its rows with the same folding rules as the consumer. An import-linter contract
(``pyproject.toml``) keeps the tools in ``scripts/`` to this module, ``app`` and ``config``.
"""

from result_aggregator_service.adapters.read_model_queries import ReadModelQueries
from result_aggregator_service.domain.folding import client_status, grade_distribution

__all__ = ["ReadModelQueries", "client_status", "grade_distribution"]
