"""The Python API: load an instance, solve it, get `Results`."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from sourcing.check import assert_plan_ok
from sourcing.data import ModelData, build_data
from sourcing.errors import InfeasibleError
from sourcing.model import build_model
from sourcing.plan import Plan
from sourcing.results import Results, empty_results, plan_results
from sourcing.schema import Instance
from sourcing.solve import HandedOver, SolveOptions, SolverOutcome, handover, run

ZERO = 1e-7
DECIMALS = 6


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_gap: float = 1e-6,
    threads: int | None = None,
    seed: int = 0,
    verbose: bool = False,
) -> Results:
    """Solve `instance` with HiGHS and return `Results`.

    `time_limit` in seconds, `mip_gap` relative. An infeasible instance returns Results with
    status "infeasible" (and a diagnosis where one is known), not an exception; so does a
    limit reached before any plan ("no_solution"). Every plan returned has passed the
    independent checker (`sourcing.check`).
    """
    options = SolveOptions(
        time_limit=time_limit, mip_gap=mip_gap, threads=threads, seed=seed, verbose=verbose
    )
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    data = build_data(instance)
    try:
        model = build_model(data)
    except InfeasibleError as exc:
        timings["build"] = time.perf_counter() - clock
        return empty_results(
            instance, "infeasible", diagnosis=_diagnosis(exc), message=str(exc), timings=timings
        )
    timings["build"] = time.perf_counter() - clock

    clock = time.perf_counter()
    handed = handover(model)
    timings["handover"] = time.perf_counter() - clock
    size = {
        "rows": handed.num_rows,
        "columns": len(handed.columns),
        "binaries": handed.num_integer,
        "nonzeros": handed.nonzeros,
    }
    outcome = run(handed, options)
    timings["solve"] = outcome.seconds

    clock = time.perf_counter()
    if outcome.values is None:
        message = outcome.message
        if outcome.status == "infeasible":
            message = "no plan satisfies every policy, capacity and demand of the instance"
        results = empty_results(
            instance, outcome.status, message=message, timings=timings, model_size=size
        )
        timings["extract"] = time.perf_counter() - clock
        return results
    plan = extract_plan(data, handed, outcome)
    assert_plan_ok(instance, plan)
    timings["extract"] = time.perf_counter() - clock
    return plan_results(
        data,
        plan,
        status=outcome.status,
        mip_gap=outcome.mip_gap,
        bound=outcome.bound,
        timings=timings,
        model_size=size,
    )


def _diagnosis(exc: InfeasibleError) -> dict[str, Any]:
    return {"message": str(exc), **(exc.diagnosis or {})}


def _clean(value: float) -> float:
    return 0.0 if abs(value) < ZERO else round(float(value), DECIMALS)


def _idle_contracts_count(data: ModelData, flows: dict) -> bool:
    """Whether a contract without deliveries can count for `min_suppliers`.

    Only then is an idle contract with no fixed cost part of the plan; otherwise it is noise
    the solver may leave at 1. It counts when the share to reach is zero: `min_supplier_share`
    is 0, or some demanded product has nothing delivered at all.
    """
    if data.min_suppliers is None:
        return False
    delivered = {f[1] for f in flows}
    return data.min_supplier_share == 0 or any(
        demand > 0 and product not in delivered for product, demand in data.product_demand.items()
    )


def extract_plan(data: ModelData, handed: HandedOver, outcome: SolverOutcome) -> Plan:
    """Read contracts, flows and unmet demand from the solver's column values."""
    assert outcome.values is not None
    values = dict(zip((id(v) for v in handed.columns), np.asarray(outcome.values), strict=True))
    model = handed.columns[0].model() if handed.columns else None

    def value_of(var: Any) -> float:
        if id(var) in values:
            return float(values[id(var)])
        return float(var.value or 0.0) if var.fixed else 0.0

    contracts: set[str] = set()
    flows: dict = {}
    unmet: dict = {}
    if model is not None:
        for f in data.flows:
            q = _clean(value_of(model.flow[f]))
            if q > 0:
                flows[f] = q
        delivering = {f[0] for f in flows}
        idle_counts = _idle_contracts_count(data, flows)
        for s in data.suppliers:
            if value_of(model.use_supplier[s]) > 0.5 and (
                s in delivering or data.fixed_cost[s] > 0 or idle_counts
            ):
                contracts.add(s)
        for c in data.unmet_bound:
            q = _clean(value_of(model.unmet[c]))
            if q > 0:
                unmet[c] = q
    objective = outcome.objective if outcome.objective is not None else 0.0
    return Plan(
        contracts=frozenset(contracts), flows=flows, unmet=unmet, objective=round(objective, 9)
    )
