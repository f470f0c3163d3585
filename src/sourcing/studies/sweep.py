"""Sweeps: solve an instance at every point of a parameter grid and tabulate the outcomes.

Each point is an independent solve of the overridden instance, so the table is the same
whether points run one after another, in local processes, or on a Dask cluster.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pandas as pd

from sourcing import interrupts
from sourcing.api import solve_with
from sourcing.errors import InstanceError, SourcingError, UsageError
from sourcing.explain.results import Results
from sourcing.instance.overrides import apply_overrides
from sourcing.instance.schema import Instance, group_members
from sourcing.output.studies import StudyLabels
from sourcing.solver import SolveOptions
from sourcing.studies.grid import MAX_POINTS, grid
from sourcing.studies.resolver import Resolver

Progress = Callable[[int, int], None]
"""Called with (points done, points in all) after each point."""

SCHEDULER_TIMEOUT = 30.0  # seconds to reach a Dask scheduler and find a worker there
SCHEDULER_TIMEOUT_VARIABLE = "SOURCING_SCHEDULER_TIMEOUT"  # overrides it, in seconds
WORKER_EXIT_SECONDS = 5.0
QUIET_TRACKER = "ignore:resource_tracker:UserWarning"


def _group_shares(
    instance: Instance,
    members: dict[str, frozenset[str]],
    flows: pd.DataFrame,
    values: dict[str, Any] | None,
    prefix: str,
    row: dict[str, Any],
) -> dict[str, float]:
    """Put each region's and bloc's share of `flows` (by value if `values`) in `row`, as
    `<prefix>_<group>`; return the regions' shares."""
    weights = flows["product"].map(values) if values is not None else 1.0
    totals = (flows["quantity"] * weights).groupby(flows["supplier"]).sum()
    delivered = float(totals.sum())
    region_shares = {}
    for kind, groups in (("region", instance.regions), ("bloc", instance.blocs)):
        for group in groups:
            quantity = float(sum(q for s, q in totals.items() if s in members[group.id]))
            share = quantity / delivered if delivered else 0.0
            row[f"{prefix}_{group.id}"] = share
            if kind == "region":
                region_shares[group.id] = share
    return region_shares


def point_row(instance: Instance, parameters: Mapping[str, Any], results: Results) -> dict:
    """One sweep row: parameters, status, objective, cost breakdown, shares, HHI, shortage.

    Regional and bloc shares (and the HHI over regions) are by value where every product
    delivered has a `value` (`basis` says which), else by quantity."""
    row: dict[str, Any] = {
        "parameters": dict(parameters),
        "status": results.status,
        "objective": results.objective,
        "mip_gap": results.mip_gap,
    }
    if results.plan is None:
        row["message"] = results.message.splitlines()[0] if results.message else ""
        return row
    row.update({f"cost_{name}": float(cost) for name, cost in results.costs.items()})
    row["shortage"] = float(results.shortages["quantity"].sum()) if len(results.shortages) else 0.0
    values = {p.id: p.value for p in instance.products}
    by_value = bool(len(results.flows)) and all(
        values.get(p) is not None for p in results.flows["product"]
    )
    row["basis"] = "value" if by_value else "quantity"
    members = group_members(instance)
    flows = results.flows
    tiers = [("share", flows)]
    if "stage" in flows.columns:  # the front end's shares, then the back end's
        tiers = [("share", flows[flows["stage"] == "front"])]
        tiers.append(("back_share", flows[flows["stage"] == "back"]))
    weights = values if by_value else None
    for prefix, tier in tiers:
        region_shares = _group_shares(instance, members, tier, weights, prefix, row)
        if prefix == "share":
            row["hhi"] = sum(s * s for s in region_shares.values())  # over regions, in [0, 1]
    row["binding"] = ", ".join(dict.fromkeys(results.binding_policies["policy"]))
    row.update(_resilience_columns(results))
    if results.expansions is not None:
        built = results.expansions[results.expansions["built"]]
        row["built"] = ", ".join(built["expansion"])
        row["subsidy"] = float(results.expansions["subsidy"].sum())
    return row


def _resilience_columns(results: Results) -> dict[str, Any]:
    """With scenarios: the expected unmet demand; with N-1 outages: the worst share of a
    product's demand any one outage leaves unmet."""
    columns: dict[str, Any] = {}
    if results.risk is not None:
        columns["expected_shortage"] = float(results.risk["expected_shortage"])
    scenarios = results.scenarios
    if scenarios is not None:
        outages = scenarios[scenarios["scenario"].astype(str).str.startswith("outage:")]
        if len(outages):
            columns["worst_outage_share"] = float(outages["worst_product_share"].max())
    return columns


def _solve_point(
    data: dict[str, Any],
    parameters: dict[str, Any],
    options: SolveOptions,
    resolver: Resolver | None = None,
) -> dict[str, Any]:
    """Solve one point (here, in a worker process or on a Dask worker).

    With a `resolver`, the model kept from the previous point is updated in place where it can.
    """
    instance = Instance.from_data(data)
    try:
        changed = apply_overrides(instance, parameters)
    except (InstanceError, UsageError) as exc:
        return {
            "parameters": parameters,
            "status": "invalid",
            "objective": None,
            "message": str(exc).replace("\n", "; "),
        }
    results = resolver.solve(changed) if resolver is not None else solve_with(changed, options)
    return point_row(changed, parameters, results)


def _points(settings: Mapping[str, Iterable[Any]] | Sequence[Mapping[str, Any]]) -> list[dict]:
    if isinstance(settings, Mapping):
        return grid(settings)
    if len(settings) > MAX_POINTS:
        raise UsageError(f"{len(settings):,} points; at most {MAX_POINTS:,} are allowed")
    return [dict(point) for point in settings]


def sweep(
    instance: Instance,
    settings: Mapping[str, Iterable[Any]] | Sequence[Mapping[str, Any]],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    reuse: bool = False,
    **options: Any,
) -> pd.DataFrame:
    """Solve `instance` at every point and return one row per point, in grid order.

    `settings` maps override paths to the values to try (a grid of all combinations), or is
    a list of points {path: value}, at most `MAX_POINTS`. `jobs` local processes solve points
    in parallel (default and most: the machine's cores; 1 runs in this process); `scheduler`
    is the address of a Dask distributed scheduler with workers to run them on instead (see
    `SCHEDULER_TIMEOUT`). `options` are `solve`'s keywords, for every point; a time limit
    bounds each.
    A point whose overrides give an invalid instance has status "invalid" and a message.
    Each point is built anew. With `reuse` and `jobs=1`, a point re-uses the model of the
    previous one where only costs or shares changed (see `sourcing.studies.resolver`); it is off by
    default because the benchmarks find it no faster (`benchmarks/README.md`: proving the
    optimum is nearly all of a re-solve, and the build it saves is a small part). Statuses and
    objectives agree either way; where several plans tie, the reported plan may differ.
    """
    solver = SolveOptions.of(**options)
    points = _points(settings)
    for point in points[:1]:  # fail early, naming the path, if a path does not exist
        try:
            apply_overrides(instance, point)
        except InstanceError as exc:  # a bad value is that point's row; a bad name is not
            if any(problem.message == "unknown key" for problem in exc.problems):
                raise
    data = instance.model_dump(by_alias=True, exclude_none=True)
    if scheduler is not None:
        rows = _run_dask(scheduler, data, points, solver, progress)
    else:
        rows = _run_local(data, points, solver, jobs, progress, reuse)
    frame = rows_frame(rows)
    if isinstance(settings, Mapping):
        frame.attrs["parameters"] = list(settings)  # in the order given, for the picture
    return frame


def sweep_labels(instance: Instance) -> StudyLabels:
    """Title and heading of a sweep of `instance`."""
    money = instance.units.money
    return StudyLabels(
        kind="sweep",
        title=f"{instance.name}: cost across the sweep",
        heading=f"Sweep of {instance.name} ({money})",
        money=money,
    )


def _run_local(
    data: dict[str, Any],
    points: list[dict[str, Any]],
    options: SolveOptions,
    jobs: int | None,
    progress: Progress | None,
    reuse: bool,
) -> list[dict[str, Any]]:
    cores = os.cpu_count() or 1
    workers = min(jobs or cores, cores, len(points)) or 1
    rows: list[dict[str, Any] | None] = [None] * len(points)
    if workers == 1:
        resolver = Resolver(options) if reuse else None
        for i, point in enumerate(points):
            rows[i] = _solve_point(data, point, options, resolver)
            if progress:
                progress(i + 1, len(points))
        return [r for r in rows if r is not None]
    # Spawned, not forked: a fork of a process in which HiGHS has run can hang in HiGHS.
    context = multiprocessing.get_context("spawn")
    _quiet_resource_tracker()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=interrupts.worker_start
    )
    try:
        futures = {
            pool.submit(_solve_point, data, point, options): i for i, point in enumerate(points)
        }
        for done, future in enumerate(as_completed(futures), start=1):
            rows[futures[future]] = future.result()
            if progress:
                progress(done, len(points))
    except BaseException as exc:  # Ctrl-C, SIGTERM or a failed point: no worker outlives it
        _stop_workers(pool)
        if isinstance(exc, BrokenProcessPool):
            raise SourcingError(
                "a worker process of the sweep ended abruptly (out of memory, or killed); "
                "--jobs 1 solves the points in this process"
            ) from None
        raise
    pool.shutdown()
    return [r for r in rows if r is not None]


def _quiet_resource_tracker() -> None:
    """Keep the resource tracker (a helper process of multiprocessing, started with the first
    worker and given this interpreter's -W options) from warning about the semaphores of
    workers that `_stop_workers` killed (Pyomo makes one on import): it removes them itself."""
    if QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(QUIET_TRACKER)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes now, dropping the points not yet solved."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=WORKER_EXIT_SECONDS)
    # With its workers gone, the pool's manager finds it broken and ends at once; waiting for
    # it releases the pool's queues (else a warning of leaked semaphores at exit).
    pool.shutdown(wait=True, cancel_futures=True)


def scheduler_timeout() -> float:
    """Seconds to wait for a Dask scheduler: `SCHEDULER_TIMEOUT`, or the environment's
    `SOURCING_SCHEDULER_TIMEOUT`."""
    text = os.environ.get(SCHEDULER_TIMEOUT_VARIABLE)
    if text is None:
        return SCHEDULER_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise UsageError(f"{SCHEDULER_TIMEOUT_VARIABLE} must be a positive number, got {text!r}")
    return seconds


def _connect(address: str) -> Any:
    """A Dask client of the scheduler at `address` that has at least one worker, or a
    `UsageError`: `scheduler_timeout()` seconds to connect, as many to find a worker.

    Dask's own timeout does not cover a listener that accepts and never answers (or an HTTP
    server), so the connection is made in a thread that is abandoned if it does not finish.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
    timeout = scheduler_timeout()
    found: dict[str, Any] = {}

    def connect() -> None:
        try:
            found["client"] = Client(address, timeout=timeout)
        except BaseException as exc:  # reported in the caller's thread
            found["error"] = f"{type(exc).__name__}: {exc}".rstrip(": ")
            return
        try:
            found["client"].wait_for_workers(1, timeout=timeout)
        except BaseException:
            found["error"] = f"it has no worker (none came within {timeout:g} s)"

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(2 * timeout + 1)
    client = found.get("client")
    if thread.is_alive() or "error" in found:
        if client is not None:
            threading.Thread(target=client.close, daemon=True).start()
        reason = found.get("error", f"no answer within {timeout:g} s")
        raise UsageError(f"cannot use the Dask scheduler at {address!r}: {reason}")
    return client


def _run_dask(
    address: str,
    data: dict[str, Any],
    points: list[dict[str, Any]],
    options: SolveOptions,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    from dask.distributed import as_completed

    with _connect(address) as client:
        futures = [
            client.submit(_solve_point, data, point, options, pure=False) for point in points
        ]
        index = {future.key: i for i, future in enumerate(futures)}
        rows: list[dict[str, Any] | None] = [None] * len(points)
        for done, future in enumerate(as_completed(futures), start=1):
            rows[index[future.key]] = future.result()
            if progress:
                progress(done, len(points))
    return [r for r in rows if r is not None]


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The sweep table: one column per parameter path, then the outcome columns."""
    paths = list(dict.fromkeys(p for row in rows for p in row["parameters"]))
    records = [
        {
            **{p: row["parameters"].get(p) for p in paths},
            **{k: v for k, v in row.items() if k != "parameters"},
        }
        for row in rows
    ]
    frame = pd.DataFrame.from_records(records)
    frame.attrs["parameters"] = paths
    return frame


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The sweep table as JSON-ready objects: `parameters`, `status`, `objective`, the rest."""
    paths = frame.attrs.get("parameters", [])
    records = []
    for row in frame.to_dict(orient="records"):
        clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        records.append(
            {
                "parameters": {p: clean.pop(p) for p in paths},
                "status": clean.pop("status"),
                "objective": clean.pop("objective"),
                **clean,
            }
        )
    return records
