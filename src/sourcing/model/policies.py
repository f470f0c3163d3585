"""The buyer's policies: caps, floors and supplier diversity (bans remove flows in `data.py`)."""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from sourcing.data import ModelData, ShareRow
from sourcing.errors import InfeasibleError
from sourcing.schema import Period


def _share_rows(m: pyo.ConcreteModel, rows: list[ShareRow], name: str, sense: str) -> None:
    index = [(row.policy, *row.key) for row in rows]
    by_index = dict(zip(index, rows, strict=True))
    setattr(m, f"{name}_rows", pyo.Set(initialize=index, dimen=4, ordered=True))

    def rule(_: pyo.ConcreteModel, *key: Any) -> object:
        row = by_index[key]
        group = set(row.group_flows)
        # group - share * total, written with one coefficient per flow.
        expr = pyo.quicksum(
            ((1 - row.share) if f in group else -row.share) * m.flow[f] for f in row.flows
        )
        return expr <= 0 if sense == "max" else expr >= 0

    setattr(m, name, pyo.Constraint(getattr(m, f"{name}_rows"), rule=rule))


def add_group_share_max(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Caps (de-risking): a region, bloc or supplier delivers at most a share of the supply.

    sum_{s in G} flow[s,p,m,t] <= max_share * sum_s flow[s,p,m,t]  for each covered (p, m, t);
    pooled caps sum the covered products together.
    """
    if data.caps:
        _share_rows(m, data.caps, "group_share_max", "max")


def add_group_share_min(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Floors (alliances): a group delivers at least a share of the supply.

    sum_{s in G} flow[s,p,m,t] >= min_share * sum_s flow[s,p,m,t]  for each covered (p, m, t).
    """
    if data.floors:
        _share_rows(m, data.floors, "group_share_min", "min")


def add_supplier_share_max(m: pyo.ConcreteModel, data: ModelData) -> None:
    """No supplier above a share of a product's supply to a market in a period.

    flow[s,p,m,t] <= max_supplier_share * sum_s' flow[s',p,m,t]
    """
    share = data.max_supplier_share
    if share is None or share >= 1 or not data.flows:
        return
    cell_flows = data.cell_flows

    def rule(_: pyo.ConcreteModel, s: str, p: str, mk: str, t: Period) -> object:
        total = pyo.quicksum(m.flow[f] for f in cell_flows[(p, mk, t)])
        return m.flow[s, p, mk, t] <= share * total

    m.supplier_share_max = pyo.Constraint(m.flows, rule=rule)


def add_min_suppliers(m: pyo.ConcreteModel, data: ModelData) -> None:
    """At least k suppliers count for each product with demand over the horizon.

    count[s,p] <= use_supplier[s];  sum_s count[s,p] >= k;
    X[s,p] >= share * T[p] - share * D[p] * (1 - count[s,p]), where X[s,p] is what s delivers
    of p over the horizon, T[p] the total delivered and D[p] its total demand (a bound on T[p]).
    """
    k = data.min_suppliers
    if k is None:
        return
    products = [p for p, d in data.product_demand.items() if d > 0]
    pairs = [(s, p) for (p, s) in data.product_supplier_flows if p in products]
    m.count_pairs = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.counts = pyo.Var(m.count_pairs, domain=pyo.Binary)
    share = data.min_supplier_share
    by_product: dict[str, list[str]] = {p: [] for p in products}
    for s, p in pairs:
        by_product[p].append(s)
    short = {p: len(found) for p, found in by_product.items() if len(found) < k}
    if short and not data.elastic:  # the diagnosis relaxes k instead
        detail = ", ".join(f"{p!r} has {n}" for p, n in short.items())
        raise InfeasibleError(
            f"min_suppliers asks for {k} suppliers per product, but only so many may deliver "
            f"({detail})",
            {"structural": [{"element": "min_suppliers", "products": short, "required": k}]},
        )

    def delivered(s: str, p: str) -> object:
        return pyo.quicksum(m.flow[f] for f in data.product_supplier_flows[(p, s)])

    def counted_share(_: pyo.ConcreteModel, s: str, p: str) -> object:
        total = pyo.quicksum(delivered(o, p) for o in by_product[p])
        slack = share * data.product_demand[p] * (1 - m.counts[s, p])
        return delivered(s, p) >= share * total - slack

    m.count_contract = pyo.Constraint(
        m.count_pairs, rule=lambda _, s, p: m.counts[s, p] <= m.use_supplier[s]
    )
    if share > 0:
        m.count_share = pyo.Constraint(m.count_pairs, rule=counted_share)
    # Without `short`, every product has a candidate; the elastic model skips those without.
    m.count_products = pyo.Set(initialize=[p for p in products if by_product[p]], ordered=True)
    m.min_suppliers = pyo.Constraint(
        m.count_products,
        rule=lambda _, p: pyo.quicksum(m.counts[s, p] for s in by_product[p]) >= k,
    )
