"""Hand a Pyomo model to HiGHS, run it, and map what HiGHS says to a status.

The hand-over compiles the model with Pyomo's own standard-form compiler and passes the
coefficient arrays to HiGHS in one call (see `handover`); it is the only place that knows how the
model reaches the solver.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from sourcing.errors import UsageError

STATUSES = ("optimal", "feasible", "infeasible", "no_solution")


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings: time limit (s), relative MIP gap, threads, random seed, log output."""

    time_limit: float | None = None
    mip_gap: float = 1e-6
    threads: int | None = None
    seed: int = 0
    verbose: bool = False

    def __post_init__(self) -> None:
        if self.time_limit is not None and self.time_limit <= 0:
            raise UsageError(f"time limit must be positive, got {self.time_limit}")
        if not 0 <= self.mip_gap < 1:
            raise UsageError(f"mip gap must be in [0, 1), got {self.mip_gap}")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"threads must be at least 1, got {self.threads}")

    @classmethod
    def from_keywords(cls, keywords: Mapping[str, Any]) -> SolveOptions:
        """The settings among keyword options (as `solve` takes them); others are ignored."""
        return cls(**{k: keywords[k] for k in SOLVER_KEYWORDS if k in keywords})

    def keywords(self) -> dict[str, Any]:
        """The limits as `solve` keywords, without the solver log (for re-solves)."""
        return {k: getattr(self, k) for k in SOLVER_KEYWORDS}


SOLVER_KEYWORDS = ("time_limit", "mip_gap", "threads", "seed")


def row_key(constraint: Any) -> tuple[str, tuple[Any, ...]]:
    """A solver row's constraint as (family, index), e.g. ("group_share_max", ("cn-cap", ...))."""
    index = constraint.index()
    return constraint.parent_component().local_name, (
        index if isinstance(index, tuple) else (index,)
    )


@dataclass
class HandedOver:
    """A model loaded into HiGHS, with the Pyomo variables behind its columns."""

    highs: highspy.Highs
    columns: list[pyo.Var]
    rows: list[Any]
    row_kinds: np.ndarray
    offset: float
    num_rows: int
    num_integer: int
    nonzeros: int
    integer_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    lower: np.ndarray = field(default_factory=lambda: np.zeros(0))
    upper: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class SolverOutcome:
    """What HiGHS found: status, objective, bound, gap, values by column, time in HiGHS."""

    status: str
    objective: float | None
    bound: float | None
    mip_gap: float | None
    values: np.ndarray | None
    seconds: float
    message: str = ""
    row_duals: np.ndarray | None = None


def handover(model: pyo.ConcreteModel) -> HandedOver:
    """Compile `model` to arrays with Pyomo's standard-form compiler and pass them to HiGHS."""
    repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    columns = list(repn.columns)
    n = len(columns)
    lower = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    integer = np.array([v.is_integer() for v in columns], dtype=bool)
    rhs = np.asarray(repn.rhs, dtype=float)
    kinds = np.array([row.bound_type for row in repn.rows], dtype=int)
    row_lower = np.where(kinds <= 0, rhs, -np.inf)
    row_upper = np.where(kinds >= 0, rhs, np.inf)
    matrix = repn.A.tocsc()
    cost = np.asarray(repn.c.toarray()).ravel()[:n] if repn.c.shape[0] else np.zeros(n, dtype=float)
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rhs)
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.offset_ = offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(rhs)
    if integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    with _stdout_to(os.devnull):  # HiGHS prints a banner when it starts
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    return HandedOver(
        highs=highs,
        columns=columns,
        rows=[row.constraint for row in repn.rows],
        row_kinds=kinds,
        offset=offset,
        num_rows=len(rhs),
        num_integer=int(integer.sum()),
        nonzeros=int(matrix.nnz),
        integer_columns=np.flatnonzero(integer).astype(np.int32),
        lower=lower,
        upper=upper,
    )


@contextlib.contextmanager
def _stdout_to(target: str | int) -> Iterator[None]:
    """Send what native code writes to stdout (descriptor 1) to a path or a descriptor."""
    sys.stdout.flush()
    saved = os.dup(1)
    descriptor = os.open(target, os.O_WRONLY) if isinstance(target, str) else target
    try:
        os.dup2(descriptor, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        if isinstance(target, str):
            os.close(descriptor)


def run(handed: HandedOver, options: SolveOptions) -> SolverOutcome:
    """Solve with HiGHS under `options`; return a solution only when HiGHS reports one.

    Ctrl-C (KeyboardInterrupt) stops the search cleanly: the best plan found so far comes back
    with status "feasible", or "no_solution" if there is none yet.
    """
    highs = handed.highs
    highs.setOptionValue("output_flag", options.verbose)
    highs.setOptionValue("mip_rel_gap", options.mip_gap)
    highs.setOptionValue("random_seed", options.seed)
    highs.setOptionValue(
        "time_limit", float(options.time_limit) if options.time_limit is not None else np.inf
    )
    if options.threads is not None:
        highs.setOptionValue("threads", options.threads)
    started = time.perf_counter()
    with _stdout_to(2 if options.verbose else os.devnull):
        interrupted = _run_interruptible(highs)
        outcome = _outcome(handed, time.perf_counter() - started, options, interrupted)
        if outcome.values is not None:
            outcome = _polish(handed, outcome)
    return replace(outcome, seconds=time.perf_counter() - started)


def _run_interruptible(highs: highspy.Highs) -> bool:
    """Run HiGHS in its own thread; on Ctrl-C ask it to stop and wait. True if interrupted."""
    highs.HandleUserInterrupt = True
    interrupted = False
    highs.startSolve()
    while True:
        try:
            done, _ = highs.wait(0.1)
            if done:
                return interrupted
        except KeyboardInterrupt:
            interrupted = True
            highs.cancelSolve()


def _polish(handed: HandedOver, outcome: SolverOutcome) -> SolverOutcome:
    """Fix the integer decisions, re-solve the LP with tight tolerances, and read its duals.

    HiGHS accepts MIP solutions that miss a row by up to its feasibility tolerance (1e-6), so a
    minimum order of 30 may come back as 29.999999; the LP over the same contracts returns the
    exact vertex, and its row duals price the policies. The MIP's status, bound and gap are
    kept; if the LP fails, the MIP values are (without duals).
    """
    assert outcome.values is not None
    highs = handed.highs
    columns = handed.integer_columns
    count = len(columns)
    fixed = np.round(outcome.values[columns])
    highs.changeColsIntegrality(count, columns, np.zeros(count, dtype=np.uint8))
    highs.changeColsBounds(count, columns, fixed, fixed)
    highs.setOptionValue("primal_feasibility_tolerance", 1e-9)
    highs.setOptionValue("time_limit", np.inf)
    try:
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return outcome
        solution = highs.getSolution()
        values = np.asarray(solution.col_value, dtype=float)
        duals = np.asarray(solution.row_dual, dtype=float)
        objective = float(highs.getInfo().objective_function_value)
    finally:
        highs.setOptionValue("primal_feasibility_tolerance", 1e-7)
        highs.changeColsBounds(count, columns, handed.lower[columns], handed.upper[columns])
        highs.changeColsIntegrality(count, columns, np.ones(count, dtype=np.uint8))
    return replace(outcome, values=values, objective=objective, row_duals=duals)


def _limit_message(
    status: highspy.HighsModelStatus, options: SolveOptions, interrupted: bool
) -> str:
    """Which limit stopped the search, in the user's terms."""
    ms = highspy.HighsModelStatus
    if interrupted or status == ms.kInterrupt:
        return "interrupted (Ctrl-C)"
    if status == ms.kTimeLimit:
        return f"time limit of {options.time_limit:g} s reached"
    if status in (ms.kIterationLimit, ms.kSolutionLimit):
        return "iteration or solution limit reached"
    return ""


def _outcome(
    handed: HandedOver, seconds: float, options: SolveOptions, interrupted: bool
) -> SolverOutcome:
    highs = handed.highs
    status = highs.getModelStatus()
    info = highs.getInfo()
    ms = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    limit = _limit_message(status, options, interrupted)
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible, ms.kUnbounded):
        return SolverOutcome("infeasible", None, None, None, None, seconds)
    if status == ms.kModelEmpty:
        return SolverOutcome("optimal", handed.offset, handed.offset, 0.0, np.zeros(0), seconds)
    if not has_solution:
        reason = limit or highs.modelStatusToString(status)
        return SolverOutcome(
            "no_solution", None, None, None, None, seconds, f"no plan found: {reason}"
        )
    values = np.asarray(highs.getSolution().col_value, dtype=float)
    objective = float(info.objective_function_value)
    if handed.num_integer:
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap)
    else:
        bound, gap = objective, 0.0
    state = "optimal" if status == ms.kOptimal and not interrupted else "feasible"
    if state == "optimal" and not np.isfinite(gap):
        gap = 0.0
    message = f"stopped early: {limit}" if state == "feasible" and limit else ""
    return SolverOutcome(state, objective, bound, gap, values, seconds, message)
