"""``python -m scripts.observability {render,up,down}``: the pdm obs-* scripts call this."""

from __future__ import annotations

import argparse
import sys

from scripts.devstack.__main__ import exclusive
from scripts.devstack.procs import DevstackError
from scripts.devstack.settings import REPO_ROOT, DevstackSettings
from scripts.devstack.state import load_state, save_state
from scripts.observability import prometheus_server
from scripts.observability.render import write_checked_in


def cmd_render() -> int:
    written = write_checked_in()
    for path in written:
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    if not written:
        print("observability/prometheus is up to date")
    return 0


def cmd_up(settings: DevstackSettings) -> int:
    print(f"observability: starting Prometheus (state in {settings.state_dir})")
    with exclusive(settings):
        state = load_state(settings)
        state[prometheus_server.STATE_KEY] = prometheus_server.up(settings, state.get(prometheus_server.STATE_KEY, {}))
        save_state(settings, state)
    port = int(state[prometheus_server.STATE_KEY]["port"])
    # Exit 1 when a target is down, so `obs-up` doubles as a check that the whole stack is scraped.
    return 0 if prometheus_server.print_summary(port, settings.startup_timeout) else 1


def cmd_down(settings: DevstackSettings) -> int:
    with exclusive(settings):
        state = load_state(settings)
        prometheus_server.down(state.pop(prometheus_server.STATE_KEY, {}))
        save_state(settings, state)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="observability", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("render", help="rewrite the generated Prometheus configs and the budget rule")
    sub.add_parser("up", help="start Prometheus against the dev stack and print its targets and rules")
    sub.add_parser("down", help="stop the Prometheus that obs-up started")
    args = parser.parse_args(argv)
    if args.command == "render":
        return cmd_render()
    settings = DevstackSettings.from_env()
    try:
        return cmd_up(settings) if args.command == "up" else cmd_down(settings)
    except DevstackError as exc:
        print(f"observability: ERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
