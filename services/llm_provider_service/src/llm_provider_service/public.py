"""What tools outside the service may use: the benches in ``scripts/bench`` and the ENG5 runner.

The service's HTTP and Kafka interfaces are its public face, and ``app.create_app`` takes provider
adapters in place of the real ones (``adapters=``). This module is the in-process rest: the provider
adapter's contract and the mock judge (to wrap one in a bench, or count its calls), and the usage
estimator built from the service's settings (to price a run from files). An import-linter contract
(``pyproject.toml``) keeps the tools to this module, ``app`` and ``config``.
"""

from llm_provider_service.adapters.providers.base import ProviderAdapter, ProviderCall, ProviderReply
from llm_provider_service.adapters.providers.mock import CountingMock, MockProvider, MockSettings
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.config import Settings
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.service_layer.estimates import EstimatePolicy, UsageEstimator

__all__ = [
    "CountingMock",
    "MockProvider",
    "MockSettings",
    "ProviderAdapter",
    "ProviderCall",
    "ProviderReply",
    "UsageEstimator",
    "usage_estimator",
]


def usage_estimator(settings: Settings) -> UsageEstimator:
    """LPS's ``POST /internal/v1/estimates`` as the running service answers it with these settings."""
    return UsageEstimator(
        models=ModelTable.load(mock_max_concurrency=settings.mock_max_concurrency),
        providers=ProviderPool(settings),
        policy=EstimatePolicy.from_settings(settings),
    )
