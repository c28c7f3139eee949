"""LPS's model catalogue, ``GET /internal/v1/providers``: what a teacher can choose, and what it costs.

Read by CJ, content service, the API gateway and the BFF (a settings screen lists the providers,
their models, prices and batching modes, and greys out a provider that has no key here).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common_core.fields import NonEmptyStr
from common_core.llm import BatchingMode, LLMProvider

WILDCARD_MODEL = "*"


class _View(BaseModel):
    # Responses tolerate fields added later (additive evolution).
    model_config = ConfigDict(frozen=True, extra="ignore")


class ModelCapabilities(_View):
    temperature: bool = Field(description="Whether the model takes a temperature (gpt-5 does not).")
    reasoning_effort: bool
    verbosity: bool
    prompt_caching: bool = Field(description="Whether a repeated prompt prefix is billed at the cached price.")
    batch_api: bool = Field(description="Whether the model runs in the provider's asynchronous batch API.")


class ModelPrices(_View):
    """USD per million tokens."""

    input: float = Field(ge=0.0, allow_inf_nan=False)
    output: float = Field(ge=0.0, allow_inf_nan=False)
    cached_input: float = Field(ge=0.0, allow_inf_nan=False, description="Input tokens served from the cache.")


class ModelLimits(_View):
    """What one LPS process allows itself against the provider: its rate limits and concurrent calls."""

    rpm: int = Field(ge=1, description="Requests per minute.")
    tpm: int = Field(ge=1, description="Tokens per minute (prompt plus the output budget of each call).")
    max_concurrency: int = Field(ge=1, description="Calls in flight at once.")


class CatalogueModel(_View):
    model: NonEmptyStr = Field(description=f'The model id; "{WILDCARD_MODEL}" accepts any id (local models).')
    default: bool = Field(description="The provider's model when a request names none.")
    context_window: int = Field(ge=1, description="Tokens of prompt plus answer the model takes.")
    capabilities: ModelCapabilities
    price_per_million_usd: ModelPrices
    limits: ModelLimits
    batching_modes: list[BatchingMode] = Field(description="The modes LPS accepts for this model.")


class CatalogueProvider(_View):
    configured: bool = Field(description="Whether calls can go out: an API key is set here, or none is needed.")
    circuit_breaker: Literal["closed", "half_open", "open"] = Field(
        description="open: the provider failed repeatedly and its requests wait until it recovers."
    )
    models: list[CatalogueModel]


class ModelCatalogue(_View):
    """``GET /internal/v1/providers``: every provider of the model table with its models."""

    providers: dict[LLMProvider, CatalogueProvider]
    serial_bundle_size: int = Field(ge=1, description="Comparisons answered by one serial_bundle call, at most.")


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (ModelCatalogue,)
