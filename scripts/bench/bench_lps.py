"""LLM provider service benchmark: callbacks per second per mode, and what serial bundling saves.

``python -m scripts.bench.bench_lps [--comparisons 2000] [--essays 40] [--pairing cj|cj_one_round|random|neighbours]``

For each mode (``per_request``, then ``serial_bundle`` with K = 8) it runs the real service in this
process against the dev stack (a throwaway PostgreSQL database, a Redis key prefix and a fresh Kafka
topic, so nothing touches the platform's real topics), with the mock judge at zero latency:

1. submits ``--comparisons`` comparisons over ``--essays`` synthetic essays (250-450 words) under a
   realistic ENG5 context (instructions, task and rubric), one ``POST /internal/v1/comparisons`` per
   CJ wave, paired as ``--pairing`` says (see ``cj_waves``);
2. counts the distinct callbacks arriving on Kafka, through the whole path: the HTTP API, the Redis
   queue, the workers, the mock provider, the outcome rows and the outbox, and the outbox relay;
3. counts provider calls and prompt tokens at the provider boundary.

The issue's targets are printed next to the figures, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from quart import Quart

from cj_assessment_service.config import Settings as CJSettings
from cj_assessment_service.public import order_for_bundles
from cj_assessment_service.public import wave_loop as cj_loop
from common_core.envelope import EventEnvelope
from common_core.events.batch import BatchDeletedV1
from common_core.events.cj_assessment import AssessmentBudget
from common_core.events.classes import StudentErasedV1
from common_core.events.llm_provider import LLMComparisonResultV1
from common_core.events.registry import EventRegistry
from common_core.llm import LLMProvider
from huleedu_service_libs.migrations import upgrade_to_head
from huleedu_service_libs.settings import DEV_INTERNAL_API_KEY
from huleedu_service_libs.testing.infrastructure import (
    Infrastructure,
    create_database,
    create_topics,
    delete_redis_prefix,
    delete_topics,
    drop_databases,
    ensure_infrastructure,
)
from llm_provider_service.app import create_app
from llm_provider_service.config import Settings
from llm_provider_service.public import CountingMock

REPO_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_DIR = REPO_ROOT / "services" / "llm_provider_service" / "alembic"
HEADERS = {"X-Internal-API-Key": DEV_INTERNAL_API_KEY, "X-Service-ID": "cj_assessment_service"}
TARGET_CALLBACKS_PER_S = 500.0
TARGET_BUNDLE_CALLS_PER_COMPARISON = 0.15
TARGET_BUNDLE_TOKEN_RATIO = 0.6

INSTRUCTIONS = (
    "You are assessing essays from the Swedish national test in English 5 (ENG5 NP). Compare the two essays "
    "as a whole, the way an experienced teacher would: how well each one communicates, how fully it answers "
    "the task, and how well it uses the language. Do not reward length for its own sake, and do not punish a "
    "bold argument you disagree with. Decide which essay shows the higher level of English overall."
)
STUDENT_PROMPT = (
    "Write an essay of about 300-500 words on the question: 'Should schools ban mobile phones during the "
    "school day?' Give reasons and examples, consider more than one side of the question, and finish with "
    "your own conclusion. You may use the texts you have read during the test as sources."
)
RUBRIC = """Grade E: The student can write in a relatively varied way, relatively clearly and relatively coherently.
The content is understandable, with some examples and a simple structure. The language may contain errors
that sometimes hinder understanding, but the message comes across. The student can adapt to purpose, recipient
and situation to some extent.
Grade C: The student can write in a relatively varied way, clearly and coherently, and with some fluency and
adaptation. The content is developed, with relevant examples and a functional structure with clear paragraphs.
Vocabulary is varied and mostly precise; errors occur but seldom hinder understanding. The student improves
the text through processing and adapts it to purpose and recipient in a functional way.
Grade A: The student can write in a varied way, clearly and coherently, with fluency and good adaptation to
purpose, recipient and situation. The content is well developed and nuanced, with well-chosen examples and an
effective structure. The vocabulary is rich and precise, the sentence structure varied, and errors are few and
do not affect the message. The student processes and improves the text in a well-founded and balanced way.
Consider in particular: the clarity of the argument and of the conclusion; whether the essay answers the
question that was asked; the use of examples and sources; paragraphing and the links between paragraphs;
the range and precision of the vocabulary; the variety and correctness of the sentence structure; spelling,
grammar and punctuation; and the adaptation of style and register to an essay written for a general reader."""

_WORDS = [
    "phones",
    "school",
    "pupils",
    "teachers",
    "lessons",
    "attention",
    "social",
    "media",
    "learning",
    "concentration",
    "classroom",
    "break",
    "friends",
    "parents",
    "rules",
    "freedom",
    "responsibility",
    "research",
    "studies",
    "results",
    "distraction",
    "communication",
    "emergency",
    "safety",
    "digital",
    "tools",
    "information",
    "knowledge",
    "discussion",
    "opinion",
    "argument",
    "example",
    "reason",
    "however",
    "therefore",
    "although",
    "moreover",
    "furthermore",
    "instead",
    "because",
    "while",
    "since",
    "unless",
    "whether",
    "important",
    "difficult",
    "useful",
    "harmful",
    "positive",
    "negative",
    "serious",
    "common",
    "modern",
    "young",
    "older",
    "many",
    "several",
    "most",
    "some",
    "believe",
    "think",
    "argue",
    "suggest",
    "show",
    "prove",
    "improve",
    "reduce",
    "increase",
    "allow",
    "forbid",
    "decide",
    "consider",
    "explain",
    "understand",
    "remember",
    "focus",
    "waste",
    "spend",
    "use",
    "need",
    "want",
    "help",
    "learn",
    "teach",
    "study",
    "play",
    "talk",
    "listen",
    "write",
    "read",
]
_MISSPELT = ["becuase", "alot", "freind", "beleive", "untill", "wich", "definately", "tommorow", "recieve", "seperate"]


def synthetic_essay(rng: random.Random, quality: float) -> str:
    """A 250-450 word essay whose vocabulary, spelling, sentences and paragraphs follow ``quality`` (0..1)."""
    vocabulary = _WORDS[: max(20, int(len(_WORDS) * (0.3 + 0.7 * quality)))]
    target_words = rng.randint(250, 450)
    paragraphs = 1 + int(4 * quality)
    sentences: list[str] = []
    written = 0
    while written < target_words:
        length = rng.randint(6, 10) if quality < 0.4 else rng.randint(6, 24)
        words = [rng.choice(_MISSPELT) if rng.random() > 0.85 + 0.15 * quality else rng.choice(vocabulary)]
        words += [rng.choice(vocabulary) for _ in range(length - 1)]
        sentences.append(" ".join(words).capitalize() + ".")
        written += length
    per_paragraph = -(-len(sentences) // paragraphs)
    return "\n\n".join(" ".join(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph))


def _random_pair(rng: random.Random, essays: int) -> tuple[int, int]:
    a, b = rng.sample(range(essays), 2)
    return a, b


def cj_service_waves(
    essays: int, comparisons: int, rng: random.Random, *, bundle_waves: bool = True
) -> list[list[tuple[int, int]]]:
    """The waves the CJ service submits for ``serial_bundle`` jobs, job after job, until ``comparisons``.

    Each job plans with the service's own code: ``cj_loop.plan_next_wave`` (the engine's planner fed
    the pooled fit, with the service's ``serial_bundle`` wave size) and then ``order_for_bundles``
    (the submission order), wave after wave until the default budget (``AssessmentBudget``) is spent.
    The judge between waves is Bradley-Terry on random abilities, so later waves are adaptive.
    ``bundle_waves=False`` plans one-round waves (n/2 pairs) in the planner's order instead, which is
    what the service sent before it shaped ``serial_bundle`` waves (and still sends for ``per_request``).
    """
    cj_settings = CJSettings(HULEEDU_DEV_MODE=True)
    multiplier = cj_settings.serial_bundle_wave_multiplier if bundle_waves else 1
    default_budget = AssessmentBudget()
    budget = cj_loop.Budget(
        max_comparisons_per_item=default_budget.max_comparisons_per_essay,
        target_reliability=default_budget.target_reliability,
        min_comparisons_per_item=cj_settings.min_comparisons_per_essay,
    )
    waves: list[list[tuple[int, int]]] = []
    total = 0
    job = 0
    while total < comparisons:
        config = cj_loop.planner_config(job, essays, budget, multiplier)
        ability = [rng.gauss(0.0, 1.5) for _ in range(essays)]
        verdicts: list[cj_loop.Verdict] = []
        wave = 0
        while total < comparisons:
            fit = cj_loop.pooled_fit(essays, verdicts)
            planned = cj_loop.plan_next_wave(essays, verdicts, fit, frozenset(), wave, config)
            if bundle_waves:
                planned = order_for_bundles(planned)
            if not planned:
                break
            planned = planned[: comparisons - total]
            waves.append([(p.first, p.second) for p in planned])
            total += len(planned)
            for p in planned:
                p_first = 1.0 / (1.0 + math.exp(ability[p.second] - ability[p.first]))
                winner = p.first if rng.random() < p_first else p.second
                verdicts.append(cj_loop.Verdict(p.first, p.second, winner))
            wave += 1
        job += 1
    return waves


def cj_waves(essays: int, comparisons: int, pairing: str, rng: random.Random) -> list[list[tuple[int, int]]]:
    """Waves of pairs until ``comparisons`` pairs exist.

    ``cj`` (the default): exactly what the CJ service plans and submits (``cj_service_waves``).
    ``cj_one_round``: the CJ planner's one-round waves (matchings) in planner order, the baseline.
    ``neighbours``: synthetic, not what CJ sends: each wave ranks the essays (a random permutation)
    and pairs rank neighbours at distance 1 and 2, listed in rank order, so consecutive pairs share
    essays. ``random``: pairs of two random essays, so a bundle of K pairs nearly always shows 2K
    different essays (the worst case).
    """
    if pairing in ("cj", "cj_one_round"):
        return cj_service_waves(essays, comparisons, rng, bundle_waves=pairing == "cj")
    waves: list[list[tuple[int, int]]] = []
    total = 0
    while total < comparisons:
        if pairing == "neighbours":
            ranking = rng.sample(range(essays), essays)
            wave = [(ranking[i], ranking[i + d]) for d in (1, 2) for i in range(essays - d)]
        else:
            wave = [_random_pair(rng, essays) for _ in range(2 * essays - 3)]
        # Either essay may be shown first, as in a real wave.
        wave = [(a, b) if rng.random() < 0.5 else (b, a) for a, b in wave][: comparisons - total]
        waves.append(wave)
        total += len(wave)
    return waves


@dataclass(frozen=True)
class ModeResult:
    mode: str
    comparisons: int
    seconds: float
    judged_after_s: float  # when the provider had answered every comparison; the rest is callback delivery
    calls: int
    input_tokens: int

    @property
    def callbacks_per_s(self) -> float:
        return self.comparisons / self.seconds

    @property
    def calls_per_comparison(self) -> float:
        return self.calls / self.comparisons

    @property
    def input_tokens_per_comparison(self) -> float:
        return self.input_tokens / self.comparisons


async def count_callbacks(bootstrap: str, topic: str, expected: int, done: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    seen: set[str] = set()
    try:
        while len(seen) < expected:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                for record in batch:
                    seen.add(EventEnvelope[LLMComparisonResultV1].from_bytes(record.value).data.request_id)
    finally:
        await consumer.stop()
        done.set()


async def run_mode(
    infra: Infrastructure, mode: str, texts: dict[str, str], waves: Sequence[Sequence[tuple[int, int]]]
) -> ModeResult:
    pairs = [pair for wave in waves for pair in wave]
    run = uuid.uuid4().hex[:8]
    database = f"bench_lps_{mode}_{run}"
    topic = f"bench.lps.{mode}.{run}"
    prefix = f"bench:lps:{run}:"
    url = await create_database(infra.postgres_url, database)
    await create_topics(infra.kafka_bootstrap, [topic, f"{topic}.deleted", f"{topic}.erased"], 1)
    try:
        await asyncio.to_thread(upgrade_to_head, ALEMBIC_DIR, url)
        registry = EventRegistry()
        registry.register(topic, LLMComparisonResultV1)
        # LPS also reads batch.deleted (erasure); a bench topic of its own keeps the real one untouched.
        registry.register(f"{topic}.deleted", BatchDeletedV1)
        registry.register(f"{topic}.erased", StudentErasedV1)
        settings = Settings(
            HULEEDU_DEV_MODE=True,
            HULEEDU_KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap,
            HULEEDU_REDIS_URL=infra.redis_url,
            HULEEDU_LOG_LEVEL="WARNING",
            database_url=url,
            redis_key_prefix=prefix,
            default_batching_mode=mode,
            serial_bundle_size=8,
        )
        judge = CountingMock()
        app: Quart = await create_app(
            settings, registry=registry, adapters={LLMProvider.MOCK: judge}, consumer_group=f"bench-lps-{run}"
        )
        async with app.test_app():
            client = app.test_client()
            done = asyncio.Event()
            counter = asyncio.create_task(count_callbacks(infra.kafka_bootstrap, topic, len(pairs), done))
            await asyncio.sleep(1.0)  # let the consumer join before the clock starts
            started = time.perf_counter()
            submitted = 0
            for wave in waves:  # one POST per CJ wave, as the CJ service submits them
                body: dict[str, Any] = {
                    "context": {"instructions": INSTRUCTIONS, "student_prompt": STUDENT_PROMPT, "rubric": RUBRIC},
                    "texts": {f"e{i}": texts[f"e{i}"] for pair in wave for i in pair},
                    "comparisons": [
                        {"request_id": f"{run}-{submitted + n}", "a": f"e{a}", "b": f"e{b}", "request_metadata": {}}
                        for n, (a, b) in enumerate(wave)
                    ],
                    "callback_topic": topic,
                }
                submitted += len(wave)
                response = await client.post("/internal/v1/comparisons", json=body, headers=HEADERS)
                if response.status_code != 202:
                    raise RuntimeError(
                        f"submission failed: {response.status_code} {await response.get_data(as_text=True)}"
                    )
            await asyncio.wait_for(done.wait(), timeout=600)
            seconds = time.perf_counter() - started
            await counter
        return ModeResult(mode, len(pairs), seconds, judge.last_call_at - started, judge.calls, judge.input_tokens)
    finally:
        await delete_topics(infra.kafka_bootstrap, [topic, f"{topic}.deleted", f"{topic}.erased"])
        await drop_databases(infra.postgres_url, [database])
        await asyncio.to_thread(delete_redis_prefix, infra.redis_url, prefix)


def report(results: list[ModeResult], pairing: str) -> None:
    print(f"\nLPS benchmark (mock judge, zero latency, real Redis/PostgreSQL/Kafka, {os.cpu_count()} cores)")
    print(f"pairing: {pairing}")
    header = f"{'mode':<16}{'comparisons':>12}{'seconds':>10}{'judged at s':>13}{'callbacks/s':>13}"
    print(header + f"{'calls/cmp':>11}{'input tok/cmp':>15}")
    for r in results:
        print(
            f"{r.mode:<16}{r.comparisons:>12}{r.seconds:>10.1f}{r.judged_after_s:>13.1f}{r.callbacks_per_s:>13.0f}"
            f"{r.calls_per_comparison:>11.3f}{r.input_tokens_per_comparison:>15.0f}"
        )
    by_mode = {r.mode: r for r in results}
    per_request, bundle = by_mode.get("per_request"), by_mode.get("serial_bundle")
    print("\ntargets (shown, not asserted):")
    for r in results:
        print(f"  {r.mode}: >= {TARGET_CALLBACKS_PER_S:.0f} callbacks/s -> {r.callbacks_per_s:.0f}")
    if per_request and bundle:
        ratio = bundle.input_tokens_per_comparison / per_request.input_tokens_per_comparison
        print(
            f"  serial_bundle K=8: <= {TARGET_BUNDLE_CALLS_PER_COMPARISON} calls/comparison -> "
            f"{bundle.calls_per_comparison:.3f}"
        )
        print(f"  serial_bundle K=8: <= {TARGET_BUNDLE_TOKEN_RATIO}x per_request input tokens -> {ratio:.2f}x")


async def main(infra: Infrastructure, argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comparisons", type=int, default=2000)
    parser.add_argument("--essays", type=int, default=40)
    parser.add_argument("--pairing", choices=("cj", "cj_one_round", "random", "neighbours"), default="cj")
    parser.add_argument("--modes", default="per_request,serial_bundle")
    args = parser.parse_args(argv)
    rng = random.Random(7)  # noqa: S311 - synthetic test data, not security
    texts = {f"e{i}": synthetic_essay(rng, quality=i / max(1, args.essays - 1)) for i in range(args.essays)}
    waves = cj_waves(args.essays, args.comparisons, args.pairing, rng)
    results = [await run_mode(infra, mode, texts, waves) for mode in args.modes.split(",")]
    report(results, args.pairing)


if __name__ == "__main__":
    # Outside the event loop: the infrastructure check runs loops of its own.
    asyncio.run(main(ensure_infrastructure(REPO_ROOT)))
