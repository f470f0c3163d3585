"""Total cost: fixed costs, expected stage costs and, with a risk weight, their CVaR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyomo.environ as pyo

from sourcing.instance.schema import Risk
from sourcing.model.data import ModelData
from sourcing.model.rows import add_rows, greater, set_objective
from sourcing.model.variables import var_of

Terms = list[tuple[float, Any]]  # (coefficient, variable) pairs of a linear expression


def stage_cost(m: pyo.Block, data: ModelData) -> Terms:
    """Variable cost L of one stage (money units), as (coefficient, variable) terms.

    L = sum_f (unit_cost[f] (1 + tariff_rate[f]) + transport[f]) flow[f]
        + sum_c holding[c] stock[c] + sum_c penalty[c] unmet[c]
        (+ sum_z rate[z] unit_cost[site of z] tariff_path[z] with back-end sites)
    """
    flow, stock, unmet = var_of(m, "flow"), var_of(m, "stock"), var_of(m, "unmet")
    unit, tariff, transport = data.unit_cost, data.tariff_cost, data.transport_cost
    terms: Terms = [
        (cost, flow[f])
        for f in [*data.flows, *data.back_flows]
        if (cost := unit[f] + tariff[f] + transport[f])
    ]
    if data.tariff_paths:
        path = var_of(m, "tariff_path")
        terms += [(c, path[k]) for k in data.tariff_paths if (c := data.tariff_path_cost[k])]
    terms += [(data.holding_cost[c], stock[c]) for c in data.stock_bound if data.holding_cost[c]]
    terms += [
        (data.shortage_penalty[c], unmet[c]) for c in data.unmet_bound if data.shortage_penalty[c]
    ]
    return terms


def add_total_cost(
    m: pyo.ConcreteModel,
    fixed_cost: dict[str, float],
    stages: Sequence[tuple[float, Terms]],
    risk: Risk | None,
    investment: Terms = (),
) -> None:
    """Minimise sum_s fixed[s] use_supplier[s] + investment + E[L] + weight * CVaR_level(L).

    `investment` holds the first-stage terms of building expansions (capex - subsidy).

    `stages` pairs each stage's probability with its cost L (the nominal stage first).
    CVaR in the Rockafellar-Uryasev form: eta + sum_w p_w excess_w / (1 - level), with
    excess_w >= L_w - eta and excess_w >= 0; with a single stage it equals L.
    """
    objective: Terms = [(cost, m.use_supplier[s]) for s, cost in fixed_cost.items() if cost]
    objective += list(investment)
    for probability, terms in stages:
        if probability > 0:
            objective += [(probability * coef, v) for coef, v in terms]
    if risk is not None and risk.weight > 0:
        weighted = [(p, terms) for p, terms in stages if p > 0]
        m.risk_stages = pyo.Set(initialize=range(len(weighted)), dimen=1)
        m.value_at_risk = pyo.Var(domain=pyo.Reals)
        m.excess = pyo.Var(m.risk_stages, domain=pyo.NonNegativeReals)
        excess = var_of(m, "excess")
        # excess_i - L_i + eta >= 0
        add_rows(
            m,
            "excess_over_var",
            {
                i: greater(
                    [excess[i], m.value_at_risk, *(v for _, v in terms)],
                    [1.0, 1.0, *(-coef for coef, _ in terms)],
                    0,
                )
                for i, (_, terms) in enumerate(weighted)
            },
        )
        objective.append((risk.weight, m.value_at_risk))
        tail = risk.weight / (1 - risk.cvar_level)
        objective += [(tail * p, excess[i]) for i, (p, _) in enumerate(weighted)]
    set_objective(m, "total_cost", objective)
