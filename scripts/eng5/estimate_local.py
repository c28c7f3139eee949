"""The estimate of a run that has not been uploaded yet, computed here with the services' own code.

The public estimate (``POST /v1/batches/{id}/estimate``) needs a stored batch, and ``plan`` must create
nothing. So ``plan`` runs CJ's :class:`Estimator` (the stopping rule's bounds and the simulations of
the job's loop) in this process, with LPS's :class:`UsageEstimator` (prompt builder, token counter, price
table, rate limits) in place of the HTTP call to LPS. Only the reading of the assignment from CJ's
database is replaced: the anchors, instructions and rubric come from the input files instead. Both
services' settings are their defaults (plus the dev stack's env file), so a stack configured
differently (another mock latency, bundle size, ...) answers somewhat differently.
"""

from __future__ import annotations

import asyncio
import os

from cj_assessment_service.config import Settings as CJSettings
from cj_assessment_service.public import Estimator, JobInputs
from common_core.http.estimates import AssessmentEstimate, AssessmentEstimateRequest
from common_core.http.llm_provider import ComparisonContext
from huleedu_service_libs.envfile import load_env_file
from llm_provider_service.config import Settings as LPSSettings
from llm_provider_service.public import usage_estimator
from scripts.devstack.settings import DevstackSettings
from scripts.eng5.inputs import GRADE_SCALE, RunInputs, RunSettings

LOCAL_NOTE = (
    "Estimated locally (no batch is created by plan): CJ's Estimator and LPS's UsageEstimator run in "
    "this process with the services' default settings; execute asks the gateway for the stored batch's estimate."
)


def _service_env() -> dict[str, str]:
    """The dev stack's env file under the process's own environment, in dev mode (no internal key needed)."""
    env_file = DevstackSettings.from_env().env_file
    env = load_env_file(env_file) if env_file.exists() else {}
    return {**env, **os.environ, "HULEEDU_DEV_MODE": "1"}


def estimate_locally(inputs: RunInputs, settings: RunSettings) -> AssessmentEstimate:
    """What ``execute`` would take, as CJ and LPS would estimate it once the batch is stored."""
    saved = dict(os.environ)
    os.environ.update(_service_env())
    try:
        cj_settings, lps_settings = CJSettings(), LPSSettings()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    job_inputs = JobInputs(
        anchor_characters=[len(a.file.text.strip()) or 1 for a in inputs.anchors],
        grade_scale=GRADE_SCALE,
        context=ComparisonContext(
            instructions=inputs.instructions, rubric=inputs.rubric or None, student_prompt=inputs.student_prompt
        ),
    )
    request = AssessmentEstimateRequest.model_validate(
        {
            "essay_count": len(inputs.essays),
            "total_words": sum(len(e.text.split()) for e in inputs.essays),
            "total_characters": sum(len(e.text) for e in inputs.essays),
            **settings.assessment_body(),
        }
    )
    return asyncio.run(Estimator(cj_settings, usage_estimator(lps_settings)).estimate(request, job_inputs))
