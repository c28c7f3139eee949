"""Teacher dashboard benchmark: the batch page of a large batch in a real browser, on the dev stack.

``pdm run bench-dashboard [--essays 200] [--rounds 5] [--batch BATCH_ID]``

1. Signs in as the demo teacher and, unless ``--batch`` names an assessed batch of theirs, builds
   one with ``--essays`` generated essays assessed by the mock judge (as ``bench-bff`` does).
2. Opens the batch page in Debian's chromium (playwright-core, ``frontend/e2e/bench-batch-page.mjs``)
   and, ``--rounds`` times, goes to the dashboard and back, timing how long the page takes to show
   every essay row, and how long the table's search takes to answer a keystroke.
3. Prints the figures beside the issue's budget (interactive within 1 s). Nothing is asserted: the
   machine is shared and noisy. (The initial JS size is printed by every build: ``npm run build``.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

from scripts.bench.bench_bff import build_batch
from scripts.demo import run_demo
from scripts.frontend import FRONTEND

BUDGET_MS = 1000.0


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise SystemExit("bench-dashboard: Debian's chromium is needed (sudo apt-get install chromium)")
    return found


def summary(name: str, times: list[int]) -> str:
    mark = "ok" if max(times) < BUDGET_MS else "over"
    return (
        f"{name:<34} median {statistics.median(times):6.0f} ms   worst {max(times):6.0f} ms   "
        f"({mark}: budget {BUDGET_MS:.0f} ms)   rounds: {', '.join(str(t) for t in times)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--essays", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", help="an assessed batch of the demo teacher to measure instead of a new one")
    args = parser.parse_args(argv)

    gw = run_demo.Gateway(run_demo.gateway_url(), timeout_s=120.0)
    run_demo.sign_in(gw)
    batch_id = args.batch or build_batch(gw, args.essays)
    essays = len(gw.call("GET", f"/bff/v1/teacher/batches/{batch_id}")["essays"])
    print(f"measuring the batch page of {batch_id} ({essays} essays) in chromium, {args.rounds} rounds")
    env = {
        **os.environ,
        "BASE_URL": gw.base_url,
        "TEACHER_EMAIL": run_demo.DEMO_EMAIL,
        "TEACHER_PASSWORD": run_demo.DEMO_PASSWORD,
        "BATCH_ID": batch_id,
        "ESSAYS": str(essays),
        "ROUNDS": str(args.rounds),
        "CHROMIUM": chromium(),
    }
    result = subprocess.run(
        ["node", "e2e/bench-batch-page.mjs"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        print(result.stdout + result.stderr, file=sys.stderr)
        return 1
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(summary("batch page shown (Back to all rows)", figures["shown_ms"]))
    print(summary("search answers a keystroke", figures["search_ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
