"""What one solver run records (`SolverRun`), the settings of a comparison, and the tracker
that turns a solver's progress into times to the first solution and to a 1 % gap.

Gap, everywhere here: |primal - bound| / max(|primal|, 1e-10)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from sourcing.solver import relative_gap

ONE_PERCENT = 0.01


GAP_FLOOR = 1e-10


INFINITY = 1e20  # SCIP's infinity; CBC writes 1e+50 for "no solution yet"


GAP_DEFINITION = "|primal - bound| / max(|primal|, 1e-10)"


@dataclass(frozen=True)
class SolverRun:
    """One solver on one model: outcome, progress and model size.

    Status is optimal, feasible, infeasible, no_solution, unavailable or error. `gap` and
    `root_gap` are fractions (0.01 = 1 %) as defined in the module docstring; times are
    seconds since the solve started; `one_percent_gap_seconds` is None if 1 % was never reached.
    """

    solver: str
    instance: str = ""
    status: str = "error"
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    first_solution_seconds: float | None = None
    one_percent_gap_seconds: float | None = None
    seconds: float | None = None
    root_gap: float | None = None
    rows: int | None = None
    columns: int | None = None
    binaries: int | None = None
    nonzeros: int | None = None
    message: str = ""


RUN_COLUMNS = [f.name for f in fields(SolverRun)]


@dataclass(frozen=True)
class BenchSettings:
    """Limits every solver gets: seconds, threads (HiGHS, CBC), relative gap, random seed."""

    time_limit: float | None = None
    threads: int | None = None
    mip_gap: float = 1e-6
    seed: int = 0
    cbc: str | Path | None = None


def finite(value: float | None) -> float | None:
    """The value, or None for a solver's stand-in for infinity (no solution, no bound)."""
    if value is None or not math.isfinite(value) or abs(value) >= INFINITY:
        return None
    return float(value)


@dataclass
class Tracker:
    """Milestones of a MIP search, fed with (seconds, primal, bound) observations in time order."""

    first_solution: float | None = None
    one_percent: float | None = None
    root_gap: float | None = None
    last_seen: float = 0.0

    def observe(
        self, seconds: float, primal: float | None, bound: float | None, *, root: bool = False
    ) -> None:
        """Record the state at `seconds`; `root`: the root node has just been solved."""
        self.last_seen = max(self.last_seen, seconds)
        if primal is None:
            return
        if self.first_solution is None:
            self.first_solution = self.last_seen
        gap = relative_gap(primal, bound)
        if gap is None:
            return
        if self.one_percent is None and gap <= ONE_PERCENT:
            self.one_percent = self.last_seen
        if root:
            self.root_gap = gap

    def finish(
        self,
        solver: str,
        status: str,
        objective: float | None,
        bound: float | None,
        seconds: float,
        *,
        solved_at_root: bool,
        message: str = "",
    ) -> SolverRun:
        """The run, given the final state; milestones not seen before happened at the end.

        `solved_at_root`: the search ended at the root node; if it ended optimal there, the
        root gap is the final gap. A root node that a limit cut short has no root gap.
        """
        seconds = max(seconds, self.last_seen)
        gap = relative_gap(objective, bound)
        first = one = None
        if objective is not None:
            first = self.first_solution if self.first_solution is not None else seconds
            one = self.one_percent
            if one is None and gap is not None and gap <= ONE_PERCENT:
                one = seconds
        root_gap = self.root_gap
        if root_gap is None and solved_at_root and status == "optimal":
            root_gap = gap
        return SolverRun(
            solver,
            status=status,
            objective=objective,
            bound=bound,
            gap=gap,
            first_solution_seconds=first,
            one_percent_gap_seconds=one,
            seconds=seconds,
            root_gap=root_gap,
            message=message,
        )


def runs_frame(runs: Iterable[SolverRun]) -> pd.DataFrame:
    """The runs as a table with the columns `RUN_COLUMNS`."""
    frame = pd.DataFrame([asdict(run) for run in runs], columns=RUN_COLUMNS)
    return frame.astype({c: "Int64" for c in ("rows", "columns", "binaries", "nonzeros")})
