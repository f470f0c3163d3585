"""Plain against tight formulation: root gap and time to a 1 % gap, in one run.

"plain" is the model without tightening rows and without the LP-rounded start; "tight" has
both (`sourcing.model.tighten`, `sourcing.solver.lp_start`). Each is built, handed over and
solved by HiGHS with progress callbacks (`sourcing.bench.track_highs`); the tight run's times
include the LP-rounded start.

    python benchmarks/formulation.py [--sizes M,L] [--seeds 1,2,3] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from sourcing.bench import SolverRun, track_highs
from sourcing.instance.generate import generate
from sourcing.model import FORMULATIONS
from sourcing.pipeline import Pipeline
from sourcing.solver import SolveOptions, lp_start, relative_gap

MIP_GAP = 1e-4


def formulation_run(
    size: str, seed: int, name: str, *, time_limit: float, threads: int | None = None
) -> SolverRun:
    """Solve generated (size, seed) with formulation `name`, following HiGHS's progress."""
    formulation = FORMULATIONS[name]
    options = SolveOptions(formulation=name)
    handed = Pipeline(generate(size, seed), options, stages=[]).hand_over()
    started = time.perf_counter()
    rounded = lp_start(handed, started + time_limit) if formulation.lp_start else None
    if rounded is not None and rounded.values is not None:
        count = len(rounded.values)
        handed.highs.setSolution(count, np.arange(count, dtype=np.int32), rounded.values)
    head = time.perf_counter() - started
    run = track_highs(
        handed.highs, time_limit=max(time_limit - head, 1e-3), threads=threads, mip_gap=MIP_GAP
    )

    def later(value: float | None) -> float | None:
        return None if value is None else value + head

    one_percent = later(run.one_percent_gap_seconds)
    if rounded is not None and _within_one_percent(rounded.objective, rounded.bound):
        one_percent = head  # the start and the LP bound prove it before HiGHS runs
    return replace(
        run,
        instance=f"{size}-{seed}",
        solver=f"highs/{name}",
        first_solution_seconds=head
        if rounded and rounded.values is not None
        else later(run.first_solution_seconds),
        one_percent_gap_seconds=one_percent,
        seconds=run.seconds + head,
    )


def _within_one_percent(objective: float | None, bound: float | None) -> bool:
    gap = relative_gap(objective, bound)
    return gap is not None and gap <= 0.01


def compare(
    sizes: list[str], seeds: list[int], *, time_limit: float, progress: bool = True
) -> pd.DataFrame:
    rows = []
    for size in sizes:
        for seed in seeds:
            for name in ("plain", "tight"):
                run = formulation_run(size, seed, name, time_limit=time_limit)
                rows.append(
                    {
                        "size": size,
                        "seed": seed,
                        "formulation": name,
                        "rows": run.rows,
                        "root gap %": _percent(run.root_gap),
                        "first plan s": run.first_solution_seconds,
                        "1 % gap s": run.one_percent_gap_seconds,
                        "final gap %": _percent(run.gap),
                        "total s": run.seconds,
                        "objective": run.objective,
                        "status": run.status,
                    }
                )
                if progress:
                    print(f"{size} seed {seed} {name}: {rows[-1]}", file=sys.stderr)
    return pd.DataFrame(rows)


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="M,L")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    frame = compare(
        args.sizes.split(","),
        [int(s) for s in args.seeds.split(",")],
        time_limit=args.time_limit,
    )
    print(markdown(frame))


def markdown(frame: pd.DataFrame) -> str:
    """A markdown table of `frame` (numbers to 3 significant digits)."""

    def cell(value: object, column: str) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "-"
        if column == "objective":
            return f"{value:,.2f}"
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    columns = list(frame.columns)
    return markdown_table(
        columns,
        (
            [cell(v, c) for v, c in zip(row, columns, strict=True)]
            for row in frame.itertuples(False)
        ),
    )


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A markdown table with these column names and rows of cell texts."""
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
