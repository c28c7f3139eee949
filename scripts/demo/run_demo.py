"""The platform's main job, offline: a demo batch assessed end to end with the mock LLM judge.

``pdm run demo`` (also the last step of ``./dev up``) is a client of the public API, the gateway: it
signs in for a bearer token and does everything else with it, as the dashboard will. It

1. signs the dev demo teacher in (``POST /v1/auth/login``, then ``GET /v1/me``);
2. creates (or reuses) the demo assignment in CJ with one anchor essay per ENG5 grade;
3. creates a batch in content service and uploads twelve generated student essays;
4. asks for the estimate (comparisons, calls, tokens, cost, time) with the body it then starts with;
5. starts the assessment (mock judge, serial bundles) and follows its progress in the result
   aggregator;
6. prints the ranked, graded results, how well the ranking recovered the essays' hidden quality, why the
   job stopped, its tokens and cost (0.00 for the mock), and the estimate beside the actuals.

Exit status 0 when the batch completed with results for every essay, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from scipy import stats

from common_core.http.cj_assessment import AnchorCreateRequest, AssignmentCreateRequest
from common_core.http.content import MAX_FILES_PER_UPLOAD, CreateBatchRequest
from common_core.http.gateway import LoginRequest
from huleedu_service_libs.envfile import load_env_file
from scripts.demo.essays import INSTRUCTIONS, RUBRIC, STUDENT_PROMPT, DemoEssay, anchor_essays, student_essays
from scripts.demo.uploads import upload_essays
from scripts.devstack.services import SERVICES
from scripts.devstack.settings import DevstackSettings

DEMO_EMAIL = "demo@huleedu.local"
DEMO_PASSWORD = "huleedu-demo-password"  # noqa: S105 - the published dev-mode credential (class management README)
DEMO_ASSIGNMENT_TITLE = "Demo: mobile phones in school (ENG5)"
FINAL_STATUSES = {"completed", "failed", "cancelled"}


class DemoError(RuntimeError):
    """A step failed; the message says which and what the service answered."""


SIGN_IN_PATIENCE_S = 90.0


def service_url(name: str) -> str:
    """A service's local address, honouring the dev stack's ``<SERVICE>_HTTP_PORT`` overrides."""
    env = dict(os.environ)
    env_file = DevstackSettings.from_env().env_file
    if env_file.exists():
        env = {**load_env_file(env_file), **env}
    svc = next(svc for svc in SERVICES if svc.name == name)
    port = env.get(f"{svc.env_prefix}HTTP_PORT", "").strip() or str(svc.http_port)
    return f"http://127.0.0.1:{port}"


def gateway_url() -> str:
    """The public API's address: the dev stack's gateway."""
    return service_url("api_gateway_service")


class Gateway:
    """A client of the public API (the gateway), signed in as one teacher with a bearer token."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=timeout_s)
        self.access_token: str | None = None
        self.refresh_token: str | None = None

    def call(self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
        reply = self._send(method, path, headers, kwargs)
        if reply.status_code == 401 and self.refresh_token is not None:
            self.refresh()  # the access token lasts minutes: renew it once and try again
            reply = self._send(method, path, headers, kwargs)
        if reply.status_code >= 400:
            raise DemoError(f"the gateway answered {method} {path} with {reply.status_code}: {reply.text[:500]}")
        return reply.json() if reply.content else None

    def _send(
        self, method: str, path: str, headers: Mapping[str, str] | None, kwargs: Mapping[str, Any]
    ) -> httpx.Response:
        sent = dict(headers or {})
        if self.access_token:
            sent["Authorization"] = f"Bearer {self.access_token}"
        try:
            return self.http.request(method, path, headers=sent, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoError(f"the gateway did not answer {method} {path}: {exc} (is the stack up? ./dev up)") from exc

    def take_tokens(self, tokens: Mapping[str, Any]) -> None:
        self.access_token = str(tokens["access_token"])
        self.refresh_token = str(tokens["refresh_token"])

    def refresh(self) -> None:
        # Cleared first: a refused refresh (the session ended) is the answer, not a reason to refresh again.
        token, self.access_token, self.refresh_token = self.refresh_token, None, None
        self.take_tokens(self.call("POST", "/v1/auth/refresh", json={"refresh_token": token}))


def _print_wait(wait_s: float) -> None:
    print(f"sign-in limit reached at the gateway; trying again in {wait_s:.0f} s", flush=True)


def sign_in(
    gw: Gateway,
    email: str = DEMO_EMAIL,
    password: str = DEMO_PASSWORD,
    on_wait: Callable[[float], None] = _print_wait,
) -> dict[str, Any]:
    """Signs ``email`` in and returns its profile (``/v1/me``).

    The gateway limits sign-ins per address (10 a minute): several runs in a row wait their turn,
    telling ``on_wait`` how long.
    """
    body = LoginRequest(email=email, password=password).model_dump()
    deadline = time.monotonic() + SIGN_IN_PATIENCE_S
    reply = gw._send("POST", "/v1/auth/login", None, {"json": body})
    while reply.status_code == httpx.codes.TOO_MANY_REQUESTS and time.monotonic() < deadline:
        wait_s = float(reply.headers.get("retry-after", "1"))
        on_wait(wait_s)
        time.sleep(wait_s)
        reply = gw._send("POST", "/v1/auth/login", None, {"json": body})
    if reply.status_code != httpx.codes.OK:
        raise DemoError(f"the gateway answered POST /v1/auth/login with {reply.status_code}: {reply.text[:500]}")
    gw.take_tokens(reply.json())
    profile: dict[str, Any] = gw.call("GET", "/v1/me")
    return profile


def demo_assignment(gw: Gateway) -> str:
    listing = gw.call("GET", "/v1/assignments")
    for summary in listing["assignments"]:
        if summary["title"] == DEMO_ASSIGNMENT_TITLE and summary["anchor_count"] > 0:
            print(f"assignment: reusing {summary['assignment_id']} ({summary['anchor_count']} anchors)")
            return str(summary["assignment_id"])
    assignment_id = create_demo_assignment(gw)
    print(f"assignment: created {assignment_id} with {len(anchor_essays())} anchors (grades F+ to A)")
    return assignment_id


def create_demo_assignment(gw: Gateway, shared: bool | None = None) -> str:
    """A new demo assignment with one anchor per ENG5 grade; ``shared=False`` keeps it the teacher's own."""
    request = AssignmentCreateRequest(
        title=DEMO_ASSIGNMENT_TITLE,
        course_code="ENG5",
        grade_scale="eng5_np",
        instructions=INSTRUCTIONS,
        student_prompt=STUDENT_PROMPT,
        rubric=RUBRIC,
        shared=shared,
    )
    created = gw.call("POST", "/v1/assignments", json=request.model_dump(mode="json"))
    assignment_id = str(created["assignment_id"])
    for anchor in anchor_essays():
        grade = anchor.label.removeprefix("anchor-")
        body = AnchorCreateRequest(label=anchor.label, grade=grade, text=anchor.text).model_dump()
        gw.call("POST", f"/v1/assignments/{assignment_id}/anchors", json=body)
    return assignment_id


def create_batch(gw: Gateway, assignment_id: str, essays: list[DemoEssay]) -> str:
    title = f"Demo batch {time.strftime('%Y-%m-%d %H:%M:%S')}"
    request = CreateBatchRequest(title=title, course_code="ENG5", assignment_id=uuid.UUID(assignment_id))
    batch = gw.call("POST", "/v1/batches", json=request.model_dump(mode="json"))
    batch_id = str(batch["batch_id"])
    files = [(e.filename, e.text.encode("utf-8"), "text/plain") for e in essays]

    def uploaded(sent: int, total: int) -> None:
        if total > MAX_FILES_PER_UPLOAD:
            print(f"  uploaded {sent} of {total} essays", flush=True)

    upload = upload_essays(gw, batch_id, files, on_chunk=uploaded)
    print(f"batch: {title} ({batch_id}): {upload.accepted} essays accepted, {upload.rejected} rejected")
    if upload.accepted != len(essays):
        problems = "\n  ".join(upload.problems())
        raise DemoError(f"{len(essays) - upload.accepted} of {len(essays)} essays were not accepted:\n  {problems}")
    return batch_id


def assessment_body(batching_mode: str) -> dict[str, Any]:
    return {"llm": {"provider": "mock", "model": "mock-judge", "batching_mode": batching_mode}}


def estimate(gw: Gateway, batch_id: str, batching_mode: str) -> dict[str, Any]:
    """What starting would take, asked with the very body the start sends; printed before starting."""
    found = gw.call("POST", f"/v1/batches/{batch_id}/estimate", json=assessment_body(batching_mode))
    print(
        f"estimate: {found['essay_count']} essays + {found['anchor_count']} anchors, "
        f"{_range(found['comparisons'])} comparisons, {_range(found['llm_calls'])} LLM calls, "
        f"USD {_range(found['cost_usd'], '{:.2f}')}, {_range(found['duration_seconds'], '{:.0f}')} s"
    )
    return found


def _range(figures: Mapping[str, Any], fmt: str = "{:,}") -> str:
    low, typical, high = (fmt.format(figures[k]) for k in ("minimum", "typical", "maximum"))
    return f"{low}-{high} (typically {typical})"


def start_assessment(gw: Gateway, batch_id: str, batching_mode: str) -> None:
    body = assessment_body(batching_mode)
    headers = {"Idempotency-Key": f"demo-{batch_id}"}
    accepted = gw.call("POST", f"/v1/batches/{batch_id}/assessments", json=body, headers=headers)
    print(f"assessment: requested ({accepted['essay_count']} essays, mock judge, {batching_mode})")


def _print_progress() -> Callable[[dict[str, Any]], None]:
    last = ""

    def show(detail: dict[str, Any]) -> None:
        nonlocal last
        batch = detail["batch"]
        line = f"  status {batch['status']:<10} {batch['progress_percentage']:5.1f}%"
        if line != last:
            print(line, flush=True)
            last = line

    return show


def follow(
    gw: Gateway,
    batch_id: str,
    timeout_s: float,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    poll_s: float = 1.0,
) -> dict[str, Any]:
    """The batch's results once it is final, telling ``on_progress`` (by default: printed status lines)
    each read in between."""
    show = on_progress or _print_progress()
    deadline = time.monotonic() + timeout_s
    detail: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            detail = gw.call("GET", f"/v1/results/batches/{batch_id}")
        except DemoError as exc:
            if "404" not in str(exc):  # the read model has not seen the batch yet
                raise
            time.sleep(poll_s / 2)
            continue
        show(detail)
        batch = detail["batch"]
        # The completed event and the results are two topics, folded independently by the read model, and
        # either marks the job completed: wait for both, the results and the completion's duration and usage.
        results_in = all(essay["result"] is not None for essay in detail["essays"])
        completion_in = (detail.get("current_job") or {}).get("duration_seconds") is not None
        if batch["status"] in FINAL_STATUSES and (batch["status"] != "completed" or (results_in and completion_in)):
            return detail
        time.sleep(poll_s)
    status = detail.get("batch", {}).get("status", "unknown")
    raise DemoError(f"the batch did not finish within {timeout_s:.0f} s; last status: {status}")


def reliability_line(summary: Mapping[str, Any]) -> str:
    """The honest (marginal-likelihood) reliability first: adaptive pairing inflates SSR, so SSR is shown
    only beside it (PITFALLS: a reliability number that adaptive pairing inflates)."""
    ssr = summary.get("reliability_ssr")
    ssr_text = f"{ssr:.2f}" if ssr is not None else "-"
    reliability = summary.get("reliability")
    if reliability is None:
        return f"reliability: - (fewer than the minimum comparisons per essay; SSR {ssr_text})"
    return f"reliability: {reliability:.2f} (marginal likelihood; SSR {ssr_text}, reported only)"


def report(detail: dict[str, Any], essays: list[DemoEssay], estimated: Mapping[str, Any]) -> int:
    batch = detail["batch"]
    if batch["status"] != "completed":
        print(f"assessment {batch['status']}: {detail.get('current_job', {})}")
        return 1
    quality = {e.filename: e.quality for e in essays}
    rows = [e for e in detail["essays"] if not e["is_anchor"] and e["result"]]
    rows.sort(key=lambda e: e["result"]["rank"])
    print(f"\n{'rank':>4}  {'essay':<24} {'grade':<6} {'confidence':<16} {'score':>6} {'SE':>5} {'comps':>5}")
    for essay in rows:
        r = essay["result"]
        confidence = f"{r['confidence']:.2f} ({r['confidence_label']})"
        print(
            f"{r['rank']:>4}  {essay['filename'] or '-':<24} {r['grade'] or '-':<6} {confidence:<16}"
            f" {r['bt_score']:>6.2f} {r['standard_error']:>5.2f} {r['comparison_count']:>5}"
        )
    students = [e for e in detail["essays"] if not e["is_anchor"]]
    if len(rows) != len(students):
        print(f"only {len(rows)} of {len(students)} essays have results")
        return 1
    rho = stats.spearmanr([e["result"]["bt_score"] for e in rows], [quality[e["filename"]] for e in rows]).statistic
    summary = batch.get("result_summary") or {}
    grades = ", ".join(f"{g} {n}" for g, n in (summary.get("grade_distribution") or {}).items() if n)
    print(f"\n{reliability_line(summary)}")
    print(f"grades: {grades}")
    print(f"Spearman rho of the ranking against the essays' hidden quality: {rho:.2f}")
    job = detail.get("current_job") or {}
    print(outcome_lines(job))
    print(estimate_table(estimated, job))
    return 0


def estimate_table(estimated: Mapping[str, Any], job: Mapping[str, Any]) -> str:
    """The estimate given before starting, side by side with what the run really took."""
    usage = job.get("usage") or {}
    actual = {
        "comparisons": job.get("comparisons_completed"),
        "llm_calls": usage.get("llm_calls"),
        "input_tokens": usage.get("input_tokens"),
        "output_tokens": usage.get("output_tokens"),
        "cost_usd": usage.get("cost_usd"),
        "duration_seconds": job.get("duration_seconds"),
    }
    rows = [f"\n{'':<18} {'estimate: min':>14} {'typical':>10} {'max':>10}   {'actual':>10}"]
    for name, value in actual.items():
        figures = estimated[name]
        fmt = "{:,.2f}" if name in ("cost_usd", "duration_seconds") else "{:,}"
        shown = "unknown" if value is None else fmt.format(value)
        cells = " ".join(f"{fmt.format(figures[k]):>10}" for k in ("minimum", "typical", "maximum"))
        rows.append(f"{name:<18} {'':>4}{cells}   {shown:>10}")
    return "\n".join(rows)


def outcome_lines(job: Mapping[str, Any]) -> str:
    """Why the job stopped and what it cost, as the read model has it (the mock judge costs 0.00)."""
    lines = [f"stopped: {job.get('stop_reason') or '-'} ({job.get('stop_detail') or 'no detail'})"]
    if job.get("partial"):
        lines.append(f"partial results: {job.get('partial_reason')}")
    usage = job.get("usage")
    model = job.get("model_used") or {}
    if usage is None:
        lines.append("cost: unknown (no usage reported)")
    else:
        cost = usage["cost_usd"]
        lines.append(
            f"cost: {usage['llm_calls']} LLM calls to {model.get('provider', '?')}/{model.get('model', '?')}, "
            f"{_count(usage['input_tokens'])} input and {_count(usage['output_tokens'])} output tokens, "
            f"USD {'unknown' if cost is None else f'{cost:.2f}'}, "
            f"{job.get('comparisons_completed')} comparisons in {job.get('duration_seconds') or 0:.0f} s"
        )
    return "\n".join(lines)


def dashboard_lines(gw: Gateway, batch_id: str) -> str:
    """Where to read the batch in the browser, and how to sign in there (the dev demo teacher)."""
    try:
        page = gw.http.get("/", headers={"Accept": "text/html"})
        served = page.status_code == 200 and "text/html" in page.headers.get("content-type", "")
    except httpx.HTTPError:
        served = False
    if not served:
        return f"\ndashboard: not served at {gw.base_url}/ (build it with `pdm run fe-build`; it needs Node 20 and npm)"
    return (
        f"\ndashboard: {gw.base_url}/  (this batch: {gw.base_url}/batches/{batch_id})\n"
        f"sign in as {DEMO_EMAIL} with the password {DEMO_PASSWORD}"
    )


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essays", type=int, default=12, help="student essays in the batch (default 12)")
    parser.add_argument("--mode", default="serial_bundle", choices=["per_request", "serial_bundle"])
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the results")
    args = parser.parse_args(argv)
    gw = Gateway(gateway_url(), timeout_s=30.0)
    essays = student_essays(args.essays)
    try:
        profile = sign_in(gw)
        print(f"signed in through the gateway ({gw.base_url}) as {profile['display_name']} <{profile['email']}>")
        assignment_id = demo_assignment(gw)
        batch_id = create_batch(gw, assignment_id, essays)
        estimated = estimate(gw, batch_id, args.mode)
        start_assessment(gw, batch_id, args.mode)
        outcome = report(follow(gw, batch_id, args.timeout), essays, estimated)
        print(dashboard_lines(gw, batch_id))
        return outcome
    except DemoError as exc:
        print(f"demo: ERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
