"""Compare MILP solvers (HiGHS, SCIP, CBC) on the same exported model of each instance."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from sourcing.bench.cbc import run_cbc
from sourcing.bench.export import ExportedModel, export_model
from sourcing.bench.highs import run_highs
from sourcing.bench.runs import BenchSettings, SolverRun, runs_frame
from sourcing.bench.scip import run_scip
from sourcing.errors import InfeasibleError, UsageError
from sourcing.instance.generate import SIZES
from sourcing.instance.schema import Instance

SOLVERS = ("highs", "scip", "cbc")


BENCH_SIZES = tuple(SIZES)


DEFAULT_SIZES = ("S", "M")


Runner = Callable[[ExportedModel, BenchSettings], SolverRun]


RUNNERS: dict[str, Runner] = {"highs": run_highs, "scip": run_scip, "cbc": run_cbc}


def parse_sizes(text: str) -> list[str]:
    """Sizes from "S,M" (case-insensitive, in order, once each); UsageError names the allowed."""
    return _parse_list(text, BENCH_SIZES, "size", "--sizes", str.upper)


def parse_solvers(text: str) -> list[str]:
    """Solvers from "highs,scip" (case-insensitive, once each); UsageError names the allowed."""
    return _parse_list(text, SOLVERS, "solver", "--solvers", str.lower)


def _parse_list(
    text: str, allowed: Sequence[str], noun: str, option: str, case: Callable[[str], str]
) -> list[str]:
    names = [case(name.strip()) for name in text.split(",") if name.strip()]
    choices = ", ".join(allowed)
    for name in names:
        if name not in allowed:
            raise UsageError(f"unknown {noun} '{name}' in {option}; allowed: {choices}")
    if not names:
        raise UsageError(f"{option} names no {noun}; allowed: {choices}")
    return list(dict.fromkeys(names))


def bench(
    instances: Mapping[str, Instance] | Iterable[Instance],
    solvers: Sequence[str] = SOLVERS,
    *,
    threads: int | None = None,
    time_limit: float | None = None,
    mip_gap: float = 1e-6,
    seed: int = 0,
    progress: Callable[[SolverRun], None] | None = None,
    cbc: str | Path | None = None,
) -> pd.DataFrame:
    """Solve every instance with every solver; one row per (instance, solver), `RUN_COLUMNS`.

    `instances` maps a label (a size, a file name) to an instance, or lists instances (labelled
    by their names). Each is exported once; all solvers read that file. `progress` gets every
    run as it finishes. A solver that is not installed gives a row with status "unavailable"
    and how to install it; one that fails gives status "error" with the reason.
    """
    unknown = [s for s in solvers if s not in RUNNERS]
    if unknown:
        raise UsageError(f"unknown solver '{unknown[0]}'; allowed: {', '.join(SOLVERS)}")
    settings = BenchSettings(time_limit, threads, mip_gap, seed, cbc)
    runs: list[SolverRun] = []
    for label, instance in _labelled(instances).items():
        for run in _bench_instance(instance, solvers, settings):
            runs.append(replace(run, instance=label))
            if progress is not None:
                progress(runs[-1])
    return runs_frame(runs)


def _labelled(instances: Mapping[str, Instance] | Iterable[Instance]) -> dict[str, Instance]:
    """Instances by label: as given, or by name ("name #2" for a second of the same name)."""
    if isinstance(instances, Mapping):
        return dict(instances)
    labelled: dict[str, Instance] = {}
    for instance in instances:
        label, count = instance.name, 1
        while label in labelled:
            count += 1
            label = f"{instance.name} #{count}"
        labelled[label] = instance
    return labelled


def _bench_instance(
    instance: Instance, solvers: Sequence[str], settings: BenchSettings
) -> Iterator[SolverRun]:
    with tempfile.TemporaryDirectory(prefix="sourcing-bench-") as directory:
        try:
            model = export_model(instance, Path(directory))
        except InfeasibleError as exc:
            for solver in solvers:
                yield SolverRun(solver, status="infeasible", message=str(exc))
            return
        size = {k: getattr(model, k) for k in ("rows", "columns", "binaries", "nonzeros")}
        for solver in solvers:
            yield replace(run_solver(solver, model, settings), **size)


def run_solver(solver: str, model: ExportedModel, settings: BenchSettings) -> SolverRun:
    """Run one solver on the exported model; a solver that fails gives status "error"."""
    try:
        return RUNNERS[solver](model, settings)
    except Exception as exc:
        return SolverRun(solver, message=f"{type(exc).__name__}: {exc}")
