"""The buyer's policies: caps, floors and supplier diversity (bans remove flows in `data.py`)."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.data import ModelData, ShareRow
from sourcing.errors import InfeasibleError
from sourcing.model.rows import add_rows, greater, less
from sourcing.model.variables import declare_binaries, var_of


def _share_rows(m: pyo.ConcreteModel, rows: list[ShareRow], name: str, sense: str) -> None:
    """group - share * total, written with one coefficient per flow, <= 0 or >= 0."""
    flow = var_of(m, "flow")
    bound = less if sense == "max" else greater
    declared = {}
    for row in rows:
        group = set(row.group_flows)
        coefs = [(1 - row.share) if f in group else -row.share for f in row.flows]
        declared[(row.policy, *row.key)] = bound([flow[f] for f in row.flows], coefs, 0)
    add_rows(m, name, declared)


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
    flow = var_of(m, "flow")
    rows = {}
    for f in data.flows:
        others = data.cell_flows[f[1:]]
        coefs = [(1 - share) if o == f else -share for o in others]
        rows[f] = less([flow[o] for o in others], coefs, 0)
    add_rows(m, "supplier_share_max", rows)


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
    declare_binaries(m, m.counts)
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
    flow, counts = var_of(m, "flow"), var_of(m, "counts")
    add_rows(
        m,
        "count_contract",
        {(s, p): less([counts[s, p], m.use_supplier[s]], [1.0, -1.0], 0) for s, p in pairs},
    )
    if share > 0:
        # X[s,p] - share * T[p] - share * D[p] * count[s,p] >= -share * D[p]
        rows = {}
        for s, p in pairs:
            slack = share * data.product_demand[p]
            variables, coefs = [], []
            for other in by_product[p]:
                delivered = data.product_supplier_flows[(p, other)]
                variables += [flow[f] for f in delivered]
                coefs += [(1 - share) if other == s else -share] * len(delivered)
            rows[(s, p)] = greater([*variables, counts[s, p]], [*coefs, -slack], -slack)
        add_rows(m, "count_share", rows)
    # Without `short`, every product has a candidate; the elastic model skips those without.
    add_rows(
        m,
        "min_suppliers",
        {
            p: greater([counts[s, p] for s in by_product[p]], None, k)
            for p in products
            if by_product[p]
        },
    )
