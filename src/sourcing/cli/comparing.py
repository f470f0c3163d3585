"""`sourcing compare`: two plans side by side, each a solved instance or an output folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sourcing.errors import UsageError
from sourcing.output import outdir

if TYPE_CHECKING:  # the command line imports what a command uses when it runs
    from sourcing.explain.compare import Side
from sourcing.cli.app import (
    EXIT_OK,
    console,
    debug_option,
    format_option,
    guarded,
    run_clock,
    search_options,
    with_options,
)
from sourcing.cli.app import main as group

COMPARE_FILES = ("compare.html", "compare.json")
"""The files `compare --output DIR` writes."""


def load_side(path: Path, options: dict[str, Any]) -> Side:
    """The plan at `path`: an output folder of `solve` as it is, an instance file solved."""
    from sourcing.api import solve_with
    from sourcing.explain.compare import Side
    from sourcing.instance.io import load_instance
    from sourcing.solver import SolveOptions

    if not path.exists():
        raise UsageError(f"{path}: no such instance file or output folder")
    if path.is_dir():
        return Side.of_folder(path)
    instance = load_instance(path)
    settings = run_clock(SolveOptions.from_keywords(options))
    return Side.of_results(solve_with(instance, settings), str(path), instance)


def _each_solve(command: Any) -> Any:
    """The search options, for each of the two solves an instance file needs."""
    return with_options(command, search_options("Seconds each instance file's solve may take."))


@group.command(name="compare")
@click.argument("first", metavar="A", type=click.Path(path_type=Path))
@click.argument("second", metavar="B", type=click.Path(path_type=Path))
@format_option
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write compare.html and compare.json into this directory.",
)
@_each_solve
@debug_option
@guarded
def compare_command(
    first: Path, second: Path, fmt: str, output: Path | None, **options: Any
) -> int:
    """Show what changed from plan A to plan B: cost by component, shares by region,
    contracts won and lost, policies that start or stop binding.

    A and B are instance files (each is solved) or output folders of `sourcing solve
    --output` (their summary.json and CSV files are read).
    """
    from sourcing.explain.compare import compare
    from sourcing.output.compare import render_comparison, write_comparison

    if output is not None:
        outdir.check(output, COMPARE_FILES)
    comparison = compare(load_side(first, options), load_side(second, options))
    if output is not None:
        write_comparison(comparison, output)
    if fmt == "json":
        click.echo(json.dumps(comparison.to_dict()))
    else:
        render_comparison(comparison, console())
        if output is not None:
            click.echo(f"comparison written to {output}/")
    return EXIT_OK
