"""`sourcing solve` and `sourcing stress`: one instance, its plan, and its outages."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sourcing.output import outdir

if TYPE_CHECKING:  # the command line imports what a command uses when it runs
    from sourcing.explain.results import Results
    from sourcing.instance.schema import Instance
    from sourcing.solver import SolveOptions
from sourcing.cli.app import (
    EXIT_OK,
    STATUS_EXIT,
    Number,
    console,
    debug_option,
    format_option,
    guarded,
    instance_argument,
    load,
    main,
    run_clock,
    solver_options,
)


def _solve(
    instance: Path | None,
    whatifs: tuple[str, ...],
    survive: float | None,
    survive_per: str | None,
    **options: Any,
) -> tuple[Instance, Results, SolveOptions]:
    """Load (see `load`), solve; with a resilience requirement, also price it.

    The time limit counts from the start of the command: loading, solving and pricing share
    it. Also returns the solver settings with that clock running, for the work that follows
    (a stress table).
    """
    from sourcing.api import solve_with
    from sourcing.explain.results import empty_results
    from sourcing.solver import SolveOptions

    settings = run_clock(SolveOptions.from_keywords(options))
    policy_costs = bool(options.get("policy_costs"))
    clock = time.perf_counter()
    loaded = load(instance, whatifs, survive, survive_per)
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
    help="Write flows.csv, shares.csv, summary.json, report.html, ... into this directory.",
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
    survive_per: str | None,
    whatifs: tuple[str, ...],
    verbose: bool,
    **options: Any,
) -> int:
    """Solve INSTANCE (default: the bundled EU-Japan instance) and report the plan."""
    from sourcing.explain.results import OUTPUT_FILES
    from sourcing.output.terminal import render

    if output is not None:
        outdir.check(output, OUTPUT_FILES)
    _, results, _ = _solve(instance, whatifs, survive, survive_per, verbose=verbose, **options)
    if output is not None:
        results.to_dir(output)
    if fmt == "json":
        click.echo(json.dumps(results.to_dict()))
    else:
        render(results, console(), verbose=verbose)
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
    survive_per: str | None,
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

    loaded, results, settings = _solve(
        instance, whatifs, survive, survive_per, verbose=verbose, **options
    )
    if results.plan is None:  # no plan to stress: the solve's results, with the diagnosis
        if fmt == "json":
            click.echo(json.dumps(results.to_dict()))
        else:
            render(results, console(), verbose=verbose)
        return STATUS_EXIT[results.status]
    rows = outage_table(
        loaded,
        results.plan.contracts,
        factor=factor,
        blocs=blocs,
        options=settings,
        builds=results.plan.builds,
    )
    if fmt == "json":
        click.echo(json.dumps(rows))
    else:
        render_stress(results, rows, console())
    return EXIT_OK
