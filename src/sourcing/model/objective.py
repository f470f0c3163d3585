"""Total cost: fixed costs, expected stage costs and, with a risk weight, their CVaR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyomo.environ as pyo

from sourcing.data import ModelData
from sourcing.schema import Risk


def stage_cost(m: pyo.Block, data: ModelData) -> Any:
    """Variable cost L of one stage (money units).

    L = sum_f (unit_cost[f] (1 + tariff_rate[f]) + transport[f]) flow[f]
        + sum_c holding[c] stock[c] + sum_c penalty[c] unmet[c]
    """
    unit = {f: data.unit_cost[f] + data.tariff_cost[f] + data.transport_cost[f] for f in data.flows}
    terms = [unit[f] * m.flow[f] for f in data.flows if unit[f]]
    terms += [data.holding_cost[c] * m.stock[c] for c in data.stock_bound if data.holding_cost[c]]
    terms += [
        data.shortage_penalty[c] * m.unmet[c] for c in data.unmet_bound if data.shortage_penalty[c]
    ]
    return pyo.quicksum(terms)


def add_total_cost(
    m: pyo.ConcreteModel,
    fixed_cost: dict[str, float],
    stages: Sequence[tuple[float, Any]],
    risk: Risk | None,
) -> None:
    """Minimise sum_s fixed[s] use_supplier[s] + E[L] + weight * CVaR_level(L).

    `stages` pairs each stage's probability with its cost L (the nominal stage first).
    CVaR in the Rockafellar-Uryasev form: eta + sum_w p_w excess_w / (1 - level), with
    excess_w >= L_w - eta and excess_w >= 0; with a single stage it equals L.
    """
    fixed = pyo.quicksum(cost * m.use_supplier[s] for s, cost in fixed_cost.items() if cost)
    expected = pyo.quicksum(p * cost for p, cost in stages if p > 0)
    objective = fixed + expected
    if risk is not None and risk.weight > 0:
        weighted = [(p, cost) for p, cost in stages if p > 0]
        m.risk_stages = pyo.Set(initialize=range(len(weighted)))
        m.value_at_risk = pyo.Var(domain=pyo.Reals)
        m.excess = pyo.Var(m.risk_stages, domain=pyo.NonNegativeReals)
        m.excess_over_var = pyo.Constraint(
            m.risk_stages, rule=lambda _, i: m.excess[i] >= weighted[i][1] - m.value_at_risk
        )
        tail = pyo.quicksum(p * m.excess[i] for i, (p, _) in enumerate(weighted))
        cvar = m.value_at_risk + tail / (1 - risk.cvar_level)
        objective = objective + risk.weight * cvar
    m.total_cost = pyo.Objective(expr=objective, sense=pyo.minimize)
