"""Command line: a thin layer over the library that owns printing and exit codes."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sourcing import interrupts
from sourcing.errors import (
    InfeasibleError,
    InstanceError,
    NoSolutionError,
    OutputError,
    SourcingError,
    UsageError,
)
from sourcing.instance.io import DEFAULT_INSTANCE, load_instance
from sourcing.instance.overrides import MAX_POINTS
from sourcing.output import outdir

if TYPE_CHECKING:  # the command line imports what a command uses when it runs
    import pandas as pd
    from rich.console import Console

    from sourcing.explain.results import Results
    from sourcing.instance.schema import Instance
    from sourcing.output.studies import StudyLabels
    from sourcing.solver import SolveOptions

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
SEED_MAX = 2**31 - 1  # HiGHS's random seed is a non-negative 32-bit integer
STATUS_EXIT = {
    "optimal": EXIT_OK,
    "feasible": EXIT_OK,
    "infeasible": EXIT_INFEASIBLE,
    "no_solution": EXIT_NO_SOLUTION,
}


def _fail(message: str, code: int, document: dict[str, Any] | None = None) -> None:
    """Say what went wrong on stderr and exit; with --format json, also print `document`
    (one JSON object) on stdout, so that a script always gets one."""
    if document is not None:
        click.echo(json.dumps(document))
    click.echo(message, err=True)
    _exit(code)


def _exit(code: int) -> None:
    interrupts.ignore_from_now()
    sys.exit(code)


def _error_document(exc: BaseException, status: str) -> dict[str, Any]:
    """The JSON object printed for a run that ends without results: status, message, and the
    problems (file, field path, reason) of an invalid instance or the diagnosis."""
    if isinstance(exc, KeyboardInterrupt):
        message = interrupts.describe(exc)
    elif isinstance(exc, SourcingError):
        message = str(exc)
    else:
        message = f"internal error: {type(exc).__name__}: {exc}"
    document: dict[str, Any] = {"status": status, "message": message}
    if isinstance(exc, InstanceError):
        document["errors"] = [
            {"file": exc.source, "path": problem.path, "message": problem.message}
            for problem in exc.problems
        ]
    if isinstance(exc, InfeasibleError):
        document["diagnosis"] = exc.diagnosis
    return document


def _failure(exc: BaseException) -> tuple[str, str, int]:
    """How a run that raised `exc` ends: its status, message and exit code."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", interrupts.describe(exc), interrupts.exit_code(exc)
    if isinstance(exc, InstanceError):
        return "invalid", f"error: invalid instance\n{exc}", EXIT_INVALID
    if isinstance(exc, OutputError):
        return "error", f"error: {exc}", EXIT_INVALID
    if isinstance(exc, UsageError):
        return "invalid", f"error: {exc}", EXIT_INVALID
    if isinstance(exc, InfeasibleError):
        return "infeasible", f"infeasible: {exc}", EXIT_INFEASIBLE
    if isinstance(exc, NoSolutionError):
        return "no_solution", f"no solution: {exc}", EXIT_NO_SOLUTION
    if isinstance(exc, SourcingError):
        return "error", f"error: {exc}", EXIT_ERROR
    message = f"internal error: {type(exc).__name__}: {exc}\n(run with --debug for a traceback)"
    return "error", message, EXIT_ERROR


def guarded(command: Callable[..., int]) -> Callable[..., None]:
    """Run a command; map library errors to exit codes; tracebacks only with --debug.

    With `--format json`, a run that ends without results still prints one JSON object on
    stdout: {"status": "invalid" | "infeasible" | "no_solution" | "error" | "interrupted",
    "message": ..., "errors": [...] or "diagnosis": {...}}.
    """

    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except (Exception, KeyboardInterrupt) as exc:
            if debug and not isinstance(exc, KeyboardInterrupt):
                traceback.print_exc()
            status, message, code = _failure(exc)
            document = _error_document(exc, status) if kwargs.get("fmt") == "json" else None
            _fail(message, code, document)
        _exit(code)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


debug_option = click.option("--debug", is_flag=True, help="Show a traceback on errors.")


class Number(click.FloatRange):
    """A finite number within a range (click's FloatRange lets `nan` and `inf` through)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def _at_most_cores(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    """Cap a count of threads or processes at the machine's cores, saying so."""
    cores = os.cpu_count() or 1
    if value is not None and value > cores:
        click.echo(
            f"note: --{param.name} {value} is more than the {cores} cores here; using {cores}",
            err=True,
        )
        return cores
    return value


def _wants_json(args: list[str]) -> bool:
    """Whether command-line arguments ask for `--format json`."""
    return "--format=json" in args or any(
        a == "--format" and b == "json" for a, b in itertools.pairwise(args)
    )


class _Commands(click.Group):
    """The command group: with `--format json`, a bad option or argument also prints one JSON
    object on stdout ({"status": "invalid", "message": ...}), as every other failure does."""

    def invoke(self, ctx: click.Context) -> Any:
        arguments = list(ctx.args)
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if _wants_json(arguments):
                click.echo(json.dumps({"status": "invalid", "message": exc.format_message()}))
            raise


@click.group(
    name="sourcing", cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(package_name="sourcing")
def main() -> None:
    """Semiconductor sourcing under de-risking caps, alliance floors and export controls."""


def solver_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every solving command shares."""
    options = [
        click.option(
            "--time-limit",
            type=Number(min=0, min_open=True),
            help="Seconds the whole run may take (loading, building, searching, checking); "
            "it then reports the best plan found.",
        ),
        click.option(
            "--mip-gap",
            type=Number(0, 1, max_open=True),
            default=1e-6,
            show_default=True,
            help="Relative optimality gap at which to stop.",
        ),
        click.option(
            "--threads",
            type=click.IntRange(min=1),
            callback=_at_most_cores,
            help="Threads for HiGHS (at most the machine's cores).",
        ),
        click.option(
            "--seed",
            type=click.IntRange(0, SEED_MAX),
            default=0,
            show_default=True,
            help="HiGHS random seed.",
        ),
        click.option(
            "--verbose", "-v", is_flag=True, help="Solver log on stderr; timings in the table."
        ),
        click.option(
            "--what-if",
            "whatifs",
            multiple=True,
            metavar="NAME",
            help="Apply a named what-if from INSTANCE's .whatifs.yaml file (repeatable).",
        ),
        click.option(
            "--survive",
            type=Number(0, 1),
            help="Require that a full outage of any one region leaves at most this share of "
            "demand unmet (same as `resilience: {max_outage_shortage: SHARE}`).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Table for reading, JSON for scripts (on stdout, nothing else there).",
)
instance_argument = click.argument(
    "instance", required=False, type=click.Path(dir_okay=False, path_type=Path)
)


def _console() -> Console:
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=120)


def _run_clock(settings: SolveOptions) -> SolveOptions:
    """`settings` with the clock of the time limit started when the command started (see
    `sourcing.__main__.run`), or now."""
    context = click.get_current_context(silent=True)
    started = ((context.find_root().obj if context else None) or {}).get("started")
    if started is None or settings.time_limit is None:
        return settings.started()
    return replace(settings, deadline=started + settings.time_limit)


def _load(instance: Path | None, whatifs: tuple[str, ...], survive: float | None) -> Instance:
    """Load INSTANCE, then apply the named what-ifs and --survive."""
    from sourcing.instance.overrides import apply_whatifs, whatif_file_for

    loaded = load_instance(instance)
    if whatifs:
        path = DEFAULT_INSTANCE if instance is None else instance
        loaded = apply_whatifs(loaded, whatifs, whatif_file_for(path))
    if survive is not None:
        loaded = loaded.replace(resilience={"max_outage_shortage": survive})
    return loaded


def _solve(
    instance: Path | None, whatifs: tuple[str, ...], survive: float | None, **options: Any
) -> tuple[Instance, Results, SolveOptions]:
    """Load (see `_load`), solve; with a resilience requirement, also price it.

    The time limit counts from the start of the command: loading, solving and pricing share
    it. Also returns the solver settings with that clock running, for the work that follows
    (a stress table).
    """
    from sourcing.api import solve_with
    from sourcing.explain.results import empty_results
    from sourcing.solver import SolveOptions

    settings = _run_clock(SolveOptions.from_keywords(options))
    policy_costs = bool(options.get("policy_costs"))
    clock = time.perf_counter()
    loaded = _load(instance, whatifs, survive)
    load_seconds = time.perf_counter() - clock
    if settings.expired():
        message = f"no plan found: {settings.time_up(' while loading')}"
        results = empty_results(loaded, "no_solution", message=message)
    else:
        results = solve_with(loaded, settings, policy_costs=policy_costs, resilience_cost=True)
    results = replace(results, timings={"load": load_seconds, **results.timings})
    return loaded, results, settings


@main.command()
@instance_argument
@format_option
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write flows.csv, shares.csv, summary.json, ... into this directory.",
)
@solver_options
@click.option(
    "--policy-costs",
    is_flag=True,
    help="Also re-solve without each policy in turn: the total cost of having it.",
)
@debug_option
@guarded
def solve(
    instance: Path | None,
    fmt: str,
    output: Path | None,
    survive: float | None,
    whatifs: tuple[str, ...],
    verbose: bool,
    **options: Any,
) -> int:
    """Solve INSTANCE (default: the bundled EU-Japan instance) and report the plan."""
    from sourcing.explain.results import OUTPUT_FILES
    from sourcing.output.terminal import render

    if output is not None:
        outdir.check(output, OUTPUT_FILES)
    _, results, _ = _solve(instance, whatifs, survive, verbose=verbose, **options)
    if output is not None:
        results.to_dir(output)
    if fmt == "json":
        click.echo(json.dumps(results.to_dict()))
    else:
        render(results, _console(), verbose=verbose)
        if output is not None:
            click.echo(f"results written to {output}/")
    return STATUS_EXIT[results.status]


@main.command()
@instance_argument
@format_option
@click.option(
    "--factor",
    type=Number(0, 1),
    default=0.0,
    show_default=True,
    help="Capacity left to the group in an outage (0 = full outage).",
)
@click.option("--blocs", is_flag=True, help="Also take out each bloc in turn.")
@solver_options
@debug_option
@guarded
def stress(
    instance: Path | None,
    fmt: str,
    factor: float,
    blocs: bool,
    survive: float | None,
    whatifs: tuple[str, ...],
    verbose: bool,
    **options: Any,
) -> int:
    """Take out each region (and bloc) in turn and re-optimise the plan's flows.

    The optimal plan's contracts stay fixed; for every outage the table shows the demand left
    unmet, the extra cost against the same contracts without an outage, and the products hit.
    """
    from sourcing.output.terminal import render, render_stress
    from sourcing.studies.stress import outage_table

    loaded, results, settings = _solve(instance, whatifs, survive, verbose=verbose, **options)
    if results.plan is None:  # no plan to stress: the solve's results, with the diagnosis
        if fmt == "json":
            click.echo(json.dumps(results.to_dict()))
        else:
            render(results, _console(), verbose=verbose)
        return STATUS_EXIT[results.status]
    rows = outage_table(
        loaded, results.plan.contracts, factor=factor, blocs=blocs, options=settings
    )
    if fmt == "json":
        click.echo(json.dumps(rows))
    else:
        render_stress(results, rows, _console())
    return EXIT_OK


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar with the time left, on stderr when it is a terminal, for sweeps of more
    than a few points."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if total <= 3 or not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("solving points", total=total)

        def advance(done: int, _: int) -> None:
            bar.update(task, completed=done)

        yield advance


def _emit_table(frame: pd.DataFrame, fmt: str, labels: StudyLabels) -> None:
    """A sweep's or frontier's table: a table under its heading, JSON or CSV."""
    from sourcing.output.terminal import sweep_table
    from sourcing.studies.sweep import frame_records

    if fmt == "json":
        click.echo(json.dumps(frame_records(frame)))
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        shares = None if labels.shares is None else list(labels.shares)
        _console().print(sweep_table(frame, labels.heading, shares))


study_format = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Table for reading; JSON (one object per point) or CSV for scripts.",
)
parallel_options = [
    click.option(
        "--jobs",
        type=click.IntRange(min=1),
        callback=_at_most_cores,
        help="Local processes solving points in parallel (default and most: all cores).",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run the points on this Dask distributed scheduler instead.",
    ),
    click.option(
        "--output",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write a CSV and a PNG picture of the study into this directory.",
    ),
]


def _parallel(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(parallel_options):
        command = option(command)
    return command


@main.command(name="sweep")
@instance_argument
@click.option(
    "--set",
    "settings",
    multiple=True,
    required=True,
    metavar="PATH=VALUES",
    help="A parameter and its values: start:stop:step or a,b,c; repeat for a grid.",
)
@study_format
@_parallel
@solver_options
@debug_option
@guarded
def sweep_command(
    instance: Path | None,
    settings: tuple[str, ...],
    fmt: str,
    jobs: int | None,
    scheduler: str | None,
    output: Path | None,
    survive: float | None,
    whatifs: tuple[str, ...],
    **options: Any,
) -> int:
    """Solve INSTANCE at every point of a parameter grid; one row per point.

    Example: --set 'policies.caps[cn-cap].max_share=0:0.5:0.05'
    """
    from sourcing.instance.overrides import grid, parse_setting
    from sourcing.output.studies import study_files, write_study
    from sourcing.studies.sweep import sweep as run_sweep
    from sourcing.studies.sweep import sweep_labels

    if output is not None:
        outdir.check(output, study_files("sweep"))
    loaded = _load(instance, whatifs, survive)
    grid_settings = dict(parse_setting(text) for text in settings)
    points = grid(grid_settings)
    with _progress_bar(len(points)) as progress:
        frame = run_sweep(
            loaded, grid_settings, jobs=jobs, scheduler=scheduler, progress=progress, **options
        )
    labels = sweep_labels(loaded)
    if output is not None:
        write_study(frame, output, labels)
    _emit_table(frame, fmt, labels)
    return EXIT_OK


@main.command(name="frontier")
@instance_argument
@click.option("--group", help="Region, bloc or supplier id to de-risk from (--measure share).")
@click.option(
    "--measure",
    type=click.Choice(["share", "hhi", "outage"]),
    default="share",
    show_default=True,
    help="share: the largest share of GROUP; hhi: the concentration of supply over regions; "
    "outage: the demand any one regional outage may leave unmet (N-1).",
)
@click.option(
    "--points",
    type=click.IntRange(2, MAX_POINTS),
    default=11,
    show_default=True,
    help="Levels of the largest share, from today's down to 0.",
)
@study_format
@_parallel
@solver_options
@debug_option
@guarded
def frontier_command(
    instance: Path | None,
    group: str | None,
    measure: str,
    points: int,
    fmt: str,
    jobs: int | None,
    scheduler: str | None,
    output: Path | None,
    survive: float | None,
    whatifs: tuple[str, ...],
    **options: Any,
) -> int:
    """The price of de-risking: cost against the largest share of GROUP, the concentration of
    supply over regions (--measure hhi) or the demand a single regional outage may leave unmet
    (--measure outage), with the breakpoints where policies start or stop binding."""
    from sourcing.output.studies import study_files, write_study
    from sourcing.studies.frontier import frontier_labels, trace

    if output is not None:
        outdir.check(output, study_files("frontier"))
    loaded = _load(instance, whatifs, survive)
    study = {"points": points, "jobs": jobs, "scheduler": scheduler}
    with _progress_bar(points) as progress:
        frame = trace(loaded, measure, group=group, progress=progress, **study, **options)
    labels = frontier_labels(loaded, measure, group)
    if output is not None:
        write_study(frame, output, labels)
    _emit_table(frame, fmt, labels)
    return EXIT_OK


@main.command()
@click.argument("instance", type=click.Path(dir_okay=False, path_type=Path))
@format_option
@debug_option
@guarded
def validate(instance: Path, fmt: str) -> int:
    """Check INSTANCE and report every problem with its field path (exit 0 or 2)."""
    loaded = load_instance(instance)
    counts = {
        "suppliers": len(loaded.suppliers),
        "products": len(loaded.products),
        "markets": len(loaded.markets),
        "periods": len(loaded.periods),
    }
    if fmt == "json":
        click.echo(json.dumps({"status": "valid", "file": str(instance), "counts": counts}))
    else:
        text = ", ".join(_count(n, noun.removesuffix("s")) for noun, n in counts.items())
        click.echo(f"{instance}: valid ({text})")
    return EXIT_OK


@main.command(name="schema")
@debug_option
@guarded
def schema_command() -> int:
    """Print the JSON Schema of instance files (for editors)."""
    from sourcing.instance.io import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
    return EXIT_OK


@main.command(name="bench")
@click.argument(
    "instance_files",
    nargs=-1,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="[FILES]...",
)
@click.option(
    "--sizes",
    metavar="S,M,...",
    help="Generated instances of these sizes (XS, S, M, L, XL, XXL, LANES; seeded by --seed). "
    "Default: S,M when no FILES are given.",
)
@click.option(
    "--solvers",
    default="highs,scip,cbc",
    show_default=True,
    metavar="NAMES",
    help="Solvers to compare, comma-separated: highs, scip, cbc.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    callback=_at_most_cores,
    help="Threads for HiGHS and CBC (SCIP uses one).",
)
@click.option(
    "--time-limit",
    type=Number(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds per solver and instance.",
)
@click.option(
    "--mip-gap",
    type=Number(0, 1, max_open=True),
    default=1e-6,
    show_default=True,
    help="Relative optimality gap at which each solver stops.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, SEED_MAX),
    default=0,
    show_default=True,
    help="Seed of the generated instances and the solvers' random seed.",
)
@click.option(
    "--cbc",
    "cbc_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The cbc binary (default: $SOURCING_CBC, cbc on the PATH, else the one pulp bundles).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write bench.json, bench.csv and bench.png into this directory.",
)
@debug_option
@guarded
def bench_command(
    instance_files: tuple[Path, ...],
    sizes: str | None,
    solvers: str,
    threads: int | None,
    time_limit: float,
    mip_gap: float,
    seed: int,
    cbc_path: Path | None,
    output: Path | None,
) -> int:
    """Compare solvers (HiGHS, SCIP, CBC) on the same model of FILES or generated instances.

    Each instance is built as `solve` builds it and written once to an MPS file that every
    solver reads. The table shows the time to the first solution, to a 1 % gap and in total;
    gap = |primal - bound| / max(|primal|, 1e-10). One progress line per run on stderr.
    """
    from sourcing.bench import (
        BENCH_FILES,
        DEFAULT_SIZES,
        SolverRun,
        bench,
        bench_notes,
        bench_table,
        machine,
        parse_sizes,
        parse_solvers,
        progress_line,
        write_bench,
    )
    from sourcing.instance.generate import generate

    if output is not None:
        outdir.check(output, BENCH_FILES)
    chosen = parse_solvers(solvers)
    if sizes is not None:
        generated = parse_sizes(sizes)
    else:
        generated = [] if instance_files else list(DEFAULT_SIZES)
    names = [path.name for path in instance_files]
    instances = {
        (path.name if names.count(path.name) == 1 else str(path)): load_instance(path)
        for path in instance_files
    }
    instances.update({size: generate(size, seed) for size in generated})
    total, done = len(instances) * len(chosen), 0

    def report(run: SolverRun) -> None:
        nonlocal done
        done += 1
        click.echo(f"[{done}/{total}] {run.instance} {run.solver}: {progress_line(run)}", err=True)

    frame = bench(
        instances,
        chosen,
        threads=threads,
        time_limit=time_limit,
        mip_gap=mip_gap,
        seed=seed,
        progress=report,
        cbc=cbc_path,
    )
    if output is not None:
        settings = {"threads": threads, "time_limit": time_limit, "mip_gap": mip_gap, "seed": seed}
        write_bench(frame, output, settings=settings, machine_info=machine(cbc_path))
    _console().print(bench_table(frame))
    for note in bench_notes(frame):
        click.echo(note)
    if output is not None:
        click.echo(f"benchmark written to {output}/")
    return EXIT_OK


__all__ = ["DEFAULT_INSTANCE", "main"]
