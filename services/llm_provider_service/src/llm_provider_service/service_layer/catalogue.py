"""The model catalogue: the model table, which providers can be called from here, and each model's modes."""

from __future__ import annotations

from typing import Literal

from common_core.http.model_catalogue import (
    CatalogueModel,
    CatalogueProvider,
    ModelCapabilities,
    ModelCatalogue,
    ModelLimits,
    ModelPrices,
)
from common_core.llm import BatchingMode, LLMProvider
from llm_provider_service.adapters.providers.pool import ProviderPool
from llm_provider_service.domain.circuit_breaker import BreakerState
from llm_provider_service.domain.model_table import ModelSpec, ModelTable
from llm_provider_service.service_layer.batch_jobs import BATCH_PROVIDERS
from llm_provider_service.service_layer.guards import ProviderGuards

_BREAKER_NAMES: dict[BreakerState, Literal["closed", "half_open", "open"]] = {
    BreakerState.CLOSED: "closed",
    BreakerState.HALF_OPEN: "half_open",
    BreakerState.OPEN: "open",
}


def batching_modes(spec: ModelSpec) -> list[BatchingMode]:
    """The modes LPS accepts for ``spec``: any model bundles, only a batch provider's batch model batches."""
    modes = [BatchingMode.PER_REQUEST, BatchingMode.SERIAL_BUNDLE]
    if spec.provider in BATCH_PROVIDERS and spec.capabilities.batch_api:
        modes.append(BatchingMode.PROVIDER_BATCH_API)
    return modes


def catalogue_model(spec: ModelSpec) -> CatalogueModel:
    return CatalogueModel(
        model=spec.model,
        default=spec.is_default,
        context_window=spec.context_window,
        capabilities=ModelCapabilities.model_validate(vars(spec.capabilities)),
        price_per_million_usd=ModelPrices.model_validate(vars(spec.prices)),
        limits=ModelLimits.model_validate(vars(spec.limits)),
        batching_modes=batching_modes(spec),
    )


class Catalogue:
    def __init__(
        self, *, models: ModelTable, providers: ProviderPool, guards: ProviderGuards, serial_bundle_size: int
    ) -> None:
        self._models = models
        self._providers = providers
        self._guards = guards
        self._serial_bundle_size = serial_bundle_size

    def read(self) -> ModelCatalogue:
        states = self._guards.breaker_states()
        models: dict[LLMProvider, list[CatalogueModel]] = {}
        for spec in self._models.models():
            models.setdefault(spec.provider, []).append(catalogue_model(spec))
        return ModelCatalogue(
            providers={
                provider: CatalogueProvider(
                    configured=self._providers.configured(provider),
                    circuit_breaker=_BREAKER_NAMES[states.get(provider, BreakerState.CLOSED)],
                    models=entries,
                )
                for provider, entries in models.items()
            },
            serial_bundle_size=self._serial_bundle_size,
        )
