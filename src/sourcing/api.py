"""The Python API: load an instance, solve it, get `Results`."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from pyomo.common.gc_manager import PauseGC

from sourcing.check import assert_plan_ok
from sourcing.data import ModelData, build_data
from sourcing.errors import InfeasibleError, NoSolutionError
from sourcing.model import Stage, build_model, disruption_stages
from sourcing.model.variables import var_of
from sourcing.plan import Plan, StagePlan
from sourcing.prices import policy_costs as price_policies
from sourcing.prices import row_duals
from sourcing.recourse import solve_recourse
from sourcing.results import (
    POLICY_COST_COLUMNS,
    Results,
    empty_results,
    plan_results,
    with_resilience_cost,
)
from sourcing.schema import Instance
from sourcing.solver import HandedOver, SolveOptions, SolverOutcome, handover, run

ZERO = 1e-7
DECIMALS = 9


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_gap: float = 1e-6,
    threads: int | None = None,
    seed: int = 0,
    verbose: bool = False,
    policy_costs: bool = False,
    formulation: str = "tight",
    deadline: float | None = None,
    resilience_cost: bool = False,
) -> Results:
    """Solve `instance` with HiGHS and return `Results`.

    `time_limit` in seconds bounds the whole call: building the model, the search, the LP
    polish, a diagnosis and the re-optimised outages share it (the build itself is not cut
    short: a limit that expires during it ends the call right after it); reading and checking
    a plan found in time always completes. `deadline` (on the `time.perf_counter` clock), if
    given, is when the time limit ends: for a run that began before this call. `mip_gap` is
    relative. An infeasible instance returns Results with status "infeasible" (and a
    diagnosis where one is known), not an exception; so does a limit reached before any plan
    ("no_solution"). Every plan returned has passed the independent checker
    (`sourcing.check`). `results.raise_for_status()` turns those statuses into
    `InfeasibleError` (with the diagnosis) or `NoSolutionError`.

    Binding policies carry their marginal price (LP duals with the contracts fixed); with
    `policy_costs`, each policy is also removed in turn and the instance re-solved, giving the
    total cost of having it (`results.policy_costs`).

    With `resilience_cost` and a `resilience` requirement in the instance, the instance is
    also solved without it, within the same time limit, and `results.resilience` says what the
    requirement costs and which contracts it adds (what `sourcing solve` prints).

    `formulation` "tight" (the default) adds valid inequalities and symmetry breaking and
    offers HiGHS a plan rounded from the LP relaxation; "plain" does none of it (same optimum,
    found more slowly; see `sourcing.model.tighten`).
    """
    options = SolveOptions.from_keywords(
        {
            "time_limit": time_limit,
            "deadline": deadline,
            "mip_gap": mip_gap,
            "threads": threads,
            "seed": seed,
            "formulation": formulation,
        }
    )
    options = replace(options, verbose=verbose).started()
    with PauseGC():  # one pause for the whole run: each resume would walk the model again
        results = _build_and_solve(instance, options)
    if policy_costs and results.objective is not None:
        clock = time.perf_counter()
        costs = price_policies(
            instance, results.objective, lambda changed: _resolve(changed, options)
        )
        timings = {**results.timings, "policy_costs": time.perf_counter() - clock}
        frame = pd.DataFrame(costs, columns=POLICY_COST_COLUMNS)
        results = replace(results, policy_costs=frame, timings=timings)
    if resilience_cost and instance.resilience is not None and results.objective is not None:
        plain = None
        if not options.expired():
            plain = solve(instance.replace(resilience=None), **options.keywords(), verbose=verbose)
        results = with_resilience_cost(results, instance, plain)
    return results


def _build_and_solve(instance: Instance, options: SolveOptions) -> Results:
    """Tables, model, hand-over, HiGHS and the checked results of one solve."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    data = build_data(instance)
    try:
        stages = disruption_stages(instance)
        model = build_model(data, stages, options.tightening)
    except InfeasibleError:
        timings["build"] = time.perf_counter() - clock
        return _infeasible(instance, options, timings, {})
    timings["build"] = time.perf_counter() - clock

    clock = time.perf_counter()
    handed = handover(model)
    timings["handover"] = time.perf_counter() - clock
    if options.expired():
        message = f"no plan found: {options.time_up(' while building the model')}"
        return empty_results(
            instance, "no_solution", message=message, timings=timings, model_size=model_size(handed)
        )
    outcome = run(handed, options)
    timings["solve"] = outcome.seconds
    return finish(instance, data, stages, model, handed, outcome, options, timings)


def _resolve(instance: Instance, options: SolveOptions) -> Results:
    """`solve` within the time left of the run that `options` belong to."""
    if options.expired():
        message = f"no plan found: {options.time_up()}"
        return empty_results(instance, "no_solution", message=message)
    return solve(instance, **options.keywords())


def model_size(handed: HandedOver) -> dict[str, int]:
    return {
        "rows": handed.num_rows,
        "columns": len(handed.columns),
        "binaries": handed.num_integer,
        "nonzeros": handed.nonzeros,
    }


def finish(
    instance: Instance,
    data: ModelData,
    stages: list[Stage],
    model: Any,
    handed: HandedOver,
    outcome: SolverOutcome,
    options: SolveOptions,
    timings: dict[str, float],
) -> Results:
    """Results from what HiGHS returned: the plan, checked independently, and its tables.

    Python's cycle collector is paused while they are made: with a large model alive, each of
    its runs would walk the model's millions of objects again.
    """
    size = model_size(handed)
    clock = time.perf_counter()
    if outcome.status == "infeasible":
        return _infeasible(instance, options, timings, size)
    if outcome.values is None:
        return empty_results(
            instance, outcome.status, message=outcome.message, timings=timings, model_size=size
        )
    with PauseGC():
        plan = extract_plan(model, data, stages, handed, outcome)
        plan = _settle_unweighted_stages(plan, stages, options)
        assert_plan_ok(instance, plan)
        rows = handed.rows
        duals = row_duals(rows, outcome.row_duals) if outcome.row_duals is not None else {}
        timings["extract"] = time.perf_counter() - clock
        return plan_results(
            data,
            plan,
            status=outcome.status,
            mip_gap=outcome.mip_gap,
            bound=outcome.bound,
            timings=timings,
            model_size=size,
            duals=duals,
            message=outcome.message,
        )


def _settle_unweighted_stages(plan: Plan, stages: list[Stage], options: SolveOptions) -> Plan:
    """Re-optimise the recourse of stages with probability zero (N-1 outages, say).

    Their flows do not enter the objective, so the solver leaves them at any feasible point;
    reported per-scenario costs and shortages should be the cheapest response instead. A stage
    not re-optimised within the time limit keeps the solver's (feasible) flows.
    """
    settled = dict(plan.scenarios)
    for stage in stages:
        if stage.probability == 0:
            try:
                found = solve_recourse(
                    stage.data, plan.contracts, _quiet(options), max_shortage=stage.max_shortage
                )
            except NoSolutionError:
                continue
            settled[stage.id] = StagePlan(flows=found.flows, unmet=found.unmet)
    return replace(plan, scenarios=settled)


def _quiet(options: SolveOptions) -> SolveOptions:
    return replace(options, verbose=False)


def _infeasible(
    instance: Instance, options: SolveOptions, timings: dict[str, float], size: dict[str, int]
) -> Results:
    """Results for an infeasible instance, with the diagnosis of `sourcing.diagnose`."""
    from sourcing.diagnose import diagnose  # imported only when there is something to explain

    clock = time.perf_counter()
    diagnosis = diagnose(instance, options)
    timings["diagnose"] = time.perf_counter() - clock
    return empty_results(
        instance,
        "infeasible",
        diagnosis=diagnosis,
        message=f"no plan satisfies the instance\n{diagnosis['summary']}",
        timings=timings,
        model_size=size,
    )


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


def extract_plan(
    model: Any, data: ModelData, stages: list[Stage], handed: HandedOver, outcome: SolverOutcome
) -> Plan:
    """Read contracts, flows and unmet demand of every stage from the solver's column values."""
    assert outcome.values is not None
    values = dict(zip((id(v) for v in handed.columns), np.asarray(outcome.values), strict=True))

    def value_of(var: Any) -> float:
        if id(var) in values:
            return float(values[id(var)])
        return float(var.value or 0.0) if var.fixed else 0.0

    def quantities(block: Any, stage_data: ModelData) -> tuple[dict, dict]:
        flow, short = var_of(block, "flow"), var_of(block, "unmet")
        flows = {f: q for f in stage_data.flows if (q := _clean(value_of(flow[f]))) > 0}
        unmet = {c: q for c in stage_data.unmet_bound if (q := _clean(value_of(short[c]))) > 0}
        return flows, unmet

    flows, unmet = quantities(model, data)
    scenarios = {
        stage.id: StagePlan(*quantities(model.recourse[stage.id], stage.data)) for stage in stages
    }
    delivering = {f[0] for f in flows} | {f[0] for sp in scenarios.values() for f in sp.flows}
    idle_counts = _idle_contracts_count(data, flows)
    contracts = {
        s.id
        for s in data.instance.suppliers
        if s.id in model.use_supplier
        and value_of(model.use_supplier[s.id]) > 0.5
        and (s.id in delivering or s.fixed_cost > 0 or idle_counts)
    }
    objective = outcome.objective if outcome.objective is not None else 0.0
    return Plan(
        contracts=frozenset(contracts),
        flows=flows,
        unmet=unmet,
        objective=round(objective, 9),
        scenarios=scenarios,
    )
