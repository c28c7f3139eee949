"""Pipeline benchmark: whole assessments through the running stack, by batch size.

``pdm run bench-pipeline [--sizes 30,300,2000] [--mode serial_bundle]`` assesses a generated batch of
each size through the gateway with the mock judge (run the stack with its default zero latency),
exactly as a teacher's client would, and prints per size:

- the time from the start request to every result in the read model, and how long the upload took;
- comparisons per second through the whole pipeline (CJ plans, LPS judges, CJ records and refits,
  RAS folds), and the waves it took;
- the CJ time per wave decision (refit, stopping rule, next plan), mean and total, from
  ``cj_wave_decision_seconds``;
- the peak resident memory of each service process during the run (sampled from /proc).

Figures, not assertions: the machine is shared and noisy, so compare sizes within one run.
The content service must accept a batch of the largest size (``CONTENT_SERVICE_MAX_ESSAYS_PER_BATCH``).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from scripts.demo import run_demo
from scripts.demo.essays import student_essays
from scripts.devstack.settings import DevstackSettings
from scripts.devstack.state import load_state

CJ = "cj_assessment_service"
SAMPLE_EVERY_S = 0.5


@dataclass
class MemoryWatch:
    """Peak RSS per service process (with its children), sampled in a thread while a run goes on."""

    pids: dict[str, int]
    peak_mb: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemoryWatch:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), _tree_rss_mb(pid))
            self._stop.wait(SAMPLE_EVERY_S)


def _tree_rss_mb(pid: int) -> float:
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        todo.extend(int(child) for child in children)
    return total_kb / 1024


def _histogram(url: str, name: str) -> tuple[float, float]:
    """(sum, count) of a histogram at a service's /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10.0).text
    total = count = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == f"{name}_sum":
                total += sample.value
            elif sample.name == f"{name}_count":
                count += sample.value
    return total, count


@dataclass(frozen=True)
class RunFigures:
    essays: int
    upload_s: float
    to_results_s: float
    comparisons: int
    waves: int
    decision_total_s: float
    decision_mean_s: float
    peak_mb: dict[str, float]

    @property
    def comparisons_per_s(self) -> float:
        return self.comparisons / self.to_results_s if self.to_results_s > 0 else 0.0


def run_one(gw: run_demo.Gateway, assignment_id: str, size: int, mode: str, timeout_s: float) -> RunFigures:
    state = load_state(DevstackSettings.from_env())
    pids = {name: int(entry["pid"]) for name, entry in state.get("services", {}).items()}
    cj = run_demo.service_url(CJ)
    essays = student_essays(count=size, seed=9000 + size)
    uploading = time.monotonic()
    batch_id = run_demo.create_batch(gw, assignment_id, essays)
    upload_s = time.monotonic() - uploading
    decided_before = _histogram(cj, "cj_wave_decision_seconds")
    with MemoryWatch(pids) as memory:
        started = time.monotonic()
        run_demo.start_assessment(gw, batch_id, mode)
        detail = run_demo.follow(gw, batch_id, timeout_s, on_progress=lambda _detail: None)
        to_results_s = time.monotonic() - started
    if detail["batch"]["status"] != "completed":
        raise run_demo.DemoError(f"the {size}-essay batch ended {detail['batch']['status']}")
    decided_after = _histogram(cj, "cj_wave_decision_seconds")
    waves = int(decided_after[1] - decided_before[1])
    decision_total = decided_after[0] - decided_before[0]
    return RunFigures(
        essays=size,
        upload_s=upload_s,
        to_results_s=to_results_s,
        comparisons=int(detail["current_job"]["comparisons_completed"]),
        waves=waves,
        decision_total_s=decision_total,
        decision_mean_s=decision_total / waves if waves else 0.0,
        peak_mb=dict(memory.peak_mb),
    )


def table(runs: list[RunFigures]) -> str:
    lines = [
        f"{'essays':>7} {'upload s':>9} {'start->results s':>17} {'comparisons':>12} {'comp/s':>8} {'waves':>6}"
        f" {'decision mean s':>16} {'decision total s':>17}"
    ]
    for r in runs:
        lines.append(
            f"{r.essays:>7,} {r.upload_s:>9.1f} {r.to_results_s:>17.1f} {r.comparisons:>12,}"
            f" {r.comparisons_per_s:>8.1f}"
            f" {r.waves:>6} {r.decision_mean_s:>16.3f} {r.decision_total_s:>17.1f}"
        )
    services = sorted({name for r in runs for name in r.peak_mb})
    lines.append("\npeak RSS during the run, MB")
    lines.append(f"{'essays':>7} " + " ".join(f"{name.removesuffix('_service'):>18}" for name in services))
    for r in runs:
        lines.append(f"{r.essays:>7,} " + " ".join(f"{r.peak_mb.get(name, 0.0):>18.0f}" for name in services))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,300,2000", help="batch sizes, comma-separated (default 30,300,2000)")
    parser.add_argument("--mode", default="serial_bundle", choices=["per_request", "serial_bundle"])
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for one batch's results")
    args = parser.parse_args(argv)
    try:
        sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    except ValueError:
        print(f"bench-pipeline: --sizes takes whole numbers, e.g. 30,300,2000; not {args.sizes!r}", file=sys.stderr)
        return 2
    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    try:
        run_demo.sign_in(gw)
        assignment_id = run_demo.demo_assignment(gw)
        runs = []
        for size in sizes:
            print(f"\n{size:,} essays ({args.mode}, mock judge):", flush=True)
            runs.append(run_one(gw, assignment_id, size, args.mode, args.timeout))
    except run_demo.DemoError as exc:
        print(f"bench-pipeline: ERROR: {exc}", file=sys.stderr)
        return 1
    print("\n" + table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
