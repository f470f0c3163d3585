"""HiGHS reads the exported model and solves it; its progress comes from callbacks."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import highspy

from sourcing.bench.export import ExportedModel, offset_lost
from sourcing.bench.runs import BenchSettings, SolverRun, Tracker, finite
from sourcing.solver import SolveOptions, configure, new_highs, relative_gap


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
        primal, bound = finite(data.mip_primal_bound), finite(data.mip_dual_bound)
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
    bound = finite(info.mip_dual_bound) if is_mip else None
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
    lost = offset_lost(float(highs.getLp().offset_), model.offset)
    if lost:
        return SolverRun("highs", message=lost)
    return track_highs(
        highs,
        time_limit=settings.time_limit,
        threads=settings.threads,
        mip_gap=settings.mip_gap,
        seed=settings.seed,
    )
