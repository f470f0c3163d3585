"""The plan under each disruption: per scenario, per scenario and period, and its flows.

`scenarios`: one row per stage (the nominal plan first): probability, cost, shortage, its share
of all demand, the products hit, and the worst product (largest share of its demand unmet)
and worst cell. `scenario_periods`: per stage and period, what is delivered, left unmet and
held in stock, so that a disruption's start, its effect and the recovery after it show.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from sourcing.check import cvar, plan_stocks, stage_costs, stage_definitions
from sourcing.explain.frames import frame
from sourcing.explain.tiers import staged_columns
from sourcing.instance.references import NOMINAL
from sourcing.instance.schema import Instance
from sourcing.model.data import demand_table
from sourcing.plan import Plan, StagePlan

SCENARIO_COLUMNS = [
    "scenario",
    "probability",
    "cost",
    "shortage",
    "shortage_share",
    "products_hit",
    "worst_product",
    "worst_product_share",
    "worst_cell_share",
]
SCENARIO_FLOW_COLUMNS = ["scenario", "supplier", "product", "market", "period", "quantity"]
SCENARIO_PERIOD_COLUMNS = [
    "scenario",
    "period",
    "delivered",
    "shortage",
    "shortage_share",
    "stock",
]


def worst_shares(
    unmet: dict[tuple[str, str, Any], float], demand: dict[tuple[str, str, Any], float]
) -> tuple[str | None, float, float]:
    """The product with the largest share of its demand unmet (None if nothing is), that
    share, and the largest unmet share of any one cell."""
    by_product: dict[str, float] = defaultdict(float)
    product_demand: dict[str, float] = defaultdict(float)
    for cell, quantity in demand.items():
        product_demand[cell[0]] += quantity
    for cell, quantity in unmet.items():
        by_product[cell[0]] += quantity
    shares = {p: q / product_demand[p] for p, q in by_product.items() if product_demand[p] > 0}
    worst = max(shares, key=lambda p: (shares[p], p), default=None)
    cells = [q / demand[c] for c, q in unmet.items() if demand.get(c, 0.0) > 0]
    return (
        worst if worst is not None and shares[worst] > 0 else None,
        shares.get(worst, 0.0) if worst is not None else 0.0,
        max(cells, default=0.0),
    )


def scenario_tables(
    instance: Instance, plan: Plan
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None, dict | None]:
    """Per-scenario and per-period tables, the scenarios' flows, and the risk summary."""
    stages = stage_definitions(instance)
    if not stages and instance.risk is None:
        return None, None, None, None
    costs = stage_costs(instance, plan)
    demand = demand_table(instance)
    total = sum(demand.values())
    probability = {NOMINAL: 1.0 - sum(s.probability for s in stages)}
    probability.update({s.id: s.probability for s in stages})
    plans = {
        NOMINAL: StagePlan(plan.flows, plan.unmet, plan.back_flows, plan.paths),
        **plan.scenarios,
    }
    rows: list[dict[str, Any]] = []
    period_rows: list[dict[str, Any]] = []
    flow_rows: list[dict[str, Any]] = []
    shortage: dict[str, float] = {}
    staged_plans = {k: plans.get(k, StagePlan()) for k in probability}
    stocks = plan_stocks(
        instance, {k: Plan(frozenset(), p.flows, p.unmet) for k, p in staged_plans.items()}
    )
    for stage, staged in staged_plans.items():
        short = shortage[stage] = sum(staged.unmet.values(), 0.0)
        hit = sorted({p for (p, _, _), q in staged.unmet.items() if q > 0})
        worst, worst_share, worst_cell = worst_shares(dict(staged.unmet), demand)
        rows.append(
            {
                "scenario": stage,
                "probability": probability[stage],
                "cost": costs[stage],
                "shortage": short,
                "shortage_share": short / total if total else 0.0,
                "products_hit": ", ".join(hit),
                "worst_product": worst,
                "worst_product_share": worst_share,
                "worst_cell_share": worst_cell,
            }
        )
        period_rows += _period_rows(instance, stage, staged, stocks[stage], demand)
        tiers = [(staged.flows, "front"), (staged.back_flows, "back")]
        flow_rows += [
            {
                "scenario": stage,
                "supplier": s,
                "product": p,
                "market": mk,
                "period": t,
                "quantity": q,
                "stage": tier,
            }
            for flows, tier in tiers
            for (s, p, mk, t), q in flows.items()
        ]
    risk = instance.risk
    level = risk.cvar_level if risk is not None else 0.95
    pairs = [(probability[k], costs[k]) for k in probability]
    summary = {
        "expected_cost": sum(p * c for p, c in pairs),
        "cvar": cvar(pairs, level),
        "cvar_level": level,
        "weight": risk.weight if risk is not None else 0.0,
        "expected_shortage": sum(probability[k] * shortage[k] for k in probability),
    }
    return (
        frame(rows, SCENARIO_COLUMNS),
        frame(flow_rows, staged_columns(instance, SCENARIO_FLOW_COLUMNS)),
        frame(period_rows, SCENARIO_PERIOD_COLUMNS),
        summary,
    )


def _period_rows(
    instance: Instance,
    stage: str,
    staged: StagePlan,
    stock: dict[tuple[str, str, Any], float],
    demand: dict[tuple[str, str, Any], float],
) -> list[dict[str, Any]]:
    """Delivered, unmet (and its share of the period's demand) and stock of one stage, per
    period."""
    sums: dict[str, dict[Any, float]] = {
        k: defaultdict(float) for k in ("in", "out", "want", "held")
    }
    for f, q in staged.flows.items():
        sums["in"][f[3]] += q
    for part, table in (("out", staged.unmet), ("want", demand), ("held", stock)):
        for c, q in table.items():
            sums[part][c[2]] += q
    return [
        {
            "scenario": stage,
            "period": period,
            "delivered": sums["in"][period],
            "shortage": sums["out"][period],
            "shortage_share": sums["out"][period] / sums["want"][period]
            if sums["want"][period]
            else 0.0,
            "stock": sums["held"][period],
        }
        for period in instance.periods
    ]
