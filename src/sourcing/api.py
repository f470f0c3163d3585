"""The Python API: load an instance, solve it, get `Results`."""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd

from sourcing.explain.prices import policy_costs as price_policies
from sourcing.explain.results import (
    POLICY_COST_COLUMNS,
    Results,
    empty_results,
    with_resilience_cost,
)
from sourcing.instance.schema import Instance
from sourcing.pipeline import Pipeline
from sourcing.solver import SolveOptions


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
            "verbose": verbose,
        }
    )
    return solve_with(instance, options, policy_costs=policy_costs, resilience_cost=resilience_cost)


def solve_with(
    instance: Instance,
    options: SolveOptions,
    *,
    policy_costs: bool = False,
    resilience_cost: bool = False,
) -> Results:
    """`solve` with typed options (what the studies and the command line call)."""
    options = options.started()
    results = Pipeline(instance, options).solve()
    if policy_costs and results.objective is not None:
        clock = time.perf_counter()
        costs = price_policies(
            instance, results.objective, lambda changed: solve_within(changed, options)
        )
        timings = {**results.timings, "policy_costs": time.perf_counter() - clock}
        frame = pd.DataFrame(costs, columns=POLICY_COST_COLUMNS)
        results = replace(results, policy_costs=frame, timings=timings)
    if resilience_cost and instance.resilience is not None and results.objective is not None:
        plain = None
        if not options.expired():
            plain = Pipeline(instance.replace(resilience=None), options).solve()
        results = with_resilience_cost(results, instance, plain)
    return results


def solve_within(instance: Instance, options: SolveOptions) -> Results:
    """A solve within the time left of the run that `options` belong to (no log)."""
    if options.expired():
        message = f"no plan found: {options.time_up()}"
        return empty_results(instance, "no_solution", message=message)
    return Pipeline(instance, replace(options, verbose=False)).solve()
