"""Command line: a thin layer over the library that owns printing and exit codes."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from sourcing.api import solve as solve_instance
from sourcing.errors import InstanceError, SourcingError, UsageError
from sourcing.io import DEFAULT_INSTANCE, load_instance
from sourcing.report import render

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
STATUS_EXIT = {
    "optimal": EXIT_OK,
    "feasible": EXIT_OK,
    "infeasible": EXIT_INFEASIBLE,
    "no_solution": EXIT_NO_SOLUTION,
}


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def guarded(command: Callable[..., int]) -> Callable[..., None]:
    """Run a command; map library errors to exit codes; tracebacks only with --debug."""

    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except InstanceError as exc:
            if debug:
                traceback.print_exc()
            _fail(f"error: invalid instance\n{exc}", EXIT_INVALID)
        except UsageError as exc:
            if debug:
                traceback.print_exc()
            _fail(f"error: {exc}", EXIT_INVALID)
        except SourcingError as exc:
            if debug:
                traceback.print_exc()
            _fail(f"error: {exc}", EXIT_ERROR)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:
            if debug:
                traceback.print_exc()
            _fail(
                f"internal error: {type(exc).__name__}: {exc}\n(run with --debug for a traceback)",
                EXIT_ERROR,
            )
        sys.exit(code)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


debug_option = click.option("--debug", is_flag=True, help="Show a traceback on errors.")


@click.group(name="sourcing", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sourcing")
def main() -> None:
    """Semiconductor sourcing under de-risking caps, alliance floors and export controls."""


@main.command()
@click.argument("instance", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Table for reading, JSON for scripts (one object on stdout).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write flows.csv, shares.csv, summary.json, ... into this directory.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after this many seconds with the best plan found.",
)
@click.option(
    "--mip-gap",
    type=click.FloatRange(0, 1, max_open=True),
    default=1e-6,
    show_default=True,
    help="Relative optimality gap at which to stop.",
)
@click.option("--threads", type=click.IntRange(min=1), help="Threads for HiGHS.")
@click.option("--seed", type=int, default=0, show_default=True, help="HiGHS random seed.")
@click.option("--verbose", "-v", is_flag=True, help="Solver log on stderr; timings in the table.")
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
    time_limit: float | None,
    mip_gap: float,
    threads: int | None,
    seed: int,
    verbose: bool,
    policy_costs: bool,
) -> int:
    """Solve INSTANCE (default: the bundled EU-Japan instance) and report the plan."""
    loaded = load_instance(instance)
    results = solve_instance(
        loaded,
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        seed=seed,
        verbose=verbose,
        policy_costs=policy_costs,
    )
    if output is not None:
        try:
            results.to_dir(output)
        except OSError as exc:
            raise SourcingError(f"cannot write results to {output}: {exc}") from exc
    if fmt == "json":
        click.echo(json.dumps(results.to_dict()))
    else:
        console = Console()
        if not console.is_terminal:
            console = Console(width=120)
        render(results, console, verbose=verbose)
        if output is not None:
            click.echo(f"results written to {output}/")
    return STATUS_EXIT[results.status]


@main.command()
@click.argument("instance", type=click.Path(dir_okay=False, path_type=Path))
@debug_option
@guarded
def validate(instance: Path) -> int:
    """Check INSTANCE and report every problem with its field path (exit 0 or 2)."""
    loaded = load_instance(instance)
    counts = ", ".join(
        _count(len(items), noun)
        for items, noun in (
            (loaded.suppliers, "supplier"),
            (loaded.products, "product"),
            (loaded.markets, "market"),
            (loaded.periods, "period"),
        )
    )
    click.echo(f"{instance}: valid ({counts})")
    return EXIT_OK


@main.command(name="schema")
@debug_option
@guarded
def schema_command() -> int:
    """Print the JSON Schema of instance files (for editors)."""
    from sourcing.io import json_schema

    click.echo(json.dumps(json_schema(), indent=2))
    return EXIT_OK


__all__ = ["DEFAULT_INSTANCE", "main"]
