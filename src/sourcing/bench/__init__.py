"""Compare MILP solvers on the same exported model: HiGHS, SCIP and CBC.

Each instance is built exactly as `sourcing.solve` builds it, handed over to HiGHS and written
once to an MPS file; every solver reads that file, so all solve the same model, objective
constant included. Progress comes from callbacks (HiGHS), an event handler (SCIP) or the log
(CBC): the time to the first solution, to a 1 % gap, and the gap when the root node finished.

Gap, everywhere here: |primal - bound| / max(|primal|, 1e-10). The solvers' own stopping gaps
differ slightly (SCIP divides by the smaller of |primal| and |bound|), so a run may stop a little
above or below `mip_gap` by this measure. Times are wall-clock seconds from the start of the
solve; CBC runs as a separate process, so its times include reading the file. All three minimise.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd
from rich import box
from rich.markup import escape
from rich.table import Table

from sourcing.errors import InfeasibleError, SourcingError, UsageError
from sourcing.instance.generate import SIZES
from sourcing.instance.schema import Instance
from sourcing.output.outdir import csv_file, text_file
from sourcing.output.outdir import write as write_run
from sourcing.output.plots import pyplot
from sourcing.pipeline import Pipeline
from sourcing.solver import HandedOver, SolveOptions, configure, new_highs, relative_gap

SOLVERS = ("highs", "scip", "cbc")
BENCH_SIZES = tuple(SIZES)
DEFAULT_SIZES = ("S", "M")
BENCH_FILES = ("bench.json", "bench.csv", "bench.png")  # what `write_bench` writes
ONE_PERCENT = 0.01
GAP_FLOOR = 1e-10
INFINITY = 1e20  # SCIP's infinity; CBC writes 1e+50 for "no solution yet"
GAP_DEFINITION = "|primal - bound| / max(|primal|, 1e-10)"
CBC_INSTALL = (
    "install one with `pip install pulp` (it bundles a cbc binary) or "
    "`apt-get install coinor-cbc`, or pass --cbc PATH"
)
SCIP_INSTALL = (
    "pyscipopt is not installed: `pip install pyscipopt` (or `pip install sourcing[bench]`)"
)


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


@dataclass(frozen=True)
class ExportedModel:
    """A model written to an MPS file, with its size and the constant of its objective."""

    path: Path
    offset: float
    rows: int
    columns: int
    binaries: int
    nonzeros: int


def _finite(value: float | None) -> float | None:
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


# --- export -------------------------------------------------------------------------------


def export_model(instance: Instance, directory: Path) -> ExportedModel:
    """Build `instance` as `sourcing.solve` does and write it to `directory`/model.mps.

    Raises `InfeasibleError` when the model builder already finds the instance infeasible.
    """
    return write_mps(Pipeline(instance).hand_over(), directory / "model.mps")


def write_mps(handed: HandedOver, path: Path) -> ExportedModel:
    """Write the model handed over to HiGHS to `path` (MPS, objective constant included)."""
    # A warning only says that columns and rows are named c0, c1, ... and r0, r1, ...
    if handed.highs.writeModel(str(path)) == highspy.HighsStatus.kError:
        raise SourcingError(f"HiGHS cannot write the model to {path}")
    return ExportedModel(
        path=path,
        offset=handed.offset,
        rows=handed.num_rows,
        columns=len(handed.columns),
        binaries=handed.num_integer,
        nonzeros=handed.nonzeros,
    )


def _offset_lost(read: float, expected: float) -> str:
    """A message when a solver read another objective constant than the model has, else ""."""
    if abs(read - expected) <= 1e-9 * max(1.0, abs(expected)):
        return ""
    return f"objective constant lost in the export: read {read:g}, expected {expected:g}"


# --- HiGHS --------------------------------------------------------------------------------


def track_highs(
    highs: highspy.Highs,
    *,
    time_limit: float | None,
    threads: int | None,
    mip_gap: float,
    seed: int = 0,
) -> SolverRun:
    """Run the model loaded in `highs`, following its progress with callbacks.

    Sets these limits (and `output_flag` off) on `highs`. Returns status, objective, bound,
    gap, the times to the first solution and to a 1 % gap, the gap when the root node finished,
    and the model's size; `instance` is left empty. The callbacks are removed afterwards.
    """
    _set_highs_options(highs, time_limit=time_limit, threads=threads, mip_gap=mip_gap, seed=seed)
    tracker = Tracker()
    in_tree = False
    at_root: tuple[float | None, float | None] = (None, None)

    def observe(event: Any) -> None:
        """Feed `tracker`; the last state before the first node of the tree ends the root."""
        nonlocal in_tree, at_root
        data = event.data_out
        primal, bound = _finite(data.mip_primal_bound), _finite(data.mip_dual_bound)
        if not in_tree and data.mip_node_count > 0:
            in_tree = True
            tracker.root_gap = relative_gap(*at_root)
        tracker.observe(data.running_time, primal, bound)
        if not in_tree:
            at_root = (primal, bound)

    callbacks = (highs.cbMipImprovingSolution, highs.cbMipInterrupt)
    for callback in callbacks:
        callback.subscribe(observe)
    started = time.perf_counter()
    try:
        highs.run()
    finally:
        for callback in callbacks:
            callback.unsubscribe(observe)
    seconds = time.perf_counter() - started
    status, objective, bound, message = _highs_outcome(highs)
    run = tracker.finish(
        "highs", status, objective, bound, seconds, solved_at_root=not in_tree, message=message
    )
    rows, columns, nonzeros = highs.getNumRow(), highs.getNumCol(), highs.getNumNz()
    return replace(
        run, rows=rows, columns=columns, binaries=_integer_columns(highs), nonzeros=nonzeros
    )


def _set_highs_options(
    highs: highspy.Highs,
    *,
    time_limit: float | None,
    threads: int | None,
    mip_gap: float,
    seed: int,
) -> None:
    if threads is not None:
        highspy.Highs.resetGlobalScheduler(True)  # the thread count is fixed when it starts
    options = SolveOptions(time_limit=time_limit, threads=threads, mip_gap=mip_gap, seed=seed)
    configure(highs, options.started())


def _highs_outcome(highs: highspy.Highs) -> tuple[str, float | None, float | None, str]:
    """Status, objective, bound and a message from what HiGHS reports after a run."""
    ms = highspy.HighsModelStatus
    model_status = highs.getModelStatus()
    info = highs.getInfo()
    if model_status == ms.kInfeasible:
        return "infeasible", None, None, ""
    if model_status in (ms.kUnboundedOrInfeasible, ms.kUnbounded):
        return "infeasible", None, None, highs.modelStatusToString(model_status)
    is_mip = _integer_columns(highs) > 0
    bound = _finite(info.mip_dual_bound) if is_mip else None
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return "no_solution", None, bound, highs.modelStatusToString(model_status)
    objective = float(info.objective_function_value)
    if model_status == ms.kOptimal:
        return "optimal", objective, bound if is_mip else objective, ""
    return "feasible", objective, bound, f"stopped: {highs.modelStatusToString(model_status)}"


def _integer_columns(highs: highspy.Highs) -> int:
    integer = highspy.HighsVarType.kInteger
    return sum(1 for kind in highs.getLp().integrality_ if kind == integer)


def run_highs(model: ExportedModel, settings: BenchSettings) -> SolverRun:
    """HiGHS reads the MPS file and solves it (see `track_highs`)."""
    highs = new_highs()
    if highs.readModel(str(model.path)) == highspy.HighsStatus.kError:
        return SolverRun("highs", message=f"HiGHS cannot read {model.path}")
    lost = _offset_lost(float(highs.getLp().offset_), model.offset)
    if lost:
        return SolverRun("highs", message=lost)
    return track_highs(
        highs,
        time_limit=settings.time_limit,
        threads=settings.threads,
        mip_gap=settings.mip_gap,
        seed=settings.seed,
    )


# --- SCIP ---------------------------------------------------------------------------------

_SCIP_STATUS = {
    "optimal": "optimal",
    "gaplimit": "optimal",
    "infeasible": "infeasible",
    "unbounded": "infeasible",
    "inforunbd": "infeasible",
}


def run_scip(model: ExportedModel, settings: BenchSettings) -> SolverRun:
    """SCIP (pyscipopt) reads the MPS file and solves it on one thread; an event handler
    follows new incumbents, LP solves and finished nodes."""
    try:
        import pyscipopt
    except ImportError:
        return SolverRun("scip", status="unavailable", message=SCIP_INSTALL)
    scip = pyscipopt.Model()
    scip.hideOutput()
    scip.readProblem(str(model.path))
    lost = _offset_lost(float(scip.getObjoffset()), model.offset)
    if lost:
        return SolverRun("scip", message=lost)
    scip.setParam("limits/gap", settings.mip_gap)
    scip.setParam("randomization/randomseedshift", settings.seed)
    if settings.time_limit is not None:
        scip.setParam("limits/time", settings.time_limit)
    tracker = Tracker()
    scip.includeEventhdlr(_scip_handler(pyscipopt, tracker), "bench", "sourcing bench progress")
    started = time.perf_counter()
    scip.optimize()
    seconds = time.perf_counter() - started
    raw = scip.getStatus()
    has_solution = scip.getNSols() > 0
    status = _SCIP_STATUS.get(raw) or ("feasible" if has_solution else "no_solution")
    objective = float(scip.getObjVal()) if has_solution and status != "infeasible" else None
    bound = _finite(scip.getDualbound()) if status != "infeasible" else None
    message = "" if raw in ("optimal", "gaplimit", "infeasible") else f"stopped: {raw}"
    return tracker.finish(
        "scip",
        status,
        objective,
        bound,
        seconds,
        solved_at_root=scip.getNNodes() <= 1,
        message=message,
    )


def _scip_handler(pyscipopt: Any, tracker: Tracker) -> Any:
    """An event handler feeding `tracker`; a finished node at depth 0 marks the root gap."""
    events = pyscipopt.SCIP_EVENTTYPE
    caught = events.BESTSOLFOUND | events.LPSOLVED | events.NODESOLVED

    class Progress(pyscipopt.Eventhdlr):
        def eventinit(self) -> None:
            self.model.catchEvent(caught, self)

        def eventexit(self) -> None:
            self.model.dropEvent(caught, self)

        def eventexec(self, event: Any) -> None:
            scip = self.model
            primal = scip.getSolObjVal(scip.getBestSol()) if scip.getNSols() > 0 else None
            node = event.getNode()
            root = bool(event.getType() & events.NODESOLVED) and node is not None
            root = root and node.getDepth() == 0
            tracker.observe(scip.getSolvingTime(), primal, _finite(scip.getDualbound()), root=root)

    return Progress()


# --- CBC ----------------------------------------------------------------------------------


def find_cbc(explicit: str | Path | None = None) -> tuple[Path | None, str]:
    """The cbc binary to run, or None and why, with how to install one.

    Looked for in this order: `explicit` (--cbc), $SOURCING_CBC, `cbc` on the PATH, the binary
    bundled with the `pulp` package. A path given explicitly or in the environment that does
    not work is reported as such, not replaced by another binary.
    """
    for source, given in (("--cbc", explicit), ("SOURCING_CBC", os.environ.get("SOURCING_CBC"))):
        if given:
            found = shutil.which(str(given))
            if found is None:
                return None, f"no cbc binary at {given} (from {source}); {CBC_INSTALL}"
            return Path(found), ""
    found = shutil.which("cbc") or _pulp_cbc()
    if found is None:
        return None, f"cbc not found; {CBC_INSTALL}"
    return Path(found), ""


def _pulp_cbc() -> str | None:
    """The cbc binary bundled with pulp, if pulp is installed and has one for this platform."""
    try:
        from pulp.apis.coin_api import PULP_CBC_CMD
    except ImportError:
        return None
    return shutil.which(os.path.normpath(PULP_CBC_CMD.pulp_cbc_path))


def cbc_command(binary: Path, path: Path, settings: BenchSettings) -> list[str]:
    """The cbc command line: elapsed (wall-clock) times in the log, the limits, solve, quit."""
    command = [str(binary), str(path), "-timeMode", "elapsed", "-ratioGap", repr(settings.mip_gap)]
    if settings.time_limit is not None:
        command += ["-sec", repr(float(settings.time_limit))]
    if settings.threads is not None:
        command += ["-threads", str(settings.threads)]
    if settings.seed > 0:  # 0 would seed from the clock; cbc's default (-1) is fixed
        command += ["-randomCbcSeed", str(settings.seed)]
    return [*command, "-solve", "-quit"]


def run_cbc(model: ExportedModel, settings: BenchSettings) -> SolverRun:
    """cbc reads the MPS file in a separate process; progress is read from its log."""
    binary, problem = find_cbc(settings.cbc)
    if binary is None:
        return SolverRun("cbc", status="unavailable", message=problem)
    limit = None if settings.time_limit is None else 2 * settings.time_limit + 60
    started = time.perf_counter()
    try:
        done = subprocess.run(
            cbc_command(binary, model.path, settings),
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SolverRun("cbc", seconds=time.perf_counter() - started, message=f"cbc: {exc}")
    seconds = time.perf_counter() - started
    run = parse_cbc_log(done.stdout + done.stderr)
    if run.status == "error":
        run = replace(run, message=f"{run.message} (exit code {done.returncode})")
    return replace(run, seconds=max(seconds, run.seconds or 0.0))


_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_CBC_PATTERNS = {
    "continuous": re.compile(rf"Continuous objective value is {_NUMBER} - {_NUMBER} seconds"),
    "solution": re.compile(rf"Integer solution of {_NUMBER} found .*\({_NUMBER} seconds\)"),
    "root_cuts": re.compile(rf"Cbc0013I At root node, .* to {_NUMBER} in \d+ passes"),
    "nodes": re.compile(
        rf"Cbc0010I After (\d+) nodes, \d+ on tree, {_NUMBER} best solution, "
        rf"best possible {_NUMBER} \({_NUMBER} seconds\)"
    ),
    "completed": re.compile(rf"Cbc0001I Search completed - best objective {_NUMBER},.*\({_NUMBER}"),
    "partial": re.compile(
        rf"Cbc0005I Partial search - best objective {_NUMBER} \(best possible {_NUMBER}\).*"
        rf"\({_NUMBER} seconds\)"
    ),
    "gap_exit": re.compile(r"Cbc0011I Exiting as integer gap"),
    "result": re.compile(r"^Result - (.+?)\s*$"),
    "objective": re.compile(rf"^Objective value:\s+{_NUMBER}"),
    "lower_bound": re.compile(rf"^Lower bound:\s+{_NUMBER}"),
    "nodes_total": re.compile(r"^Enumerated nodes:\s+(\d+)"),
    "wallclock": re.compile(rf"\(?Wallclock seconds\)?:\s+{_NUMBER}"),
    "infeasible": re.compile(r"^Problem is infeasible"),
    "version": re.compile(r"^Version:\s+(\S+)"),
}


@dataclass
class _CbcState:
    """What the log has said so far (minimisation: incumbents only go down, bounds up)."""

    primal: float | None = None
    bound: float | None = None
    result: str = ""
    objective: float | None = None
    final_bound: float | None = None
    nodes: int | None = None
    seconds: float = 0.0
    gap_exit: bool = False
    infeasible: bool = False

    def better(self, primal: float | None = None, bound: float | None = None) -> None:
        if primal is not None and (self.primal is None or primal < self.primal):
            self.primal = primal
        if bound is not None and (self.bound is None or bound > self.bound):
            self.bound = bound


def parse_cbc_log(log: str) -> SolverRun:
    """A `SolverRun` (solver "cbc", size fields empty) from a cbc log run with -timeMode elapsed.

    Incumbents: "Integer solution of X found ... (T seconds)"; bounds: the continuous objective,
    the root cuts, "After N nodes, ..., X best solution, best possible Y (T seconds)" (N = 0 gives
    the root gap); the final "Result - ..." summary gives status, objective and bound.
    """
    state = _CbcState()
    tracker = Tracker()
    for line in log.splitlines():
        _read_cbc_line(line.strip(), state, tracker)
    return _cbc_run(state, tracker)


def _read_cbc_line(line: str, state: _CbcState, tracker: Tracker) -> None:
    p = _CBC_PATTERNS
    if match := p["continuous"].search(line):
        state.better(bound=float(match[1]))
        tracker.observe(float(match[2]), state.primal, state.bound)
    elif match := p["solution"].search(line):
        state.better(primal=float(match[1]))
        tracker.observe(float(match[2]), state.primal, state.bound)
    elif match := p["root_cuts"].search(line):
        state.better(bound=float(match[1]))
        tracker.observe(tracker.last_seen, state.primal, state.bound)
    elif match := p["nodes"].search(line):
        state.better(primal=_finite(float(match[2])), bound=float(match[3]))
        tracker.observe(float(match[4]), state.primal, state.bound, root=int(match[1]) == 0)
    elif match := p["completed"].search(line):
        state.better(primal=float(match[1]))
        if not state.gap_exit:  # the search proved this objective optimal
            state.better(bound=float(match[1]))
        tracker.observe(float(match[2]), state.primal, state.bound)
    elif match := p["partial"].search(line):
        state.better(primal=_finite(float(match[1])), bound=float(match[2]))
        tracker.observe(float(match[3]), state.primal, state.bound)
    elif p["gap_exit"].search(line):
        state.gap_exit = True
    elif match := p["result"].search(line):
        state.result = match[1]
    elif match := p["objective"].search(line):
        state.objective = float(match[1])
    elif match := p["lower_bound"].search(line):
        state.final_bound = float(match[1])
    elif match := p["nodes_total"].search(line):
        state.nodes = int(match[1])
    elif match := p["wallclock"].search(line):
        state.seconds = float(match[1])
    elif p["infeasible"].search(line):
        state.infeasible = True


def _cbc_run(state: _CbcState, tracker: Tracker) -> SolverRun:
    """The run from the final summary (or, without one, what the log said before)."""
    result = state.result.lower()
    if state.infeasible or "infeasible" in result:
        return tracker.finish("cbc", "infeasible", None, None, state.seconds, solved_at_root=True)
    if not result:
        return SolverRun("cbc", seconds=state.seconds, message="cbc log has no result line")
    if "unbounded" in result:
        return SolverRun("cbc", seconds=state.seconds, message=f"cbc: {state.result}")
    objective = state.objective
    bound = state.final_bound if state.final_bound is not None else state.bound
    if result.startswith("optimal"):
        status, message = "optimal", ""
        bound = bound if state.final_bound is not None else objective
    else:
        status = "feasible" if objective is not None else "no_solution"
        message = result  # e.g. "stopped on time limit"
    return tracker.finish(
        "cbc",
        status,
        objective,
        bound,
        state.seconds,
        solved_at_root=state.nodes == 0,
        message=message,
    )


def cbc_version(binary: Path | None) -> str | None:
    """The version cbc prints in its banner, or None."""
    if binary is None:
        return None
    try:
        done = subprocess.run(
            [str(binary), "-quit"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in done.stdout.splitlines():
        if match := _CBC_PATTERNS["version"].search(line.strip()):
            return match[1]
    return None


# --- benchmark ----------------------------------------------------------------------------

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


def runs_frame(runs: Iterable[SolverRun]) -> pd.DataFrame:
    """The runs as a table with the columns `RUN_COLUMNS`."""
    frame = pd.DataFrame([asdict(run) for run in runs], columns=RUN_COLUMNS)
    return frame.astype({c: "Int64" for c in ("rows", "columns", "binaries", "nonzeros")})


def machine(cbc: str | Path | None = None) -> dict[str, Any]:
    """The machine and solver versions behind the numbers."""
    binary, _ = find_cbc(cbc)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "highspy": _package_version("highspy"),
        "pyscipopt": _package_version("pyscipopt"),
        "scip": _scip_version(),
        "cbc": cbc_version(binary),
        "cbc_path": None if binary is None else str(binary),
    }


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _scip_version() -> str | None:
    try:
        import pyscipopt
    except ImportError:
        return None
    return str(pyscipopt.Model().version())


# --- output -------------------------------------------------------------------------------


def progress_line(run: SolverRun) -> str:
    """One line on a finished run, e.g. "optimal, objective 18,905.29, gap 0.00 %, 0.15 s"."""
    if run.status in ("unavailable", "error"):
        return f"{run.status}: {run.message}"
    parts = [run.status]
    if run.objective is not None:
        parts.append(f"objective {run.objective:,.2f}")
    if run.gap is not None:
        parts.append(f"gap {100 * run.gap:.2f} %")
    if run.seconds is not None:
        parts.append(f"{run.seconds:.2f} s")
    return ", ".join(parts)


_TABLE_COLUMNS = {
    "instance": "instance",
    "solver": "solver",
    "columns": "columns",
    "binaries": "binaries",
    "status": "status",
    "objective": "objective",
    "gap": "gap\n(%)",
    "root_gap": "root\ngap (%)",
    "first_solution_seconds": "first\nsol. (s)",
    "one_percent_gap_seconds": "1 % gap\n(s)",
    "seconds": "total\n(s)",
}


def bench_table(frame: pd.DataFrame) -> Table:
    """The runs as a table (rows and nonzeros are in the CSV), the gap's definition below it;
    see `bench_notes` for the runs' messages."""
    table = Table(
        title="Solvers on the same exported model",
        title_justify="left",
        caption=escape(f"gap = {GAP_DEFINITION}"),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for column, label in _TABLE_COLUMNS.items():
        left = column in ("instance", "solver", "status")
        table.add_column(escape(label), justify="left" if left else "right", no_wrap=True)
    for row in frame.to_dict(orient="records"):
        table.add_row(*(escape(_cell(row[c], c)) for c in _TABLE_COLUMNS))
    return table


def _cell(value: Any, column: str) -> str:
    if pd.isna(value):
        return "-"
    if column in ("gap", "root_gap"):  # in %, to 0.001 % below 10 %
        return f"{100 * value:.3f}" if value < 0.1 else f"{100 * value:.1f}"
    if column == "objective":
        return f"{value:,.2f}"
    if column.endswith("seconds"):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


def bench_notes(frame: pd.DataFrame) -> list[str]:
    """The runs' messages, each once with the solvers and instances it concerns."""
    seen: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for row in frame.itertuples():
        if row.message:
            solvers, instances = seen.setdefault(str(row.message), ({}, {}))
            solvers[str(row.solver)] = instances[str(row.instance)] = None
    return [
        f"{', '.join(solvers)} on {', '.join(instances)}: {message}"
        for message, (solvers, instances) in seen.items()
    ]


def plot_bench(frame: pd.DataFrame, path: Path) -> Path:
    """Total time and time to a 1 % gap against model columns, log-log, one line per solver."""
    plt = pyplot()
    solved = frame[frame["status"].isin(["optimal", "feasible"])]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), dpi=120)
    panels = (("seconds", "total time (s)"), ("one_percent_gap_seconds", "time to 1 % gap (s)"))
    for ax, (column, label) in zip(axes, panels, strict=True):
        points = solved.dropna(subset=[column, "columns"])
        for solver, part in points.groupby("solver", sort=False):
            part = part.sort_values("columns")
            seconds = np.maximum(part[column].to_numpy(dtype=float), 1e-3)
            ax.plot(part["columns"], seconds, marker="o", label=solver)
        if len(points):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.legend(fontsize="small")
        else:
            ax.text(0.5, 0.5, "no run to show", transform=ax.transAxes, ha="center")
        ax.set_xlabel("model columns")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("Solvers on the same exported models (times below 1 ms drawn at 1 ms)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def bench_json(
    frame: pd.DataFrame, settings: Mapping[str, Any], machine_info: Mapping[str, Any]
) -> dict[str, Any]:
    """The runs with the settings, the gap definition and the machine, for bench.json."""
    return {
        "gap_definition": GAP_DEFINITION,
        "settings": dict(settings),
        "machine": dict(machine_info),
        "runs": json.loads(frame.to_json(orient="records", double_precision=15)),
    }


def write_bench(
    frame: pd.DataFrame,
    directory: str | Path,
    *,
    settings: Mapping[str, Any],
    machine_info: Mapping[str, Any],
) -> Path:
    """bench.json, bench.csv and bench.png into `directory`, as one run of `bench`.

    Written by `sourcing.output.outdir.write`, as `Results.to_dir` writes a solve's files: each file
    atomically, recorded in the folder's `sourcing-run.json`; an earlier run's other files are
    removed, nothing else is touched; `OutputError` if it cannot.
    """
    document = bench_json(frame, settings, machine_info)
    files = {
        "bench.json": text_file(json.dumps(document, indent=2) + "\n"),
        "bench.csv": csv_file(frame),
        "bench.png": lambda path: plot_bench(frame, path),
    }
    return write_run(directory, files, command="bench")
