"""CBC, found on the PATH or in PuLP, runs as a separate process; its progress is read from
its log, so its times include reading the file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sourcing.bench.export import ExportedModel
from sourcing.bench.runs import BenchSettings, SolverRun, Tracker, finite

CBC_INSTALL = (
    "install one with `pip install pulp` (it bundles a cbc binary) or "
    "`apt-get install coinor-cbc`, or pass --cbc PATH"
)


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
        state.better(primal=finite(float(match[2])), bound=float(match[3]))
        tracker.observe(float(match[4]), state.primal, state.bound, root=int(match[1]) == 0)
    elif match := p["completed"].search(line):
        state.better(primal=float(match[1]))
        if not state.gap_exit:  # the search proved this objective optimal
            state.better(bound=float(match[1]))
        tracker.observe(float(match[2]), state.primal, state.bound)
    elif match := p["partial"].search(line):
        state.better(primal=finite(float(match[1])), bound=float(match[2]))
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
