"""Results of a solve: status, objective and tidy pandas tables; JSON and file output."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sourcing.check import plan_costs, plan_stock
from sourcing.errors import InfeasibleError, NoSolutionError
from sourcing.explain.frames import frame
from sourcing.explain.frames import records as _records
from sourcing.explain.investment import (
    INVESTMENT_COSTS,
    expansion_columns,
    expansion_records,
    expansion_rows,
)
from sourcing.explain.prices import RowDuals, binding_rows
from sourcing.explain.shares import share_columns, share_rows
from sourcing.explain.stages import scenario_tables
from sourcing.explain.tiers import (
    BACK,
    FRONT,
    PATH_COLUMNS,
    back_flow_rows,
    flow_row,
    path_rows,
    staged_columns,
)
from sourcing.instance.references import NOMINAL
from sourcing.instance.schema import Instance
from sourcing.model.build import outage_groups
from sourcing.model.data import ModelData
from sourcing.output.outdir import csv_file, text_file
from sourcing.output.outdir import write as write_run
from sourcing.output.spreadsheet import WORKBOOK, results_workbook
from sourcing.plan import Plan

OUTPUT_FILES = (
    "flows.csv",
    "shares.csv",
    "contracts.csv",
    "shortages.csv",
    "stock.csv",
    "binding_policies.csv",
    "costs.csv",
    "policy_costs.csv",
    "scenarios.csv",
    "scenario_flows.csv",
    "scenario_periods.csv",
    "expansions.csv",
    "paths.csv",
    "summary.json",
    "results.xlsx",
    "report.html",
)
"""Every file `Results.to_dir` may write."""
COST_COMPONENTS = ("fixed", "purchase", "tariff", "transport", "holding", "shortage", "risk")
"""The cost breakdown; instances with expansions add `capex` and `subsidy` after `fixed`."""


def cost_components(instance: Instance) -> tuple[str, ...]:
    """The cost components of `instance`'s results (see `COST_COMPONENTS`)."""
    if not instance.expansions:
        return COST_COMPONENTS
    return (COST_COMPONENTS[0], *INVESTMENT_COSTS, *COST_COMPONENTS[1:])


@dataclass(frozen=True)
class Results:
    """The outcome of one solve. Tables are empty when there is no plan.

    Quantities are in `units["quantity"]`, money in `units["money"]`, times in seconds.
    """

    instance: str
    status: str
    objective: float | None
    mip_gap: float | None
    bound: float | None
    units: dict[str, str]
    plan: Plan | None
    flows: pd.DataFrame
    contracts: pd.DataFrame
    shortages: pd.DataFrame
    stock: pd.DataFrame
    shares: pd.DataFrame
    costs: pd.Series
    binding_policies: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    model_size: dict[str, int] = field(default_factory=dict)
    diagnosis: dict[str, Any] | None = None
    message: str = ""
    policy_costs: pd.DataFrame | None = None
    scenarios: pd.DataFrame | None = None
    scenario_flows: pd.DataFrame | None = None
    scenario_periods: pd.DataFrame | None = None
    expansions: pd.DataFrame | None = None
    paths: pd.DataFrame | None = None  # with back-end sites: (supplier, site) paths
    risk: dict[str, float] | None = None
    resilience: dict[str, Any] | None = None

    @property
    def solve_time(self) -> float:
        """Seconds spent inside HiGHS."""
        return self.timings.get("solve", 0.0)

    @property
    def has_plan(self) -> bool:
        return self.plan is not None

    def raise_for_status(self) -> Results:
        """Raise `InfeasibleError` (with the diagnosis) or `NoSolutionError` if there is no plan."""
        if self.status == "infeasible":
            raise InfeasibleError(self.message or "infeasible", self.diagnosis)
        if self.status == "no_solution":
            raise NoSolutionError(self.message or "no plan found within the limits")
        return self

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of SPEC section 3, with extra keys (units, costs, stock, timings)."""
        return {
            "instance": self.instance,
            "status": self.status,
            "objective": self.objective,
            "mip_gap": self.mip_gap,
            "bound": self.bound,
            "units": dict(self.units),
            "flows": _records(self.flows[self._flow_keys]),
            "contracts": list(self.contracts["supplier"]),
            **self._tier_records(),
            "shortages": _records(self.shortages),
            "shares": _records(self.shares),
            "binding_policies": _records(self.binding_policies),
            "costs": {k: float(v) for k, v in self.costs.items()} if self.has_plan else None,
            "stock": _records(self.stock),
            "timings": dict(self.timings),
            "model_size": dict(self.model_size),
            "diagnosis": self.diagnosis,
            "policy_costs": None if self.policy_costs is None else _records(self.policy_costs),
            "message": self.message,
            "scenarios": None if self.scenarios is None else self._scenario_records(),
            "scenario_periods": None
            if self.scenario_periods is None
            else _records(self.scenario_periods),
            "risk": self.risk,
            "resilience": self.resilience,
            "expansions": None
            if self.expansions is None
            else expansion_records(self.expansions, self._programs),
        }

    @property
    def _flow_keys(self) -> list[str]:
        keys = ["supplier", "product", "market", "period", "quantity"]
        return [*keys, "stage"] if "stage" in self.flows.columns else keys

    def _tier_records(self) -> dict[str, Any]:
        """With back-end sites: each contract's stage and the plan's paths."""
        if self.paths is None:
            return {}
        return {
            "contract_stages": dict(
                zip(self.contracts["supplier"], self.contracts["stage"], strict=True)
            ),
            "paths": _records(self.paths),
        }

    def _scenario_records(self) -> list[dict[str, Any]]:
        """One object per scenario (nominal first), with its shortages and busiest suppliers."""
        assert self.scenarios is not None and self.scenario_flows is not None
        records = []
        shortages = self._scenario_shortages
        for row in _records(self.scenarios):
            flows = self.scenario_flows[self.scenario_flows["scenario"] == row["scenario"]]
            load = flows.groupby("supplier", sort=False)["quantity"].sum()
            short = shortages.get(row["scenario"], [])
            scenario_id = row.pop("scenario")
            records.append(
                {
                    "id": scenario_id,
                    **row,
                    "shortages": short,
                    "suppliers": [
                        {"supplier": s, "quantity": float(q)}
                        for s, q in load.sort_values(ascending=False).items()
                    ],
                }
            )
        return records

    @property
    def _scenario_shortages(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        plan = self.plan
        if plan is None:
            return found
        stages = {NOMINAL: plan.unmet, **{k: v.unmet for k, v in plan.scenarios.items()}}
        for stage, unmet in stages.items():
            by_cell: dict[tuple[str, str], float] = {}
            for (p, mk, _), q in unmet.items():
                by_cell[(p, mk)] = by_cell.get((p, mk), 0.0) + q
            found[stage] = [
                {"product": p, "market": mk, "quantity": q} for (p, mk), q in by_cell.items()
            ]
        return found

    @property
    def _programs(self) -> list[str]:
        assert self.expansions is not None
        prefix = "subsidy_"
        return [c[len(prefix) :] for c in self.expansions.columns if c.startswith(prefix)]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV tables `to_dir` writes, by file name (some only with scenarios, policy costs)."""
        tables = {
            "flows.csv": self.flows,
            "shares.csv": self.shares,
            "contracts.csv": self.contracts,
            **({} if self.paths is None else {"paths.csv": self.paths}),
            "shortages.csv": self.shortages,
            "stock.csv": self.stock,
            "binding_policies.csv": self.binding_policies,
            "costs.csv": self.costs.rename_axis("component").reset_index(name="cost"),
        }
        if self.policy_costs is not None:
            tables["policy_costs.csv"] = self.policy_costs
        if self.scenarios is not None and self.scenario_flows is not None:
            tables["scenarios.csv"] = self.scenarios
            tables["scenario_flows.csv"] = self.scenario_flows
        if self.scenario_periods is not None:
            tables["scenario_periods.csv"] = self.scenario_periods
        if self.expansions is not None:
            tables["expansions.csv"] = self.expansions
        return tables

    def to_dir(self, directory: str | Path) -> Path:
        """Write the CSV tables, summary.json, results.xlsx (the summary and every table, one
        sheet each) and report.html into `directory` (created if missing).

        Written by `sourcing.output.outdir.write` as one run of `solve`: each file atomically, with
        the manifest `sourcing-run.json` listing them; the files of the earlier run in
        `directory` that this one does not write are removed, nothing else is touched. A file
        of the same name that no earlier run wrote makes it raise `OutputError` before writing
        anything, as does any failure to write (the folder is then as it was). A process killed
        part-way leaves the earlier run, the new one, or an incomplete manifest that lists every
        file it may have left, which the next run into `directory` cleans up.
        """
        from sourcing.output.report import REPORT, results_page

        tables = self.tables()
        files = {name: csv_file(table) for name, table in tables.items()}
        files["summary.json"] = text_file(self.to_json() + "\n")
        files[WORKBOOK] = results_workbook(tables, self.to_dict())
        files[REPORT] = text_file(results_page(self))
        return write_run(directory, files, command="solve")


FLOW_COLUMNS = [
    "supplier",
    "region",
    "product",
    "market",
    "period",
    "quantity",
    "unit_cost",
    "tariff",
    "transport",
    "cost",
]
CONTRACT_COLUMNS = ["supplier", "name", "region", "fixed_cost"]
POLICY_COST_COLUMNS = ["policy", "kind", "status_without", "objective_without", "cost"]
BINDING_COLUMNS = [
    "policy",
    "kind",
    "product",
    "market",
    "period",
    "supplier",
    "value",
    "limit",
    "price_per_point",
]


def empty_results(
    instance: Instance,
    status: str,
    *,
    diagnosis: dict[str, Any] | None = None,
    message: str = "",
    timings: dict[str, float] | None = None,
    model_size: dict[str, int] | None = None,
) -> Results:
    """Results without a plan (infeasible, or no solution within the limits)."""
    return Results(
        instance=instance.name,
        status=status,
        objective=None,
        mip_gap=None,
        bound=None,
        units=instance.units.model_dump(),
        plan=None,
        flows=frame([], staged_columns(instance, FLOW_COLUMNS)),
        contracts=frame([], staged_columns(instance, CONTRACT_COLUMNS)),
        shortages=frame([], ["product", "market", "period", "quantity", "penalty", "cost"]),
        stock=frame([], ["product", "market", "period", "quantity"]),
        shares=frame([], share_columns(instance)),
        costs=pd.Series({k: 0.0 for k in cost_components(instance)}, name="cost", dtype=float),
        binding_policies=frame([], BINDING_COLUMNS),
        timings=dict(timings or {}),
        model_size=dict(model_size or {}),
        diagnosis=diagnosis,
        message=message,
    )


def plan_results(
    data: ModelData,
    plan: Plan,
    *,
    status: str,
    mip_gap: float | None,
    bound: float | None,
    timings: dict[str, float],
    model_size: dict[str, int],
    duals: RowDuals | None = None,
    message: str = "",
) -> Results:
    """Tidy tables describing `plan` (already checked against the instance).

    `duals` are the row duals of the LP with the contracts fixed; they price binding policies.
    """
    instance = data.instance
    suppliers = {s.id: s for s in instance.suppliers}
    products = {p.id: p for p in instance.products}
    order = {p: i for i, p in enumerate(instance.periods)}

    two_tier = data.two_tier
    stage = {"stage": FRONT} if two_tier else {}
    flow_rows = [
        flow_row(
            key,
            suppliers[key[0]].region,
            q,
            data.unit_cost[key],
            data.tariff_cost[key],
            data.transport_cost[key],
            **stage,
        )
        for key, q in plan.flows.items()
    ]
    if two_tier:
        flow_rows += back_flow_rows(data, plan)
    flow_rows.sort(
        key=lambda r: (
            order[r["period"]],
            r["product"],
            r["market"],
            r.get("stage") == BACK,
            r["supplier"],
        )
    )

    producers = {s.id: s for s in [*instance.suppliers, *instance.backend]}
    sites = set(data.sites)
    contract_rows = [
        {
            "supplier": s,
            "name": producers[s].name or s,
            "region": producers[s].region,
            "fixed_cost": producers[s].fixed_cost,
            **({"stage": BACK if s in sites else FRONT} if two_tier else {}),
        }
        for s in [*data.suppliers, *data.sites]
        if s in plan.contracts
    ]
    shortage_rows = [
        {
            "product": p,
            "market": mk,
            "period": t,
            "quantity": q,
            "penalty": products[p].shortage_penalty,
            "cost": q * (products[p].shortage_penalty or 0.0),
        }
        for (p, mk, t), q in plan.unmet.items()
        if q > 0
    ]
    stock_rows = [
        {"product": p, "market": mk, "period": t, "quantity": q}
        for (p, mk, t), q in plan_stock(instance, plan).items()
        if q > 0
    ]
    costs = plan_costs(instance, plan)
    scenarios, scenario_flows, scenario_periods, risk = scenario_tables(instance, plan)
    return Results(
        instance=instance.name,
        status=status,
        objective=round(costs["total"], 6),
        mip_gap=mip_gap,
        bound=bound,
        units=instance.units.model_dump(),
        plan=plan,
        flows=frame(flow_rows, staged_columns(instance, FLOW_COLUMNS)),
        contracts=frame(contract_rows, staged_columns(instance, CONTRACT_COLUMNS)),
        paths=frame(path_rows(data, plan), PATH_COLUMNS) if two_tier else None,
        shortages=frame(
            shortage_rows, ["product", "market", "period", "quantity", "penalty", "cost"]
        ),
        stock=frame(stock_rows, ["product", "market", "period", "quantity"]),
        shares=frame(share_rows(instance, plan), share_columns(instance)),
        costs=pd.Series(
            {k: costs.get(k, 0.0) for k in cost_components(instance)}, name="cost", dtype=float
        ),
        expansions=frame(expansion_rows(instance, plan), expansion_columns(instance))
        if instance.expansions
        else None,
        binding_policies=frame(binding_rows(data, plan, duals or {}), BINDING_COLUMNS),
        timings=timings,
        model_size=model_size,
        message=message,
        scenarios=scenarios,
        scenario_flows=scenario_flows,
        scenario_periods=scenario_periods,
        risk=risk,
    )


def with_resilience_cost(results: Results, instance: Instance, plain: Results | None) -> Results:
    """`results` with what its resilience requirement costs against the `plain` plan (None,
    or a plain run without a plan: not known, e.g. when the time limit left no time)."""
    assert instance.resilience is not None
    summary: dict[str, Any] = {
        "max_outage_shortage": instance.resilience.max_outage_shortage,
        "per": instance.resilience.per,
        "outages": outage_groups(instance),
        "factor": instance.resilience.factor,
        "plain_objective": None,
        "cost": None,
        "extra_contracts": None,
    }
    if results.objective is not None and plain is not None and plain.objective is not None:
        summary["plain_objective"] = plain.objective
        summary["cost"] = results.objective - plain.objective
        summary["extra_contracts"] = sorted(
            set(results.contracts["supplier"]) - set(plain.contracts["supplier"])
        )
    return replace(results, resilience=summary)
