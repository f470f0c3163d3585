"""Demand balance with stock and unmet demand."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.errors import InfeasibleError
from sourcing.model.data import ModelData
from sourcing.model.rows import add_rows, equal
from sourcing.model.variables import var_of


def add_demand_balance(m: pyo.Block, data: ModelData) -> None:
    """Stock balance per product, market and period.

    stock[p,m,t-1] + sum_s flow[s,p,m,t] + unmet[p,m,t] - stock[p,m,t] = demand[p,m,t]

    Stock starts at zero and ends at zero (it has no variable where nothing is left to serve),
    so a product without holding cost is delivered exactly when it is needed.
    """
    flow, unmet, stock = var_of(m, "flow"), var_of(m, "unmet"), var_of(m, "stock")
    rows: dict = {}
    empty: set = set()  # stock cells that nothing can enter: held at zero
    for cell in data.cells:  # in period order within each product and market
        product, market, period = cell
        previous = data.previous(period)
        terms = [flow[f] for f in data.cell_flows.get(cell, [])]
        if cell in data.unmet_bound:
            terms.append(unmet[cell])
        carried = (product, market, previous)
        if previous is not None and carried in data.stock_bound and carried not in empty:
            terms.append(stock[carried])
        demand = data.demand.get(cell, 0.0)
        if not terms:
            if demand > 0:  # the diagnosis explains it in the instance's terms
                raise InfeasibleError(
                    f"demand of {demand:g} for {product!r} in market {market!r}, period "
                    f"{period!r} cannot be served"
                )
            if cell in data.stock_bound:  # nothing comes in, so nothing can be held
                stock[cell].fix(0)
                empty.add(cell)
            continue
        coefs = None
        if cell in data.stock_bound:
            coefs = [1.0] * len(terms) + [-1.0]
            terms.append(stock[cell])
        rows[cell] = equal(terms, coefs, demand)
    add_rows(m, "demand_balance", rows)
