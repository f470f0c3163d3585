"""Demand balance with stock and unmet demand."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.data import ModelData
from sourcing.errors import InfeasibleError


def add_demand_balance(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Stock balance per product, market and period.

    stock[p,m,t-1] + sum_s flow[s,p,m,t] + unmet[p,m,t] - stock[p,m,t] = demand[p,m,t]

    Stock starts at zero and ends at zero (it has no variable where nothing is left to serve),
    so a product without holding cost is delivered exactly when it is needed.
    """
    rows: dict = {}
    empty: set = set()  # stock cells that nothing can enter: held at zero
    for cell in data.cells:  # in period order within each product and market
        product, market, period = cell
        previous = data.previous(period)
        terms = [m.flow[f] for f in data.cell_flows.get(cell, [])]
        if cell in data.unmet_bound:
            terms.append(m.unmet[cell])
        carried = (product, market, previous)
        if previous is not None and carried in data.stock_bound and carried not in empty:
            terms.append(m.stock[carried])
        demand = data.demand.get(cell, 0.0)
        if not terms:
            if demand > 0:  # the diagnosis explains it in the instance's terms
                raise InfeasibleError(
                    f"demand of {demand:g} for {product!r} in market {market!r}, period "
                    f"{period!r} cannot be served"
                )
            if cell in data.stock_bound:  # nothing comes in, so nothing can be held
                m.stock[cell].fix(0)
                empty.add(cell)
            continue
        outgoing = m.stock[cell] if cell in data.stock_bound else 0
        rows[cell] = (pyo.quicksum(terms) - outgoing, demand)
    m.balance_cells = pyo.Set(initialize=list(rows), dimen=3, ordered=True)
    m.demand_balance = pyo.Constraint(m.balance_cells, rule=lambda _, *c: rows[c][0] == rows[c][1])
