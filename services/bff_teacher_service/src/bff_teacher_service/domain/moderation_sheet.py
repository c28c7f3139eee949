"""The XLSX's ``Moderation`` sheet (issue 24): the agreement report of the batch's job, once teachers have judged.

One table with a ``Part`` column, so that a spreadsheet can filter it: the teacher-judgement count, the
AI-teacher agreement with its 95 % interval (overall and per teacher), what the LLM's checks of moderation
pairs cost, the disagreements farthest apart first, the misfitting essays, the judges, and the moderated
ranking. Essays by the names the batch page
gives them (the export is the batch's teacher's); teachers by their account id.
"""

from __future__ import annotations

from common_core.http.cj_moderation import AgreementView, ModerationLlmUsage, ModerationReport

MODERATION_COLUMNS = ("Part", "Name", "Value", "Low (95 %)", "High (95 %)", "Detail")
Row = tuple[str | int | float | None, ...]
# The agreement report's CSV when no teacher has judged yet: a file that says so rather than a bare header.
NO_JUDGEMENTS: Row = ("Teacher judgements", "", 0, None, None, "")


def _agreement(part: str, name: str, agreement: AgreementView) -> Row:
    return (part, name, agreement.rate, agreement.low, agreement.high, f"{agreement.shared_verdicts} shared pairs")


def _llm_checks(usage: ModerationLlmUsage) -> Row:
    tokens = "tokens not reported" if usage.tokens is None else f"{usage.tokens} tokens"
    cost = "cost not reported" if usage.cost_usd is None else f"USD {usage.cost_usd:.4f}"
    unreported = f"; {usage.unreported} answered without usage" if usage.unreported else ""
    detail = f"answered; {usage.failed} failed, {usage.pending} pending; {tokens}, {cost}{unreported}"
    return ("LLM checks of moderation pairs", "", usage.answered, None, None, detail)


def moderation_rows(report: ModerationReport, names: dict[str, str]) -> list[Row]:
    """The sheet's rows; none while no teacher has judged (the workbook then has no such sheet)."""
    if report.teacher_judgements == 0:
        return []

    def name(essay_id: object) -> str:
        return names.get(str(essay_id), str(essay_id))

    rows: list[Row] = [("Teacher judgements", "", report.teacher_judgements, None, None, "")]
    rows.append(_agreement("Agreement", "AI-teacher", report.agreement))
    rows += [_agreement("Agreement by teacher", t.user_id, t.agreement) for t in report.by_teacher]
    if report.llm_usage is not None:
        rows.append(_llm_checks(report.llm_usage))
    rows += [
        (
            "Disagreement",
            f"{name(d.first_essay_id)} / {name(d.second_essay_id)}",
            round(d.distance, 3),
            None,
            None,
            f"teacher {d.teacher_user_id} chose {name(d.teacher_winner)}; the AI chose {name(d.llm_winner)}",
        )
        for d in report.disagreements
    ]
    rows += [
        ("Misfitting essay", name(m.essay_id), m.infit, None, None, f"outfit {m.outfit}; {m.comparisons} comparisons")
        for m in report.misfitting_essays
    ]
    rows += [
        (
            "Judge",
            "AI" if j.kind == "llm" else (j.user_id or ""),
            j.decisions,
            None,
            None,
            f"discrimination {j.discrimination}, position bias {j.position_bias}"
            if j.enough_decisions
            else "statistics from 20 decisions",
        )
        for j in report.judges
    ]
    rows += [
        (
            "Moderated rank",
            name(r.essay_id),
            r.rank,
            round(r.bt_score - 1.96 * r.standard_error, 3),
            round(r.bt_score + 1.96 * r.standard_error, 3),
            f"BT score {r.bt_score:.3f}; {r.teacher_judgements} teacher judgements",
        )
        for r in report.results
    ]
    return rows
