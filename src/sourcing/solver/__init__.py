"""Hand a Pyomo model to HiGHS, run it, and map what HiGHS says to a status.

The hand-over takes the model's coefficient arrays (recorded while it was built, or compiled by
Pyomo's own standard-form compiler) and passes them to HiGHS in one call (see `handover`); it is
the only place that knows how the model reaches the solver.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from sourcing import interrupts
from sourcing.errors import SourcingError, UsageError
from sourcing.model.rows import RECORD, RowRecord
from sourcing.model.tighten import FORMULATIONS, Formulation

STATUSES = ("optimal", "feasible", "infeasible", "no_solution")


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings: time limit (s), relative MIP gap, threads, random seed, log output, and
    whether to offer HiGHS a first plan rounded from the LP relaxation (see `lp_start`).

    The time limit bounds a whole run, not one call of HiGHS: `started()` turns it into a
    `deadline` (on the `time.perf_counter` clock) that every solve of the run shares: the
    search, the LP polish, a diagnosis, re-optimised outages.
    """

    time_limit: float | None = None
    mip_gap: float = 1e-6
    threads: int | None = None
    seed: int = 0
    verbose: bool = False
    lp_start: bool = True
    deadline: float | None = None
    formulation: str = "tight"  # a key of sourcing.model.FORMULATIONS: the rows to build

    def __post_init__(self) -> None:
        if self.time_limit is not None and not 0 < self.time_limit < math.inf:
            raise UsageError(
                f"time limit must be a positive number of seconds, got {self.time_limit}"
            )
        if not 0 <= self.mip_gap < 1:
            raise UsageError(f"mip gap must be in [0, 1), got {self.mip_gap}")
        if self.formulation not in FORMULATIONS:
            raise UsageError(
                f"formulation must be one of {', '.join(FORMULATIONS)}, got {self.formulation!r}"
            )
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"threads must be at least 1, got {self.threads}")

    def started(self) -> SolveOptions:
        """These options with the clock of the time limit started now (once: a deadline that
        is already set stays)."""
        if self.time_limit is None or self.deadline is not None:
            return self
        return replace(self, deadline=time.perf_counter() + self.time_limit)

    def remaining(self) -> float:
        """Seconds left before the deadline (infinite without a time limit)."""
        if self.deadline is None:
            return math.inf if self.time_limit is None else self.time_limit
        return self.deadline - time.perf_counter()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def time_up(self, where: str = "") -> str:
        """What the time limit stopped, in the user's terms: `time limit of 30 s reached`,
        then `where` (e.g. " while loading")."""
        return f"time limit of {self.time_limit:g} s reached{where}"

    @classmethod
    def from_keywords(cls, keywords: Mapping[str, Any]) -> SolveOptions:
        """The settings among keyword options (as `solve` takes them, the log included);
        others are ignored. The LP-rounded start follows the formulation, as in `solve`."""
        settings = {k: keywords[k] for k in (*SOLVER_KEYWORDS, "verbose") if k in keywords}
        formulation = FORMULATIONS.get(settings.get("formulation", "tight"))
        if formulation is not None:
            settings["lp_start"] = formulation.lp_start
        return cls(**settings)

    @classmethod
    def of(cls, **keywords: Any) -> SolveOptions:
        """`from_keywords` for a function's `**options`: an unknown name is a TypeError, as
        it would be in a call of `solve`."""
        unknown = sorted(set(keywords) - {*SOLVER_KEYWORDS, "verbose"})
        if unknown:
            raise TypeError(f"unexpected solver option {unknown[0]!r}")
        return cls.from_keywords(keywords)

    @property
    def tightening(self) -> Formulation:
        """The rows `formulation` names (see `sourcing.model.tighten`)."""
        return FORMULATIONS[self.formulation]

    def keywords(self) -> dict[str, Any]:
        """The limits as `solve` keywords, without the solver log (for re-solves within the
        run: once started, with its deadline)."""
        return {k: getattr(self, k) for k in SOLVER_KEYWORDS}


SOLVER_KEYWORDS = ("time_limit", "mip_gap", "threads", "seed", "deadline", "formulation")
MIN_TIME_LIMIT = 1e-3  # seconds: what HiGHS gets when the time is up (it then stops at once)


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
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))


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


@dataclass(frozen=True)
class StandardForm:
    """A model as arrays: min cost x + offset, rows of `matrix` (CSC) against `rhs` by kind.

    Row kinds follow Pyomo's standard-form compiler: 1 is <=, 0 is =, -1 is >=.
    """

    columns: list[Any]
    rows: list[Any]
    kinds: np.ndarray
    rhs: np.ndarray
    matrix: Csc
    cost: np.ndarray
    offset: float
    lower: np.ndarray  # column bounds and integrality (1.0 or 0.0); nan where not yet known
    upper: np.ndarray
    integer: np.ndarray


@dataclass(frozen=True)
class Csc:
    """A matrix by columns: column j holds rows `indices[indptr[j]:indptr[j+1]]`, with `data`."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @property
    def nnz(self) -> int:
        return len(self.data)

    @classmethod
    def from_entries(cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int) -> Csc:
        """Repeated (row, column) entries summed, zeros dropped; rows sorted in each column."""
        order = np.lexsort((rows, cols))
        rows, cols, values = rows[order], cols[order], values[order]
        if len(values):
            new = np.ones(len(values), dtype=bool)
            new[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
            starts = np.flatnonzero(new)
            rows, cols, values = rows[starts], cols[starts], np.add.reduceat(values, starts)
        kept = values != 0
        rows, cols, values = rows[kept], cols[kept], values[kept]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=n), out=indptr[1:])
        return cls(indptr, rows, values)

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of every entry."""
        cols = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return self.indices, cols, self.data


def standard_form(model: pyo.ConcreteModel) -> StandardForm:
    """The arrays of `model`: from its row record when it is as built, else compiled by Pyomo.

    `sourcing.model.rows` records every row's coefficients while the model is built, so
    nothing needs to walk the Pyomo expressions again. A model changed afterwards (another
    objective, constraints added directly) goes through Pyomo's standard-form compiler.
    """
    record = model.__dict__.get(RECORD)
    if record is not None and record.matches(model):
        return _from_record(record)
    return _compiled(model)


def _from_record(record: RowRecord) -> StandardForm:
    n = len(record.columns)
    matrix = Csc.from_entries(  # numpy only: importing scipy next to Pyomo takes a second
        np.frombuffer(record.row_of_entry, np.intc),
        np.frombuffer(record.column_of_entry, np.intc),
        np.frombuffer(record.values, dtype=float),
        n,
    )
    cost = np.zeros(n)
    if record.cost:
        cost[np.fromiter(record.cost.keys(), dtype=np.int64)] = list(record.cost.values())
    return StandardForm(
        columns=record.columns,
        rows=record.constraints,
        kinds=np.frombuffer(record.kinds, dtype=np.int8).astype(int),
        rhs=np.frombuffer(record.rhs, dtype=float),
        matrix=matrix,
        cost=cost,
        offset=0.0,
        lower=np.frombuffer(record.lower, dtype=float),
        upper=np.frombuffer(record.upper, dtype=float),
        integer=np.frombuffer(record.integer, dtype=float),
    )


def _compiled(model: pyo.ConcreteModel) -> StandardForm:
    # imported here: it pulls in all of scipy (about a second), and a recorded model skips it
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    n = len(repn.columns)
    compressed = repn.A.tocsc()
    return StandardForm(
        columns=list(repn.columns),
        rows=[row.constraint for row in repn.rows],
        kinds=np.array([row.bound_type for row in repn.rows], dtype=int),
        rhs=np.asarray(repn.rhs, dtype=float),
        matrix=Csc(compressed.indptr, compressed.indices, compressed.data),
        cost=np.asarray(repn.c.toarray()).ravel()[:n] if repn.c.shape[0] else np.zeros(n),
        offset=float(repn.c_offset[0]) if len(repn.c_offset) else 0.0,
        lower=np.full(n, np.nan),
        upper=np.full(n, np.nan),
        integer=np.full(n, np.nan),
    )


def _column_bounds(form: StandardForm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds and integrality of the columns; a fixed variable is held at
    its value. Only bounds the form does not carry are read from Pyomo (slow per variable)."""
    columns = form.columns
    lower, upper, integer = form.lower.copy(), form.upper.copy(), form.integer.copy()
    for i in np.flatnonzero(np.isnan(lower) | np.isnan(upper) | np.isnan(integer)):
        lb, ub = columns[i].bounds
        lower[i] = -np.inf if lb is None else lb
        upper[i] = np.inf if ub is None else ub
        integer[i] = columns[i].is_integer()
    for i in np.flatnonzero([v.fixed for v in columns]):
        lower[i] = upper[i] = columns[i].value
    return lower, upper, integer.astype(bool)


def configure(highs: highspy.Highs, options: SolveOptions) -> None:
    """The one place where options become HiGHS settings: log, gap, seed, threads and the
    time left (when there is a time limit)."""
    highs.setOptionValue("output_flag", options.verbose)
    highs.setOptionValue("mip_rel_gap", options.mip_gap)
    highs.setOptionValue("random_seed", options.seed)
    if options.threads is not None:
        highs.setOptionValue("threads", options.threads)
    set_time_limit(highs, options.remaining())


def set_time_limit(highs: highspy.Highs, seconds: float) -> None:
    """HiGHS's time limit: `seconds` (infinite allowed), at least `MIN_TIME_LIMIT`."""
    highs.setOptionValue("time_limit", max(seconds, MIN_TIME_LIMIT))


def new_highs() -> highspy.Highs:
    """An empty HiGHS instance with its output off (and without its start-up banner)."""
    with _stdout_to(os.devnull):
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


def handover(model: pyo.ConcreteModel) -> HandedOver:
    """Pass `model` to a new HiGHS instance as arrays, in one call (see `standard_form`)."""
    with PauseGC():
        form = standard_form(model)
        lower, upper, integer = _column_bounds(form)
    n, rhs, kinds = len(form.columns), form.rhs, form.kinds
    matrix = form.matrix
    highs = new_highs()
    status = highs.passModel(
        n,
        len(rhs),
        int(matrix.nnz),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        form.offset,
        form.cost,
        lower,
        upper,
        np.where(kinds <= 0, rhs, -np.inf),
        np.where(kinds >= 0, rhs, np.inf),
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(float),
        integer.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:  # validation keeps numbers in range: a bug if seen
        raise SourcingError(
            "HiGHS refused the model: a coefficient, bound or cost lies beyond what it accepts "
            "(see docs/limits.md)"
        )
    return HandedOver(
        highs=highs,
        columns=form.columns,
        rows=form.rows,
        row_kinds=kinds,
        offset=form.offset,
        num_rows=len(rhs),
        num_integer=int(integer.sum()),
        nonzeros=int(matrix.nnz),
        integer_columns=np.flatnonzero(integer).astype(np.int32),
        lower=lower,
        upper=upper,
        cost=form.cost,
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
    with _stdout_to(2 if options.verbose else os.devnull):
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
    highs.setOptionValue("time_limit", highs.getRunTime() + remaining)
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
