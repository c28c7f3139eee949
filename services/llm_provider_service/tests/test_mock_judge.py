"""The mock judge reads the essays, is deterministic, and its profiles behave as named."""

import asyncio
import subprocess
import sys

from common_core.llm import BatchingMode, LLMProvider
from llm_provider_service.adapters.providers.base import ProviderCall
from llm_provider_service.adapters.providers.mock import MockProvider, MockSettings
from llm_provider_service.domain.essay_features import essay_features
from llm_provider_service.domain.failures import FailureCode, ProviderError
from llm_provider_service.domain.mock_judge import JudgeSettings, judge_pair
from llm_provider_service.domain.model_table import ModelTable
from llm_provider_service.domain.prompts import render_bundle, render_pair
from llm_provider_service.domain.work import CallSettings, SharedContext
from services.llm_provider_service.tests.essays import MIDDLING, STRONG, WEAK

HEURISTIC = JudgeSettings()


def test_features_see_spelling_vocabulary_and_paragraphs():
    strong, weak = essay_features(STRONG), essay_features(WEAK)
    assert weak.spelling_error_rate > strong.spelling_error_rate
    assert strong.vocabulary > weak.vocabulary
    assert strong.paragraphing > essay_features(STRONG.replace("\n\n", " ")).paragraphing
    assert strong.quality() > essay_features(MIDDLING).quality() > weak.quality()


def test_the_better_essay_wins_in_either_position():
    for a, b, winner in ((STRONG, WEAK, "A"), (WEAK, STRONG, "B"), (MIDDLING, WEAK, "A"), (WEAK, MIDDLING, "B")):
        verdict = judge_pair(a, b, "en", HEURISTIC, 600)
        assert verdict.winner == winner
    assert judge_pair(STRONG, WEAK, "en", HEURISTIC, 600).confidence >= 4


def test_the_justification_names_the_deciding_features():
    verdict = judge_pair(WEAK, STRONG, "en", HEURISTIC, 600)
    assert verdict.justification.startswith("Essay B is stronger on ")
    assert "spelling" in verdict.justification or "vocabulary" in verdict.justification


def test_noise_and_position_bias_move_close_calls():
    close = [(f"{MIDDLING}\nExtra line {i}.", f"{MIDDLING}\nAnother line {i}.") for i in range(60)]
    neutral = [judge_pair(a, b, "en", HEURISTIC, 600).winner for a, b in close]
    biased = [judge_pair(a, b, "en", JudgeSettings(position_bias=3.0), 600).winner for a, b in close]
    assert 0 < neutral.count("A") < 60  # the seeded noise decides near-ties, both ways
    assert biased.count("A") > neutral.count("A")


def test_verdicts_are_the_same_in_another_process():
    # hashlib, never hash(): a fresh interpreter (new PYTHONHASHSEED) gives the same verdicts.
    code = (
        "from llm_provider_service.domain.mock_judge import JudgeSettings, judge_pair\n"
        "print([judge_pair(f'Text number {i} is here.', f'Other text {i}.', 'en', JudgeSettings(), 600).winner"
        " for i in range(20)])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1


def test_first_position_and_coin_profiles():
    assert judge_pair(WEAK, STRONG, "en", JudgeSettings(profile="first_position"), 600).winner == "A"
    coins = [judge_pair(f"a{i}", f"b{i}", "en", JudgeSettings(profile="coin"), 600).winner for i in range(200)]
    assert 60 < coins.count("A") < 140


def _call(pairs, attempt=1, bundle=False):
    context = SharedContext(instructions="Judge.")
    prompt = render_bundle(context, pairs, max_chars=600) if bundle else render_pair(context, *pairs[0], max_chars=600)
    spec = ModelTable.load().find(LLMProvider.MOCK, "mock-judge")
    assert spec is not None
    settings = CallSettings(LLMProvider.MOCK, "mock-judge", BatchingMode.PER_REQUEST)
    return ProviderCall(settings, spec, prompt, 400, pairs, "en", attempt)


def test_the_mock_answers_json_with_token_estimates():
    reply = asyncio.run(MockProvider(MockSettings()).complete(_call([(STRONG, WEAK), (WEAK, MIDDLING)], bundle=True)))
    assert '"pair": 2' in reply.text
    assert reply.usage is not None
    assert reply.usage.input_tokens > (len(STRONG) + len(WEAK)) // 4
    assert reply.usage.output_tokens > 0


def test_error_injection_draws_each_failure_at_its_rate():
    settings = MockSettings(
        judge=JudgeSettings(profile="error_injection"), rate_429=0.2, rate_500=0.2, rate_timeout=0.1, rate_malformed=0.1
    )
    provider = MockProvider(settings)
    outcomes: dict[str, int] = {}
    retry_afters = set()
    for i in range(400):
        try:
            reply = asyncio.run(provider.complete(_call([(f"text {i}", f"other {i}")])))
            key = "malformed" if "{" not in reply.text else "ok"
        except ProviderError as failure:
            key = failure.code.value
            if failure.code is FailureCode.RATE_LIMIT:
                retry_afters.add(failure.retry_after_s)
        outcomes[key] = outcomes.get(key, 0) + 1
    assert 40 < outcomes[FailureCode.RATE_LIMIT.value] < 120
    assert 40 < outcomes[FailureCode.PROVIDER_UNAVAILABLE.value] < 120
    assert 15 < outcomes[FailureCode.TIMEOUT.value] < 70
    assert 15 < outcomes["malformed"] < 70
    assert 100 < outcomes["ok"] < 220
    assert retry_afters == {1.0}


def test_the_mock_judges_concurrency_can_be_lowered_without_touching_other_models():
    shipped, tight = ModelTable.load(), ModelTable.load(mock_max_concurrency=2)
    mock_spec = tight.find(LLMProvider.MOCK, "mock-judge")
    assert mock_spec is not None
    assert mock_spec.limits.max_concurrency == 2
    assert tight.find(LLMProvider.OPENAI, "gpt-5-mini") == shipped.find(LLMProvider.OPENAI, "gpt-5-mini")
