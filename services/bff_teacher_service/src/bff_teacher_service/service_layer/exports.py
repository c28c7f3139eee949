"""The batch's exports: the named batch from ``BatchViews``, for the XLSX the job's comparisons and settings, and
the agreement report (issue 24) in the XLSX's ``Moderation`` sheet and as a CSV of its own.

An export is a file, not a page, so a missing optional part cannot be a ``gaps`` entry: the
XLSX's settings sheet names it instead ("Missing: comparisons"), and the rest is written.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote
from uuid import UUID

from pydantic import ValidationError

from bff_teacher_service.domain.gradebook import Cell, ResultsWorkbook, essays_csv, moderation_csv, results_xlsx
from bff_teacher_service.domain.moderation_sheet import NO_JUDGEMENTS, moderation_rows
from bff_teacher_service.service_layer.batch_views import BatchViews, NamedBatch
from bff_teacher_service.service_layer.moderation_views import MODERATION_TIMEOUT_S, OK
from bff_teacher_service.service_layer.parts import Part, fetch
from bff_teacher_service.service_layer.ports import CJ_ASSESSMENT, OwnerReply, Owners
from common_core.http.bff import ViewGap
from common_core.http.cj_assessment import MAX_COMPARISON_PAGE, JobComparison, JobView
from common_core.http.cj_moderation import ModerationReport
from huleedu_service_libs.errors import ConflictError, ServiceUnavailableError

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    content_disposition: str


@dataclass(frozen=True)
class Exports:
    batch_views: BatchViews
    owners: Owners
    timeout_s: float

    async def csv(self, user_id: str, batch_id: UUID) -> ExportFile:
        named = await self.batch_views.named_batch(user_id, batch_id)
        return ExportFile(essays_csv(named.essays), CSV_TYPE, _attachment(named.batch.title, "csv"))

    async def xlsx(self, user_id: str, batch_id: UUID) -> ExportFile:
        named = await self.batch_views.named_batch(user_id, batch_id)
        job_id = named.detail.current_job.job_id if named.detail.current_job else None
        job, comparisons, report = await asyncio.gather(
            self._job(user_id, job_id), self._comparisons(user_id, job_id), self._moderation(user_id, job_id)
        )
        names = {str(row.essay_id): row.name for row in [*named.essays, *named.anchors]}
        missing = [gap for gap in [*named.gaps, job.gap("comparisons"), comparisons.gap("comparisons")] if gap]
        settings = _settings(named, job.value, missing)
        if report.reason is not None:
            settings.append(("Missing: moderation report", report.reason))
        workbook = ResultsWorkbook(
            essays=named.essays,
            comparisons=comparisons.value or [],
            names=names,
            settings=settings,
            moderation=moderation_rows(report.value, names) if report.value else [],
        )
        # Hundreds of milliseconds of CPU for a large batch: in a thread, so other requests are not held up.
        content = await asyncio.to_thread(results_xlsx, workbook)
        return ExportFile(content, XLSX_TYPE, _attachment(named.batch.title, "xlsx"))

    async def moderation_csv(self, user_id: str, batch_id: UUID) -> ExportFile | OwnerReply:
        """The agreement report as CSV, essays by the batch page's names: the batch's teacher only (a colleague who
        moderates gets the batch's 404). CJ's refusal, e.g. its 409 before the job has completed, is passed on; a
        CJ that cannot answer fails the download rather than giving a file without the report."""
        named = await self.batch_views.named_batch(user_id, batch_id)
        current = named.detail.current_job
        if current is None or current.job_id is None:
            raise ConflictError("This batch has no assessment yet: the agreement report opens once it has completed")
        call = self.owners.moderation(user_id, current.job_id, "GET", "report")
        reply = (await fetch(call, CJ_ASSESSMENT, MODERATION_TIMEOUT_S)).required()
        if reply.status != OK:
            return reply
        try:
            report = ModerationReport.model_validate_json(reply.body)
        except ValidationError as error:
            raise ServiceUnavailableError(f"{CJ_ASSESSMENT} gave an answer outside its contract") from error
        names = {str(row.essay_id): row.name for row in [*named.essays, *named.anchors]}
        rows = moderation_rows(report, names) or [NO_JUDGEMENTS]
        return ExportFile(moderation_csv(rows), CSV_TYPE, _attachment(named.batch.title, "csv", "agreement report"))

    async def _job(self, user_id: str, job_id: UUID | None) -> Part[JobView]:
        if job_id is None:
            return Part(None, None)
        return await fetch(self.owners.job(user_id, job_id), CJ_ASSESSMENT, self.timeout_s)

    async def _moderation(self, user_id: str, job_id: UUID | None) -> Part[ModerationReport]:
        """The agreement report; none (no gap) when CJ refuses it, e.g. the job has not completed (409)."""
        if job_id is None:
            return Part(None, None)
        reply = await fetch(
            self.owners.moderation(user_id, job_id, "GET", "report"), CJ_ASSESSMENT, MODERATION_TIMEOUT_S
        )
        if reply.value is None:
            return Part(None, reply.reason, reply.timed_out, reply.status)
        if reply.value.status != OK:
            return Part(None, None)
        try:
            return Part(ModerationReport.model_validate_json(reply.value.body), None)
        except ValidationError:
            return Part(None, f"{CJ_ASSESSMENT} gave an answer outside its contract")

    async def _comparisons(self, user_id: str, job_id: UUID | None) -> Part[list[JobComparison]]:
        if job_id is None:
            return Part(None, None)
        first = await fetch(
            self.owners.job_comparisons(user_id, job_id, MAX_COMPARISON_PAGE, 0), CJ_ASSESSMENT, self.timeout_s
        )
        if first.value is None:
            return Part(None, first.reason, first.timed_out, first.status)
        offsets = range(MAX_COMPARISON_PAGE, first.value.total, MAX_COMPARISON_PAGE)
        # The rest of the pages at once, each under its own bound, like any other part.
        rest = await asyncio.gather(
            *(
                fetch(
                    self.owners.job_comparisons(user_id, job_id, MAX_COMPARISON_PAGE, offset),
                    CJ_ASSESSMENT,
                    self.timeout_s,
                )
                for offset in offsets
            )
        )
        failed = next((page for page in rest if page.value is None), None)
        if failed is not None:
            return Part(None, failed.reason, failed.timed_out, failed.status)
        return Part([c for page in (first, *rest) if page.value for c in page.value.comparisons], None)


def _settings(named: NamedBatch, job: JobView | None, missing: list[ViewGap]) -> list[tuple[str, Cell]]:
    batch, current = named.batch, named.detail.current_job
    rows: list[tuple[str, Cell]] = [
        ("Batch", batch.title),
        ("Course", batch.course_code),
        ("Class", batch.class_name or ""),
        ("Status", batch.status.value),
        ("Exported at (UTC)", datetime.now(UTC).isoformat(timespec="seconds")),
    ]
    if current is not None:
        usage = current.usage
        rows += [
            ("Job", str(current.job_id) if current.job_id else ""),
            ("Job state", current.state.value),
            ("Grade scale", current.grade_scale or ""),
            ("Provider", current.model_used.provider.value if current.model_used else ""),
            ("Model", current.model_used.model if current.model_used else ""),
            ("Reliability (marginal)", current.reliability),
            ("Reliability (SSR, reported only)", current.reliability_ssr),
            ("Position bias (log-odds)", current.position_bias),
            ("Position bias SE", current.position_bias_se),
            ("Stop reason", current.stop_detail or current.stop_reason or ""),
            ("Partial results", current.partial_reason or ("yes" if current.partial else "no")),
            ("Comparisons completed", current.comparisons_completed),
            ("Comparisons failed", current.comparisons_failed),
            ("Duration (s)", current.duration_seconds),
            ("LLM calls", usage.llm_calls if usage else None),
            ("Input tokens", usage.input_tokens if usage else None),
            ("Output tokens", usage.output_tokens if usage else None),
            ("Cost (USD)", usage.cost_usd if usage else None),
        ]
    if job is not None:
        rows += [
            ("Batching mode", job.llm.batching_mode.value),
            ("Temperature", job.llm.temperature),
            ("Reasoning effort", job.llm.reasoning_effort.value if job.llm.reasoning_effort else ""),
            ("Max comparisons per essay", job.budget.max_comparisons_per_essay),
            ("Target reliability", job.budget.target_reliability),
        ]
    rows += [(f"Missing: {gap.part}", gap.reason) for gap in missing]
    return rows


def _attachment(title: str, extension: str, what: str = "results") -> str:
    """A download name from the batch's title: ASCII for old clients, the real title (RFC 6266) for the rest."""
    ascii_name = _UNSAFE_IN_FILENAME.sub("_", title).strip("._") or "batch"
    ascii_what = what.replace(" ", "-")
    full = f"{title} {what}.{extension}"
    return (
        f"attachment; filename=\"{ascii_name[:80]}-{ascii_what}.{extension}\"; filename*=UTF-8''{quote(full, safe='')}"
    )
