"""Total cost."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.data import ModelData


def add_total_cost(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Minimise fixed + purchase + tariff + transport + holding + shortage cost (money units).

    sum_s fixed[s] use_supplier[s]
      + sum_f (unit_cost[f] (1 + tariff_rate[f]) + transport[f]) flow[f]
      + sum_c holding[c] stock[c] + sum_c penalty[c] unmet[c]
    """
    unit = {f: data.unit_cost[f] + data.tariff_cost[f] + data.transport_cost[f] for f in data.flows}
    terms = [data.fixed_cost[s] * m.use_supplier[s] for s in data.suppliers if data.fixed_cost[s]]
    terms += [unit[f] * m.flow[f] for f in data.flows if unit[f]]
    terms += [data.holding_cost[c] * m.stock[c] for c in data.stock_bound if data.holding_cost[c]]
    terms += [
        data.shortage_penalty[c] * m.unmet[c] for c in data.unmet_bound if data.shortage_penalty[c]
    ]
    m.total_cost = pyo.Objective(expr=pyo.quicksum(terms), sense=pyo.minimize)
