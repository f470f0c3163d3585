"""Run HiGHS on a model handed over, and map what it says to a status.

`run` offers a first plan (the previous one of a sweep, repaired, or one rounded from the LP
relaxation), lets Ctrl-C stop the search cleanly, and polishes the plan found with an exact LP
that also gives the row duals."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import highspy
import numpy as np

from sourcing import interrupts
from sourcing.solver.arrays import HandedOver, stdout_to
from sourcing.solver.options import SolveOptions, configure, set_time_limit

STATUSES = ("optimal", "feasible", "infeasible", "no_solution")


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


def run(
    handed: HandedOver, options: SolveOptions, start: np.ndarray | None = None
) -> SolverOutcome:
    """Solve with HiGHS under `options`; return a solution only when HiGHS reports one.

    `start` (a value per column, e.g. the previous plan of a what-if sweep) gives HiGHS its
    first plan: its integer decisions, with the rest re-optimised under the current data (see
    `repair_start`). Without one, or if those decisions admit no plan now, and with
    `options.lp_start`, a plan rounded from the LP relaxation is offered (see `lp_start`).
    Ctrl-C (KeyboardInterrupt) stops the search cleanly: the best plan found so far comes back
    with status "feasible", or "no_solution" if there is none yet.
    """
    highs = handed.highs
    configure(highs, options)
    started = time.perf_counter()
    deadline = options.started().deadline or np.inf
    with stdout_to(2 if options.verbose else os.devnull):
        found = LpStart()
        if start is not None and handed.num_integer:
            found = repair_start(handed, start, deadline)
        elif start is not None:
            found = LpStart(values=start)
        if found.values is None and not found.interrupted and options.lp_start:
            # at most half the time limit, so that HiGHS keeps time to search
            budget = started + START_SHARE * (deadline - started)
            found = lp_start(handed, budget) if handed.num_integer else found
        if found.interrupted:
            message = f"no plan found: {found.interrupted}"
            seconds = time.perf_counter() - started
            return SolverOutcome("no_solution", None, None, None, None, seconds, message)
        start = found.values
        proven = relative_gap(found.objective, found.bound) if found.values is not None else None
        if proven is not None and proven <= options.mip_gap:  # the LP bound proves it enough
            outcome = SolverOutcome(
                "optimal", found.objective, found.bound, proven, found.values, 0.0
            )
            return replace(
                _polish(handed, outcome, deadline), seconds=time.perf_counter() - started
            )

        def search() -> tuple[SolverOutcome, str | None]:
            set_time_limit(highs, deadline - time.perf_counter())
            interrupted = _run_interruptible(highs)
            return _outcome(
                handed, time.perf_counter() - started, options, interrupted
            ), interrupted

        if start is not None:
            highs.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
        outcome, interrupted = search()
        if start is not None and not interrupted and not _consistent(handed, outcome):
            # Seen with HiGHS 1.16: after a start, presolve can return the values of another
            # plan than the objective it reports. Solve again from scratch without the start.
            highs.clearSolver()
            outcome, interrupted = search()
        if outcome.values is not None:
            outcome = _polish(handed, outcome, deadline)
    return replace(outcome, seconds=time.perf_counter() - started)


def relative_gap(primal: float | None, bound: float | None) -> float | None:
    """|primal - bound| / max(|primal|, 1e-10); None without both numbers."""
    if primal is None or bound is None:
        return None
    return abs(primal - bound) / max(abs(primal), GAP_FLOOR)


def _consistent(handed: HandedOver, outcome: SolverOutcome) -> bool:
    """Whether the values HiGHS returned cost what it says they cost."""
    if outcome.values is None or outcome.objective is None:
        return True
    cost = float(handed.cost @ outcome.values) + handed.offset
    return abs(cost - outcome.objective) <= 1e-6 * max(1.0, abs(outcome.objective))


GAP_FLOOR = 1e-10


ROUNDING_THRESHOLDS = (1e-6, 0.25, 0.5)


START_SHARE = 0.5  # of the time limit, at most, for the LP-rounded start


@dataclass(frozen=True)
class LpStart:
    """A plan rounded from the LP relaxation (`values`, None if none was found), its cost, the
    LP relaxation's value (a lower bound on the optimum) and what interrupted it, if anything
    (see `_run_interruptible`)."""

    values: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    interrupted: str | None = None


def lp_start(handed: HandedOver, deadline: float = np.inf) -> LpStart:
    """A first plan rounded from the LP relaxation (see `LpStart`).

    Solve the LP relaxation; for each threshold in `ROUNDING_THRESHOLDS`, round every integer
    column up where its fractional part exceeds the threshold (down elsewhere) and re-solve the
    LP over the rest; keep the cheapest plan (None if no LP is optimal in time). Signing every
    contract the LP uses at all is safe but dear; a higher threshold signs fewer and may leave
    demand unmet; which is best differs by instance, and each try is one warm-started LP.
    """
    columns = handed.integer_columns
    best = LpStart()
    with _relaxed(handed):
        relaxed, interrupted = _solve_lp(handed.highs, deadline)
        if relaxed is None:
            return LpStart(interrupted=interrupted)
        bound = float(handed.highs.getInfo().objective_function_value)
        whole = np.floor(relaxed[columns])
        for threshold in ROUNDING_THRESHOLDS:
            tried = _with_integers(handed, whole + (relaxed[columns] - whole > threshold), deadline)
            if tried.interrupted:
                return tried
            if tried.objective is not None and (
                best.objective is None or tried.objective < best.objective
            ):
                best = tried
    return replace(best, bound=bound)


def repair_start(handed: HandedOver, start: np.ndarray, deadline: float = np.inf) -> LpStart:
    """The integer decisions of `start` (the previous plan, say), with the continuous columns
    re-optimised under the model as it is now: a plan valid for changed data whenever those
    decisions still admit one (values None if not)."""
    with _relaxed(handed):
        return _with_integers(handed, start[handed.integer_columns], deadline)


@contextlib.contextmanager
def _relaxed(handed: HandedOver) -> Iterator[None]:
    """The integer columns as continuous ones meanwhile; their bounds restored after."""
    highs, columns = handed.highs, handed.integer_columns
    count = len(columns)
    highs.changeColsIntegrality(count, columns, np.zeros(count, dtype=np.uint8))
    try:
        yield
    finally:
        highs.changeColsBounds(count, columns, handed.lower[columns], handed.upper[columns])
        highs.changeColsIntegrality(count, columns, np.ones(count, dtype=np.uint8))


def _with_integers(handed: HandedOver, integers: np.ndarray, deadline: float) -> LpStart:
    """The LP with the (relaxed) integer columns held at `integers`, rounded into bounds."""
    columns = handed.integer_columns
    held = np.clip(np.round(integers), handed.lower[columns], handed.upper[columns])
    handed.highs.changeColsBounds(len(columns), columns, held, held)
    values, interrupted = _solve_lp(handed.highs, deadline)
    if values is None:
        return LpStart(interrupted=interrupted)
    return LpStart(values=values, objective=float(handed.highs.getInfo().objective_function_value))


def _solve_lp(highs: highspy.Highs, deadline: float) -> tuple[np.ndarray | None, str | None]:
    """Column values of the LP now loaded (None unless optimal before `deadline`), and what
    interrupted it, if anything."""
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        return None, None
    # HiGHS holds an LP to its time limit on the clock of all runs of this Highs object so far.
    set_time_limit(highs, highs.getRunTime() + remaining)
    interrupted = _run_interruptible(highs)
    if interrupted or highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, interrupted
    return np.asarray(highs.getSolution().col_value, dtype=float), None


def _run_interruptible(highs: highspy.Highs) -> str | None:
    """Run HiGHS in its own thread; on Ctrl-C or SIGTERM ask it to stop and wait. Returns what
    interrupted it ("interrupted (Ctrl-C)", "terminated (SIGTERM)"), or None."""
    highs.HandleUserInterrupt = True
    interrupted: str | None = None
    highs.startSolve()
    while True:
        try:
            done, _ = highs.wait(0.1)
            if done:
                return interrupted
        except KeyboardInterrupt as interrupt:
            interrupted = interrupts.describe(interrupt)
            highs.cancelSolve()


def _polish(handed: HandedOver, outcome: SolverOutcome, deadline: float) -> SolverOutcome:
    """Fix the integer decisions, re-solve the LP with tight tolerances, and read its duals.

    HiGHS accepts MIP solutions that miss a row by up to its feasibility tolerance (1e-6), so a
    minimum order of 30 may come back as 29.999999; the LP over the same contracts returns the
    exact vertex, and its row duals price the policies. The MIP's status, bound and gap are
    kept; if the LP fails or does not finish before `deadline`, the MIP values are (without
    duals).
    """
    assert outcome.values is not None
    highs = handed.highs
    highs.setOptionValue("primal_feasibility_tolerance", 1e-9)
    try:
        with _relaxed(handed):
            exact = _with_integers(handed, outcome.values[handed.integer_columns], deadline)
            if exact.values is None:
                return outcome
            duals = np.asarray(highs.getSolution().row_dual, dtype=float)
    finally:
        highs.setOptionValue("primal_feasibility_tolerance", 1e-7)
    return replace(outcome, values=exact.values, objective=exact.objective, row_duals=duals)


def _limit_message(
    status: highspy.HighsModelStatus, options: SolveOptions, interrupted: str | None
) -> str:
    """Which limit stopped the search, in the user's terms."""
    ms = highspy.HighsModelStatus
    if interrupted:
        return interrupted
    if status == ms.kInterrupt:
        return "interrupted (Ctrl-C)"
    if status == ms.kTimeLimit:
        return options.time_up()
    if status in (ms.kIterationLimit, ms.kSolutionLimit):
        return "iteration or solution limit reached"
    return ""


def _outcome(
    handed: HandedOver, seconds: float, options: SolveOptions, interrupted: str | None
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
