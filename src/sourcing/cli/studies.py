"""`sourcing sweep` and `sourcing frontier`: many solves, a table, and a CSV and picture."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sourcing.output import outdir
from sourcing.studies.grid import MAX_POINTS

if TYPE_CHECKING:  # the command line imports what a command uses when it runs
    import pandas as pd

    from sourcing.output.studies import StudyLabels
from sourcing.cli.app import (
    EXIT_OK,
    at_most_cores,
    console,
    debug_option,
    guarded,
    instance_argument,
    load,
    main,
    solver_options,
)


@contextlib.contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int, int], None] | None]:
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
        console().print(sweep_table(frame, labels.heading, shares))


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
        callback=at_most_cores,
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
        help="Write a CSV, a PNG picture and report.html of the study into this directory.",
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
    survive_per: str | None,
    whatifs: tuple[str, ...],
    **options: Any,
) -> int:
    """Solve INSTANCE at every point of a parameter grid; one row per point.

    Example: --set 'policies.caps[cn-cap].max_share=0:0.5:0.05'
    """
    from sourcing.output.studies import study_files, write_study
    from sourcing.studies.grid import grid, parse_setting
    from sourcing.studies.sweep import sweep as run_sweep
    from sourcing.studies.sweep import sweep_labels

    if output is not None:
        outdir.check(output, study_files("sweep"))
    loaded = load(instance, whatifs, survive, survive_per)
    grid_settings = dict(parse_setting(text) for text in settings)
    points = grid(grid_settings)
    with progress_bar(len(points)) as progress:
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
@click.option("--program", help="Subsidy programme id whose budget varies (--measure budget).")
@click.option(
    "--stage",
    type=click.Choice(["front", "back"]),
    default="front",
    show_default=True,
    help="The tier GROUP's share is measured in (--measure share): front, the wafer fabs; "
    "back, the back-end sites (assembly, test and packaging).",
)
@click.option(
    "--measure",
    type=click.Choice(["share", "hhi", "outage", "budget"]),
    default="share",
    show_default=True,
    help="share: the largest share of GROUP; hhi: the concentration of supply over regions; "
    "outage: the demand any one regional outage may leave unmet (N-1); budget: the budget of "
    "PROGRAM, from zero to where more stops helping.",
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
    program: str | None,
    stage: str,
    measure: str,
    points: int,
    fmt: str,
    jobs: int | None,
    scheduler: str | None,
    output: Path | None,
    survive: float | None,
    survive_per: str | None,
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
    loaded = load(instance, whatifs, survive, survive_per)
    study = {"points": points, "jobs": jobs, "scheduler": scheduler}
    with progress_bar(points) as progress:
        frame = trace(
            loaded,
            measure,
            group=group,
            program=program,
            stage=stage,
            progress=progress,
            **study,
            **options,
        )
    labels = frontier_labels(loaded, measure, group, program, stage)
    if output is not None:
        write_study(frame, output, labels)
    _emit_table(frame, fmt, labels)
    return EXIT_OK
