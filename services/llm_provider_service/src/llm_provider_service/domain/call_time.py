"""How long one provider call takes, for the duration estimates: a wait for the first token, then output.

The model table has no latencies (providers publish none they stand by), so the estimate brackets
them. The figures are for hosted chat models answering JSON: FAST is a small model on a quiet
day (about 0.5 s to the first token, 150 output tokens a second), TYPICAL a mid-size model
(1 s, 60 tokens a second), SLOW a large or busy one (5 s, 25 tokens a second). The mock's
latency is its own setting, so the mock's estimate needs none of this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CallTime:
    first_token_s: float
    output_tokens_per_s: float

    def seconds(self, output_tokens: int) -> float:
        return self.first_token_s + output_tokens / self.output_tokens_per_s


FAST = CallTime(first_token_s=0.5, output_tokens_per_s=150.0)
TYPICAL = CallTime(first_token_s=1.0, output_tokens_per_s=60.0)
SLOW = CallTime(first_token_s=5.0, output_tokens_per_s=25.0)

# provider_batch_api answers a whole wave at once, in the provider's own time: at best by the first
# poll, typically within the hour ("most batches complete in less than 1 hour", Anthropic's Message
# Batches documentation), at worst when LPS gives the job up (BATCH_API_MAX_AGE_S).
BATCH_TYPICAL_TURNAROUND_S = 3600.0
