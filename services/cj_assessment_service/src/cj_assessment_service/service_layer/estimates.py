"""What a job would take, before it starts: comparisons from the stopping rule, the budget and simulations
of the job's own loop, and what LPS says the simulated waves cost (docs/estimates.md).

The job an estimate describes is the one ``requests.start_job`` would create from the
same settings: the same assignment check, anchors, judging context, wave sizes and stopping rule.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from cj_assessment_service.config import Settings
from cj_assessment_service.domain import cj_loop
from cj_assessment_service.domain.assignment import Anchor, Assignment
from cj_assessment_service.domain.comparison_estimate import (
    ComparisonBounds,
    SimulatedRun,
    SimulationSpec,
    comparison_bounds,
    extended,
    median_seconds_per_wave,
    scaled,
    simulate,
    typical_run,
    waves_for,
)
from cj_assessment_service.domain.job import JobRules
from cj_assessment_service.service_layer.deps import ServiceDeps, job_rules
from cj_assessment_service.service_layer.ports import UsageEstimates
from common_core.http.estimates import (
    AmountRange,
    AssessmentEstimate,
    AssessmentEstimateRequest,
    CountRange,
    UsageEstimate,
    UsageEstimateRequest,
)
from common_core.http.llm_provider import ComparisonContext
from common_core.llm import BatchingMode
from huleedu_service_libs.errors import (
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    ServiceUnavailableError,
    ValidationFailedError,
)

SIMULATIONS_KEPT = 64
# The settings of the request's ``llm`` that LPS checks under their own names.
_LLM_FIELDS = frozenset({"provider", "model", "batching_mode", "reasoning_effort"})


class SimulationCache:
    """Simulated runs by their spec, each computed once in a worker thread; concurrent askers share it."""

    def __init__(self, kept: int = SIMULATIONS_KEPT) -> None:
        self._kept = kept
        self._runs: OrderedDict[SimulationSpec, asyncio.Task[list[SimulatedRun]]] = OrderedDict()

    async def runs(self, spec: SimulationSpec) -> list[SimulatedRun]:
        task = self._runs.get(spec)
        if task is None:
            task = asyncio.ensure_future(asyncio.to_thread(simulate, spec))
            self._runs[spec] = task
            while len(self._runs) > self._kept:
                self._runs.popitem(last=False)
        self._runs.move_to_end(spec)
        try:
            # Shielded: a caller that gives up must not cancel what the others are waiting for.
            return await asyncio.shield(task)
        except Exception:
            self._runs.pop(spec, None)
            raise


@dataclass(frozen=True)
class JobInputs:
    """What the job would be made of, as far as its cost goes."""

    anchor_characters: list[int]
    grade_scale: str
    context: ComparisonContext


class Estimator:
    """An estimate from the job's inputs: the simulations of the job's loop and LPS's price of their waves.

    It needs no database, so the ENG5 runner estimates a run from its files with it (``public.py``).
    """

    def __init__(
        self,
        settings: Settings,
        usage: UsageEstimates,
        simulations: SimulationCache | None = None,
        rules: JobRules | None = None,
    ) -> None:
        self._settings = settings
        self._rules = rules or job_rules(settings)
        self._lps = usage
        self._simulations = simulations or SimulationCache()

    async def estimate(self, request: AssessmentEstimateRequest, inputs: JobInputs) -> AssessmentEstimate:
        settings = self._settings
        anchors = len(inputs.anchor_characters)
        n_items = request.essay_count + anchors
        budget = cj_loop.Budget(
            max_comparisons_per_item=request.budget.max_comparisons_per_essay,
            target_reliability=request.budget.target_reliability,
            min_comparisons_per_item=settings.min_comparisons_per_essay,
        )
        mode = request.llm.batching_mode
        simulated_items = min(n_items, settings.estimate_simulation_max_items)
        spec = SimulationSpec(
            n_items=simulated_items,
            n_anchors=min(anchors, simulated_items),
            grade_scale=inputs.grade_scale,
            budget=budget,
            wave_multiplier=self._rules.wave_multiplier(mode),
            bundle_order=mode is BatchingMode.SERIAL_BUNDLE,
            runs=settings.estimate_simulation_runs,
            max_waves=settings.estimate_simulation_max_waves,
        )
        runs = await self._simulations.runs(spec)
        bounds = comparison_bounds(n_items, budget)
        simulated_typical, median_run = typical_run(runs, comparison_bounds(simulated_items, budget))
        # Comparisons per item carry over from the simulated size (the same when nothing was scaled).
        typical = min(bounds.maximum, round(simulated_typical * n_items / simulated_items))
        # A simulated stop below the rule's floor would prove the floor wrong: the range keeps both.
        minimum = min(bounds.minimum, typical)
        waves = median_run.waves if simulated_items == n_items else scaled(median_run.waves, simulated_items, n_items)
        waves = extended(waves, bounds.maximum)
        comparisons = CountRange(minimum=minimum, typical=typical, maximum=bounds.maximum)
        usage = await self._usage(
            UsageEstimateRequest(
                provider=request.llm.provider,
                model=request.llm.model,
                batching_mode=mode,
                reasoning_effort=request.llm.reasoning_effort,
                context=inputs.context,
                item_characters=item_characters(request, inputs.anchor_characters, median_run.anchors, n_items),
                waves=[list(wave) for wave in waves],
                comparisons=comparisons,
            )
        )
        wave_counts = CountRange(
            minimum=waves_for(waves, comparisons.minimum),
            typical=waves_for(waves, comparisons.typical),
            maximum=waves_for(waves, comparisons.maximum),
        )
        per_wave_s = median_seconds_per_wave(runs) + settings.estimate_wave_overhead_s
        provider_s = usage.duration_seconds
        return AssessmentEstimate(
            essay_count=request.essay_count,
            anchor_count=anchors,
            total_words=request.total_words,
            provider=usage.provider,
            model=usage.model,
            batching_mode=usage.batching_mode,
            provider_configured=usage.configured,
            comparisons=comparisons,
            waves=wave_counts,
            llm_calls=usage.llm_calls,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=usage.cost_usd,
            duration_seconds=AmountRange(
                minimum=round(provider_s.minimum + wave_counts.minimum * per_wave_s, 1),
                typical=round(provider_s.typical + wave_counts.typical * per_wave_s, 1),
                maximum=round(provider_s.maximum + wave_counts.maximum * per_wave_s, 1),
            ),
            notes=[*_notes(bounds, runs, spec, simulated_typical, n_items, per_wave_s), *usage.notes],
        )

    async def _usage(self, request: UsageEstimateRequest) -> UsageEstimate:
        """LPS's figures; a setting LPS refuses is named as the teacher sent it (``llm.model``, ...)."""
        try:
            return await self._lps.estimate(request)
        except ValidationFailedError as exc:
            fields = exc.details.get("fields")
            if not isinstance(fields, dict):
                raise
            named = {f"llm.{k}" if k in _LLM_FIELDS else k: v for k, v in fields.items()}
            raise ValidationFailedError(exc.message, details={**exc.details, "fields": named}) from exc


class EstimateService:
    """``POST /internal/v1/estimates``: the job's inputs from CJ's database and content, then the estimate."""

    def __init__(self, deps: ServiceDeps, simulations: SimulationCache | None = None) -> None:
        self._deps = deps
        self._estimator = Estimator(deps.settings, deps.lps, simulations, deps.rules)

    async def estimate(self, user_id: str, request: AssessmentEstimateRequest) -> AssessmentEstimate:
        return await self._estimator.estimate(request, await self._job_inputs(user_id, request))

    async def _job_inputs(self, user_id: str, request: AssessmentEstimateRequest) -> JobInputs:
        """The anchors, grade scale and judging context the job would have, checked as the job checks them."""
        settings = self._deps.settings
        instructions = settings.default_instructions
        if request.assignment_id is None:
            return JobInputs([], settings.default_grade_scale, ComparisonContext(instructions=instructions))
        async with self._deps.uows() as uow:
            assignment = await uow.assignments.get(request.assignment_id)
            if assignment is None or not assignment.usable_by(user_id):
                raise NotFoundError(f"assignment {request.assignment_id} not found")
            anchors = await uow.assignments.anchors(assignment.id)
        grades = sorted({a.grade for a in anchors})
        if len(grades) == 1:
            raise ConflictError(
                f"This assessment would fail: the assignment has anchors on a single grade ({grades[0]}); "
                "add anchors of at least two different grades"
            )
        texts = await self._texts(assignment, anchors)
        return JobInputs(
            anchor_characters=[len(texts[a.text_ref].strip()) or 1 for a in anchors],
            grade_scale=assignment.grade_scale,
            context=ComparisonContext(
                instructions=texts.get(assignment.instructions_ref) or instructions,
                rubric=texts.get(assignment.rubric_ref) if assignment.rubric_ref else None,
                student_prompt=texts.get(assignment.student_prompt_ref) if assignment.student_prompt_ref else None,
                language=request.language,
            ),
        )

    async def _texts(self, assignment: Assignment, anchors: Sequence[Anchor]) -> dict[str, str]:
        """The assignment's texts and anchors from content service, in one call as the job fetches them."""
        refs = [a.text_ref for a in anchors]
        refs += [r for r in (assignment.instructions_ref, assignment.rubric_ref, assignment.student_prompt_ref) if r]
        try:
            fetched = await self._deps.content.fetch_texts(refs)
        except ExternalServiceError as exc:
            raise ServiceUnavailableError(
                "content service could not provide the assignment's texts; try again shortly"
            ) from exc
        if fetched.missing:
            raise ConflictError(
                f"This assessment would fail: {len(fetched.missing)} of the assignment's texts are missing "
                "from the text store"
            )
        return {ref: text.content for ref, text in fetched.texts.items()}


def item_characters(
    request: AssessmentEstimateRequest, anchor_characters: Sequence[int], simulated_anchors: Sequence[int], n_items: int
) -> list[int]:
    """Each item's length, by the simulation's indices: anchors where it placed them (any more at the end),
    the batch's characters spread evenly over the essays."""
    anchor_slots = list(simulated_anchors[: len(anchor_characters)])
    placed = set(anchor_slots)
    spare = [i for i in range(n_items - 1, -1, -1) if i not in placed]
    anchor_slots += spare[: len(anchor_characters) - len(anchor_slots)]
    placed = set(anchor_slots)
    lengths = [0] * n_items
    for slot, characters in zip(anchor_slots, anchor_characters, strict=True):
        lengths[slot] = characters
    essays = [i for i in range(n_items) if i not in placed]
    share, extra = divmod(request.total_characters, request.essay_count)
    for rank, item in enumerate(essays):
        lengths[item] = share + (1 if rank < extra else 0)
    return lengths


def _notes(
    bounds: ComparisonBounds,
    runs: Sequence[SimulatedRun],
    spec: SimulationSpec,
    simulated_typical: int,
    n_items: int,
    per_wave_s: float,
) -> list[str]:
    outcomes = ", ".join(str(run.comparisons) if run.stopped else "budget" for run in runs)
    notes = [
        f"Comparisons: at least {bounds.minimum} ({bounds.per_item_needed} per essay and anchor before the "
        f"stopping rule may stop on reliability), at most {bounds.maximum} ({bounds.per_item_cap} per essay and "
        f"anchor: the budget, and no pair more than twice), over {n_items} essays and anchors.",
        f"Typical: the median of {len(runs)} simulated runs of this job's loop at {spec.n_items} items with "
        f"cj_engine's realistic judge (stopped at {outcomes}).",
        f"Duration adds {per_wave_s:.2f} s a wave for CJ's own work (its fits, measured in the simulation) and "
        "the hand-offs between services.",
    ]
    if spec.n_items < n_items:
        notes.append(
            f"The batch was simulated at {spec.n_items} items ({simulated_typical} comparisons) and scaled to "
            f"{n_items} items by comparisons per item."
        )
    return notes
