"""The command line's frame: the `sourcing` group, shared options, exit codes and the error
guard that turns every failure into a message and an exit code."""

from __future__ import annotations

import itertools
import json
import math
import os
import sys
import traceback
from collections.abc import Callable
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

if TYPE_CHECKING:  # the command line imports what a command uses when it runs
    from rich.console import Console

    from sourcing.instance.schema import Instance
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


def count(number: int, noun: str) -> str:
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


def at_most_cores(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
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


WHOLE_RUN = (
    "Seconds the whole run may take (loading, building, searching, checking); it then reports "
    "the best plan found."
)


def search_options(time_limit_help: str) -> list[Callable[..., Any]]:
    """The options of HiGHS's search (time limit, gap, threads, seed), as click decorators."""
    return [
        click.option("--time-limit", type=Number(min=0, min_open=True), help=time_limit_help),
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
            callback=at_most_cores,
            help="Threads for HiGHS (at most the machine's cores).",
        ),
        click.option(
            "--seed",
            type=click.IntRange(0, SEED_MAX),
            default=0,
            show_default=True,
            help="HiGHS random seed.",
        ),
    ]


def with_options(command: Callable[..., Any], options: list[Callable[..., Any]]) -> Any:
    """`command` with the click `options`, in their order in `--help`."""
    for option in reversed(options):
        command = option(command)
    return command


def solver_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every solving command shares."""
    options = [
        *search_options(WHOLE_RUN),
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
            help="Require that an outage of any one region (or of the file's `resilience` "
            "outages) leaves at most this share of demand unmet (`resilience: "
            "{max_outage_shortage: SHARE}`; the file's other resilience keys stay).",
        ),
        click.option(
            "--survive-per",
            type=click.Choice(["total", "product", "cell"]),
            help="Where --survive (or the file's requirement) measures the unmet share: all "
            "demand, each product's, or each (product, market, period).  [default: product]",
        ),
    ]
    return with_options(command, options)


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


def console() -> Console:
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=120)


def run_clock(settings: SolveOptions) -> SolveOptions:
    """`settings` with the clock of the time limit started when the command started (see
    `sourcing.__main__.run`), or now."""
    context = click.get_current_context(silent=True)
    started = ((context.find_root().obj if context else None) or {}).get("started")
    if started is None or settings.time_limit is None:
        return settings.started()
    return replace(settings, deadline=started + settings.time_limit)


def load(
    instance: Path | None,
    whatifs: tuple[str, ...],
    survive: float | None,
    survive_per: str | None = None,
) -> Instance:
    """Load INSTANCE, then apply the named what-ifs, --survive and --survive-per."""
    from sourcing.instance.overrides import apply_whatifs, whatif_file_for

    loaded = load_instance(instance)
    if whatifs:
        path = DEFAULT_INSTANCE if instance is None else instance
        loaded = apply_whatifs(loaded, whatifs, whatif_file_for(path))
    if survive is None and survive_per is None:
        return loaded
    resilience = loaded.resilience
    if resilience is None and survive is None:
        raise UsageError("--survive-per needs --survive or a `resilience` requirement in the file")
    update: dict[str, Any] = {}
    if survive is not None:
        update["max_outage_shortage"] = survive
    if survive_per is not None:
        update["per"] = survive_per
    current = {} if resilience is None else resilience.model_dump(exclude_none=True)
    return loaded.replace(resilience={**current, **update})
