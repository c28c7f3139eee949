"""``pdm run eng5-run``: plan, execute and compare ENG5 runs through the public API (docs/eng5-runner.md).

Exit status: 0 done; 1 the platform failed or a run did not complete with a result for every essay;
2 bad input (files, grades, settings), listed before anything is sent.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from huleedu_service_libs.errors import ValidationFailedError
from scripts.demo import run_demo
from scripts.demo.run_demo import DEMO_EMAIL, DEMO_PASSWORD, DemoError, Gateway, gateway_url
from scripts.eng5 import client, report_html, report_json
from scripts.eng5.demo_set import demo_paths
from scripts.eng5.estimate_local import LOCAL_NOTE, estimate_locally
from scripts.eng5.inputs import BatchingMode, InputPaths, RunInputs, RunSettings, read_inputs
from scripts.eng5.report_json import RANGE_FIGURES, Report

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()
BAD_INPUT = 2
FAILED = 1

Essays = Annotated[Path | None, typer.Option(help="Folder of student essays (.txt, .docx, .pdf).")]
Anchors = Annotated[Path | None, typer.Option(help="Folder of anchor essays; each file's name is its label.")]
AnchorsCsv = Annotated[Path | None, typer.Option("--anchors-csv", help="CSV label,grade (eng5_np grades).")]
Instructions = Annotated[Path | None, typer.Option(help="The judge's instructions (text or Markdown).")]
Rubric = Annotated[Path | None, typer.Option(help="The rubric (text or Markdown).")]
Prompt = Annotated[Path | None, typer.Option("--prompt", help="The task the students answered (optional).")]
Demo = Annotated[bool, typer.Option("--demo", help="Use the runner's own demo set (scripts/eng5/demo_set).")]
Provider = Annotated[str, typer.Option(help="LLM provider (GET /v1/models lists them).")]
Model = Annotated[str, typer.Option(help="Model of the provider.")]
Mode = Annotated[BatchingMode, typer.Option("--mode", help="Batching mode.")]
MaxPerEssay = Annotated[int, typer.Option(min=1, max=200, help="Budget: most comparisons per essay.")]
Target = Annotated[float, typer.Option(min=0.0, max=1.0, help="Budget: stop at this reliability.")]
Email = Annotated[str, typer.Option(envvar="HULEEDU_EMAIL", help="Teacher to sign in as.")]
Password = Annotated[str, typer.Option(envvar="HULEEDU_PASSWORD", help="Their password.", show_default=False)]
Out = Annotated[Path, typer.Option("--out", help="Folder for the JSON and HTML reports.")]
Timeout = Annotated[float, typer.Option(help="Seconds to wait for a run's results.")]


class BadInputError(Exception):
    """Input problems, one per line, found before anything was sent."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    """Where the essays, anchors, instructions and rubric are read from."""

    essays: Essays = None
    anchors: Anchors = None
    anchors_csv: AnchorsCsv = None
    instructions: Instructions = None
    rubric: Rubric = None
    prompt: Prompt = None
    demo: Demo = False

    def read(self) -> RunInputs:
        return _read(self.paths())

    def paths(self) -> InputPaths:
        if self.demo:
            return demo_paths()
        essays, anchors, anchors_csv = self.essays, self.anchors, self.anchors_csv
        if essays and anchors and anchors_csv and self.instructions and self.rubric:
            return InputPaths(essays, anchors, anchors_csv, self.instructions, self.rubric, self.prompt)
        given = {"--essays": essays, "--anchors": anchors, "--anchors-csv": anchors_csv}
        given |= {"--instructions": self.instructions, "--rubric": self.rubric}
        missing = [name for name, value in given.items() if value is None]
        raise BadInputError([f"missing {', '.join(missing)} (or use --demo)"])


@dataclass(frozen=True)
class Budget:
    max_comparisons_per_essay: MaxPerEssay = 10
    target_reliability: Target = 0.8


@dataclass(frozen=True)
class Judge:
    provider: Provider = "mock"
    model: Model = "mock-judge"
    mode: Mode = BatchingMode.SERIAL_BUNDLE

    def settings(self, budget: Budget) -> RunSettings:
        return RunSettings(
            self.provider, self.model, self.mode, budget.max_comparisons_per_essay, budget.target_reliability
        )


@dataclass(frozen=True)
class Session:
    """Who signs in, how long to wait for a run, and where its reports go."""

    email: Email = DEMO_EMAIL
    password: Password = DEMO_PASSWORD
    out: Out = Path("eng5-report")
    timeout: Timeout = 600.0

    def sign_in(self) -> Gateway:
        return _sign_in(self.email, self.password)


OPTION_GROUPS: tuple[type, ...] = (Source, Judge, Budget, Session)


def _command(name: str | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Registers a command with typer, a parameter typed as one of OPTION_GROUPS standing for that group's
    options (with the parameter's default, if any, as their defaults): --help lists them in its place, and the
    command receives the group built from them. Each command so declares only the options that are its own."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        hints = get_type_hints(func, include_extras=True)
        options: list[inspect.Parameter] = []
        groups: dict[str, type] = {}
        for param in inspect.signature(func).parameters.values():
            kind = hints[param.name]
            if kind not in OPTION_GROUPS:
                options.append(_option(param.name, kind, param.default))
                continue
            groups[param.name] = kind
            defaults = kind() if param.default is param.empty else param.default
            kind_hints = get_type_hints(kind, include_extras=True)
            options += [_option(f.name, kind_hints[f.name], getattr(defaults, f.name)) for f in fields(kind)]

        def command(**given: Any) -> None:
            for param_name, group in groups.items():
                given[param_name] = group(**{f.name: given.pop(f.name) for f in fields(group)})
            func(**given)

        command.__name__, command.__doc__ = func.__name__, func.__doc__
        command.__signature__ = inspect.Signature(options)  # type: ignore[attr-defined]
        app.command(name)(command)
        return func

    return register


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


def _read(paths: InputPaths) -> RunInputs:
    inputs = read_inputs(paths)
    if not inputs.ok:
        raise BadInputError(inputs.problems)
    console.print(
        f"inputs: {len(inputs.essays)} essays, {len(inputs.anchors)} anchors "
        f"({', '.join(sorted({a.grade for a in inputs.anchors}))}), instructions and rubric read"
    )
    return inputs


def _run_command(body: Any) -> None:
    """Runs a command's body, turning known failures into a message and an exit status (no traceback)."""
    try:
        body()
    except BadInputError as exc:
        console.print("[bold red]input problems[/] (nothing was sent):")
        for problem in exc.problems:
            console.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(BAD_INPUT) from None
    except DemoError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(FAILED) from None


def _range_table(found: Report, actual: Report | None = None) -> Table:
    table = Table("", "minimum", "typical", "maximum", *(["actual"] if actual else []))
    for name in RANGE_FIGURES:
        fmt = "{:,.2f}" if name in ("cost_usd", "duration_seconds") else "{:,}"
        cells = [fmt.format(found[name][k]) for k in ("minimum", "typical", "maximum")]
        if actual is not None:
            value = actual.get(name)
            cells.append("-" if value is None else fmt.format(value))
        table.add_row(name, *cells)
    return table


@_command()
def plan(source: Source, judge: Judge, budget: Budget) -> None:
    """Check every input and print the estimate; sends nothing and creates nothing."""
    settings = judge.settings(budget)

    def body() -> None:
        inputs = source.read()
        with console.status("estimating (simulating the job's loop) ..."):
            try:
                found = estimate_locally(inputs, settings).model_dump(mode="json")
            except ValidationFailedError as exc:
                raise BadInputError([f"settings: {exc.message}"]) from None
        console.print(f"estimate for {settings.describe()}, {found['waves']['typical']} waves typically:")
        console.print(_range_table(found))
        console.print(LOCAL_NOTE, style="dim")

    _run_command(body)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def _sign_in(email: str, password: str) -> Gateway:
    gw = Gateway(gateway_url(), timeout_s=60.0)

    def waiting(seconds: float) -> None:
        console.print(f"sign-in limit reached at the gateway; trying again in {seconds:.0f} s")

    profile = run_demo.sign_in(gw, email, password, waiting)
    console.print(f"signed in at {gw.base_url} as {profile['display_name']} <{profile['email']}>")
    return gw


def _execute(gw: Gateway, inputs: RunInputs, settings: RunSettings, timeout_s: float, tag: str) -> Report:
    """One run end to end: assignment with anchors, batch, uploads, estimate, start, follow, collect."""
    title = f"ENG5 run {tag} {time.strftime('%Y-%m-%d %H:%M:%S')} ({settings.describe()})"
    assignment_id = client.create_assignment(gw, inputs, title)
    batch_id = client.create_batch(gw, assignment_id, title)
    console.print(f"assignment {assignment_id} ({len(inputs.anchors)} anchors), batch {batch_id}")
    with _progress() as progress:
        uploading = progress.add_task("uploading essays", total=len(inputs.essays))
        client.upload(gw, batch_id, inputs.essays, lambda sent, _total: progress.update(uploading, completed=sent))
    found = client.estimate(gw, batch_id, settings)
    estimate = report_json.estimate_section(found, "gateway")
    console.print(
        f"estimate: {found['comparisons']['typical']} comparisons, {found['llm_calls']['typical']} LLM calls, "
        f"USD {found['cost_usd']['typical']:.2f} typically"
    )
    client.start(gw, batch_id, settings)
    with _progress() as progress:
        judging = progress.add_task(f"assessing ({settings.batching_mode.value})", total=100)

        def show(detail: dict[str, Any]) -> None:
            job = detail.get("current_job") or {}
            done = job.get("comparisons_done") or 0
            status = detail["batch"]["status"]
            progress.update(
                judging,
                completed=detail["batch"]["progress_percentage"],
                description=f"{status}: {done} comparisons",
            )

        detail = run_demo.follow(gw, batch_id, timeout_s, show)
        ids = [row["essay_id"] for row in detail["essays"]]
        collecting = progress.add_task("collecting comparisons", total=len(ids))
        pairs = client.comparisons(gw, batch_id, ids, lambda: progress.advance(collecting))
    return report_json.run_report(
        settings=settings,
        inputs=inputs,
        estimate=estimate,
        assignment_id=assignment_id,
        detail=detail,
        comparisons=pairs,
    )


def _complete(report: Report) -> bool:
    return report["job"]["status"] == "completed" and all(e["rank"] is not None for e in report["essays"])


def _summarise(report: Report) -> None:
    job, usage = report["job"], report.get("usage") or {}
    table = Table("rank", "essay", "grade", "score", "SE", "comps")
    for e in report["essays"]:
        score = "-" if e["bt_score"] is None else f"{e['bt_score']:.2f}"
        se = "-" if e["standard_error"] is None else f"{e['standard_error']:.2f}"
        table.add_row(str(e["rank"]), e["filename"], e["grade"] or "-", score, se, str(e["comparison_count"]))
    console.print(table)
    console.print(f"status {job['status']}; stopped: {job['stop_reason']} ({job['stop_detail']})")
    console.print(
        f"{job['comparisons_completed']} comparisons, {usage.get('llm_calls')} LLM calls, "
        f"{usage.get('input_tokens')} input / {usage.get('output_tokens')} output tokens, "
        f"USD {usage.get('cost_usd')}, {job['duration_seconds'] or 0:.1f} s"
    )


def _write_run(report: Report, out: Path) -> None:
    report_json.write(report, out / "report.json")
    report_html.write(report_html.run_html(report), out / "report.html")
    console.print(f"reports: {out / 'report.json'}, {out / 'report.html'}")


@_command()
def execute(source: Source, judge: Judge, budget: Budget, session: Session) -> None:
    """Create the assignment with anchors and the batch, upload, assess, follow, and write the reports."""
    settings = judge.settings(budget)

    def body() -> None:
        inputs = source.read()
        report = _execute(session.sign_in(), inputs, settings, session.timeout, "execute")
        _write_run(report, session.out)
        _summarise(report)
        if not _complete(report):
            raise DemoError("the run did not complete with a result for every essay")

    _run_command(body)


@_command()
def compare(
    source: Source,
    provider: Provider = "mock",
    model_a: Annotated[str, typer.Option(help="Run A's model.")] = "mock-judge",
    model_b: Annotated[str | None, typer.Option(help="Run B's model (default: run A's).")] = None,
    mode_a: Annotated[BatchingMode, typer.Option(help="Run A's batching mode.")] = BatchingMode.PER_REQUEST,
    mode_b: Annotated[BatchingMode, typer.Option(help="Run B's batching mode.")] = BatchingMode.SERIAL_BUNDLE,
    budget: Budget = Budget(),
    session: Session = Session(out=Path("eng5-compare")),
) -> None:
    """Run the same essays under two settings and report how far the two rankings agree."""
    first = Judge(provider, model_a, mode_a).settings(budget)
    second = replace(first, model=model_b or model_a, batching_mode=mode_b)

    def body() -> None:
        if first == second:
            raise BadInputError(["the two runs have the same settings: change --model-b or --mode-b"])
        inputs, out = source.read(), session.out
        gw = session.sign_in()
        runs = []
        for tag, settings in (("A", first), ("B", second)):
            console.print(f"[bold]run {tag}[/]: {settings.describe()}")
            run = _execute(gw, inputs, settings, session.timeout, tag)
            _write_run(run, out / tag.lower())
            runs.append(run)
        result = report_json.compare_report(runs[0], runs[1], (first.describe(), second.describe()))
        report_json.write(result, out / "compare.json")
        report_html.write(report_html.compare_html(result), out / "compare.html")
        table = Table("", first.describe(), second.describe())
        for row in result["side_by_side"]:
            table.add_row(row["measure"], *(_measure(v) for v in (row["a"], row["b"])))
        console.print(table)
        console.print("agreement: " + ", ".join(f"{k} {_fmt(v)}" for k, v in result["agreement"].items()))
        console.print(f"reports: {out / 'compare.json'}, {out / 'compare.html'}")
        if not all(_complete(run) for run in runs):
            raise DemoError("a run did not complete with a result for every essay")

    _run_command(body)


def _measure(value: float | None) -> str:
    """Counts as whole numbers, fractions (cost, seconds, reliability) to three places."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3f}"


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


@_command("anchor-align")
def anchor_align(
    report: Annotated[
        Path | None, typer.Option("--report", help="A run's report.json to read instead of running anew.")
    ] = None,
    source: Source = Source(),
    judge: Judge = Judge(),
    budget: Budget = Budget(),
    session: Session = Session(out=Path("eng5-anchor-align")),
) -> None:
    """How well the scale recovers the anchors' known grades: from --report, or from a fresh run."""
    settings = judge.settings(budget)

    def body() -> None:
        out = session.out
        if report is not None:
            origin, run = str(report), _load_run(report)
        else:
            inputs = source.read()
            run = _execute(session.sign_in(), inputs, settings, session.timeout, "anchor-align")
            _write_run(run, out / "run")
            origin = str(out / "run" / "report.json")
        result = report_json.alignment_report(origin, run)
        report_json.write(result, out / "anchor-align.json")
        report_html.write(report_html.alignment_html(result), out / "anchor-align.html")
        _print_alignment(result["anchor_alignment"])
        console.print(f"reports: {out / 'anchor-align.json'}, {out / 'anchor-align.html'}")

    _run_command(body)


def _load_run(path: Path) -> Report:
    try:
        loaded = report_json.read(path)
        report_json.validate(loaded)
    except (OSError, ValueError) as exc:
        raise BadInputError([f"--report {path}: not a readable run report ({str(exc).splitlines()[0]})"]) from None
    if loaded.get("kind") != "run":
        raise BadInputError([f"--report {path}: a report of kind {loaded.get('kind')!r}; give a run's report.json"])
    return loaded


def _print_alignment(alignment: Report) -> None:
    table = Table("anchor", "known", "projected", "steps off", "score")
    for a in alignment["anchors"]:
        table.add_row(
            a["label"], a["known_grade"], a["projected_grade"] or "-", _fmt(a["steps_off"]), _fmt(a["bt_score"])
        )
    console.print(table)
    console.print(f"Kendall tau (known grade order vs score order): {_fmt(alignment['kendall_tau'])}")
    inverted = ", ".join(f"{i['lower']} above {i['higher']}" for i in alignment["inversions"]) or "none"
    console.print(f"inversions: {inverted}", highlight=False)


def main() -> None:
    # Rich draws for a terminal; in a pipe (CI, tests) it falls back to plain lines.
    os.environ.setdefault("COLUMNS", "120")
    app()
