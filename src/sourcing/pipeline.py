"""One instance through the pipeline: tables -> model -> hand-over -> HiGHS -> checked results.

    results = Pipeline(instance, options).solve()

`Pipeline` owns the four steps for one instance under one set of `SolveOptions`; every solve
in the package goes through it (the Python API, the re-solver of sweeps, the frontiers, the
diagnosis, the re-optimised outages, the benchmark's export). Each step may also be called on
its own, which the re-solver and the benchmarks do:

- `build`: the sparse tables (`sourcing.model.data.build_data`, in the pipeline's `Mode`), the
  disruption stages and the Pyomo model, then `edit`, if given (extra rows, fixed contracts, a
  different objective);
- `hand_over`: the model's arrays to a new HiGHS instance (`sourcing.solver.handover`);
- `run`: HiGHS under the options (`sourcing.solver.run`);
- `finish`: the plan read from HiGHS's values, checked by the independent checker, with its
  tables (`sourcing.explain.results.plan_results`); an infeasible instance gets its diagnosis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from pyomo.common.gc_manager import PauseGC

from sourcing.check import assert_plan_ok
from sourcing.errors import InfeasibleError, NoSolutionError
from sourcing.explain.prices import row_duals
from sourcing.explain.results import Results, empty_results, plan_results
from sourcing.instance.schema import Instance
from sourcing.model import Stage, build_model, disruption_stages
from sourcing.model.data import Mode, ModelData, build_data
from sourcing.model.tiers import decompose
from sourcing.model.variables import var_of
from sourcing.plan import Plan, StagePlan
from sourcing.solver import HandedOver, SolveOptions, SolverOutcome, handover, run
from sourcing.solver.recourse import solve_recourse

ZERO = 1e-7
DECIMALS = 9

Edit = Callable[[Any, ModelData], None]


@dataclass
class Pipeline:
    """Build, hand over, run and finish one instance under one set of options.

    `data` and `stages` are derived from `instance` unless given (a disruption's stage brings
    its own tables); `edit(model, data)` changes the model after it is built. The steps fill
    `data`, `stages`, `model`, `handed` and `outcome` in turn, and `timings` (seconds per
    step).
    """

    instance: Instance
    options: SolveOptions = field(default_factory=SolveOptions)
    mode: Mode = Mode.PLAN
    edit: Edit | None = None
    data: ModelData | None = None
    stages: list[Stage] | None = None
    model: Any = None
    handed: HandedOver | None = None
    outcome: SolverOutcome | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.options = self.options.started()

    # The steps ---------------------------------------------------------------------------
    def build(self) -> Any:
        """Tables, stages and model. Raises `InfeasibleError` when the tables already prove
        that no plan exists (e.g. fewer eligible suppliers than `min_suppliers`)."""
        clock = time.perf_counter()
        try:
            if self.data is None:
                self.data = build_data(self.instance, self.mode)
            if self.stages is None:
                plan = self.mode is Mode.PLAN
                self.stages = disruption_stages(self.instance) if plan else []
            self.model = build_model(self.data, self.stages, self.options.tightening)
            if self.edit is not None:
                self.edit(self.model, self.data)
        finally:
            self.timings["build"] = time.perf_counter() - clock
        return self.model

    def hand_over(self) -> HandedOver:
        """The model in a new HiGHS instance (built first if it is not yet)."""
        if self.model is None:
            self.build()
        clock = time.perf_counter()
        self.handed = handover(self.model)
        self.timings["handover"] = time.perf_counter() - clock
        return self.handed

    def run(self, start: np.ndarray | None = None) -> SolverOutcome:
        """HiGHS on the model handed over (handed over first if it is not yet); `start` is a
        first plan to offer, a value per column (see `sourcing.solver.run`)."""
        handed = self.handed if self.handed is not None else self.hand_over()
        self.outcome = run(handed, self.options, start)
        self.timings["solve"] = self.outcome.seconds
        return self.outcome

    def finish(self) -> Results:
        """Results from what HiGHS returned: the plan, checked independently, and its tables;
        the diagnosis when the instance is infeasible.

        Python's cycle collector is paused while they are made: with a large model alive,
        each of its runs would walk the model's millions of objects again.
        """
        assert self.data is not None and self.stages is not None
        assert self.handed is not None and self.outcome is not None
        handed, outcome = self.handed, self.outcome
        size = model_size(handed)
        clock = time.perf_counter()
        if outcome.status == "infeasible":
            return self.infeasible(size)
        if outcome.values is None:
            return empty_results(
                self.instance,
                outcome.status,
                message=outcome.message,
                timings=self.timings,
                model_size=size,
            )
        with PauseGC():
            plan = extract_plan(self.model, self.data, self.stages, handed, outcome)
            plan = _settle_unweighted_stages(plan, self.stages, self.options)
            assert_plan_ok(self.instance, plan)
            duals = {} if outcome.row_duals is None else row_duals(handed.rows, outcome.row_duals)
            self.timings["extract"] = time.perf_counter() - clock
            return plan_results(
                self.data,
                plan,
                status=outcome.status,
                mip_gap=outcome.mip_gap,
                bound=outcome.bound,
                timings=self.timings,
                model_size=size,
                duals=duals,
                message=outcome.message,
            )

    # The whole way ---------------------------------------------------------------------
    def solve(self) -> Results:
        """All four steps. An instance the build proves infeasible gets its diagnosis; a time
        limit that ends during the build ends the run with "no_solution"."""
        with PauseGC():  # one pause for the whole run: each resume would walk the model again
            try:
                self.build()
            except InfeasibleError:
                return self.infeasible({})
            handed = self.hand_over()
            if self.options.expired():
                message = f"no plan found: {self.options.time_up(' while building the model')}"
                return empty_results(
                    self.instance,
                    "no_solution",
                    message=message,
                    timings=self.timings,
                    model_size=model_size(handed),
                )
            self.run()
            return self.finish()

    def infeasible(self, size: dict[str, int]) -> Results:
        """Results for an infeasible instance, with the diagnosis of `sourcing.explain.diagnose`."""
        from sourcing.explain.diagnose import (
            diagnose,  # imported only when there is something to explain
        )

        clock = time.perf_counter()
        diagnosis = diagnose(self.instance, self.options)
        self.timings["diagnose"] = time.perf_counter() - clock
        return empty_results(
            self.instance,
            "infeasible",
            diagnosis=diagnosis,
            message=f"no plan satisfies the instance\n{diagnosis['summary']}",
            timings=self.timings,
            model_size=size,
        )


def model_size(handed: HandedOver) -> dict[str, int]:
    """Rows, columns, binaries and nonzeros of the model HiGHS holds."""
    return {
        "rows": handed.num_rows,
        "columns": len(handed.columns),
        "binaries": handed.num_integer,
        "nonzeros": handed.nonzeros,
    }


def _settle_unweighted_stages(plan: Plan, stages: list[Stage], options: SolveOptions) -> Plan:
    """Re-optimise the recourse of stages with probability zero (N-1 outages, say).

    Their flows do not enter the objective, so the solver leaves them at any feasible point;
    reported per-scenario costs and shortages should be the cheapest response instead. A stage
    not re-optimised within the time limit keeps the solver's (feasible) flows.
    """
    settled = dict(plan.scenarios)
    quiet = replace(options, verbose=False)
    for stage in stages:
        if stage.probability == 0:
            try:
                found = solve_recourse(
                    stage.data,
                    plan.contracts,
                    quiet,
                    max_shortage=stage.max_shortage,
                    builds=plan.builds,
                )
            except NoSolutionError:
                continue
            settled[stage.id] = StagePlan(
                flows=found.flows, unmet=found.unmet, back_flows=found.back_flows, paths=found.paths
            )
    return replace(plan, scenarios=settled)


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

    def quantities(block: Any, stage_data: ModelData) -> StagePlan:
        flow, short = var_of(block, "flow"), var_of(block, "unmet")

        def positive(variables: Any, keys: Any) -> dict:
            return {k: q for k in keys if (q := _clean(value_of(variables[k]))) > 0}

        flows = positive(flow, stage_data.flows)
        unmet = positive(short, stage_data.unmet_bound)
        if not stage_data.two_tier:
            return StagePlan(flows, unmet)
        back = positive(flow, stage_data.back_flows)
        tariffed = (
            positive(var_of(block, "tariff_path"), stage_data.tariff_paths)
            if stage_data.tariff_paths
            else {}
        )
        return StagePlan(flows, unmet, back, decompose(stage_data, flows, back, tariffed))

    nominal = quantities(model, data)
    flows, unmet = dict(nominal.flows), dict(nominal.unmet)
    scenarios = {stage.id: quantities(model.recourse[stage.id], stage.data) for stage in stages}
    delivering = {f[0] for f in flows} | {f[0] for sp in scenarios.values() for f in sp.flows}
    delivering |= {f[0] for f in nominal.back_flows}
    delivering |= {f[0] for sp in scenarios.values() for f in sp.back_flows}
    idle_counts = _idle_contracts_count(data, flows)
    contracts = {
        s.id
        for s in [*data.instance.suppliers, *data.instance.backend]
        if s.id in model.use_supplier
        and value_of(model.use_supplier[s.id]) > 0.5
        and (s.id in delivering or s.fixed_cost > 0 or idle_counts)
    }
    objective = outcome.objective if outcome.objective is not None else 0.0
    build = model.__dict__.get("build")
    builds = frozenset(e for e in (build or {}) if value_of(build[e]) > 0.5)
    subsidy = model.__dict__.get("subsidy")
    subsidies = {k: q for k in (subsidy or {}) if (q := _clean(value_of(subsidy[k]))) > 0}
    return Plan(
        contracts=frozenset(contracts),
        flows=flows,
        unmet=unmet,
        objective=round(objective, 9),
        scenarios=scenarios,
        builds=builds,
        subsidies=subsidies,
        back_flows=nominal.back_flows,
        paths=nominal.paths,
    )
