"""The pure parts of a usage estimate: stand-in essays, how a wave becomes calls, and a judge's answer.

The service layer (``service_layer/estimates.py``) renders real prompts from these with
``domain/prompts.py`` and counts them with ``domain/tokens.py``, exactly as a real call is built.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

from common_core.llm import BatchingMode

Pair = tuple[int, int]

_FILLER = (
    "the essay argues that schools should think carefully about how pupils learn and why some rules help "
    "while others only seem to because teachers and parents want a quiet classroom more than a good one"
)


def filler_text(item: int, characters: int) -> str:
    """A stand-in for essay ``item``: exactly ``characters`` characters of prose, unlike every other item's.

    Only the length reaches the token count; distinct texts matter because a bundle shows each
    distinct text once, and the leading number keeps two essays from ever looking the same. No
    whitespace at either end, since prompts strip the essays.
    """
    parts = [f"{item}."]
    length = len(parts[0])
    for word in itertools.cycle(_FILLER.split()):
        if length >= characters:
            break
        parts.append(word)
        length += len(word) + 1
    text = " ".join(parts)[:characters]
    return text if not text[-1].isspace() else f"{text[:-1]}s"


def call_groups(wave: Sequence[Pair], mode: BatchingMode, bundle_size: int) -> list[list[Pair]]:
    """How the queue worker turns one wave, in submission order, into provider calls.

    ``per_request`` and ``provider_batch_api``: one request per comparison (the batch API wraps each
    in its own request). ``serial_bundle``: the worker claims the lane's next ``bundle_size`` ready
    items at a time (``QueueWorker.dispatch_once``), so a call holds consecutive comparisons, and a
    claim of one is sent with the pair prompt (``ComparisonProcessor.process``).
    """
    if mode is not BatchingMode.SERIAL_BUNDLE:
        return [[pair] for pair in wave]
    return [list(wave[start : start + bundle_size]) for start in range(0, len(wave), bundle_size)]


def verdict_answer(pairs: int, justification_chars: int, *, bundled: bool) -> str:
    """The JSON a judge answers for ``pairs`` comparisons, with justifications of ``justification_chars``.

    The shape the prompts ask for and the mock answers with: one verdict, or ``{"verdicts": [...]}``.
    """
    verdict = {"winner": "A", "confidence": 3, "justification": "x" * justification_chars}
    if not bundled:
        return json.dumps(verdict)
    return json.dumps({"verdicts": [{"pair": n, **verdict} for n in range(1, pairs + 1)]})
