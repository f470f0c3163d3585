"""The buyer's policies: caps, floors and supplier diversity (bans remove flows in `data.py`).

Share rows are sparse: where it saves nonzeros, a cell's total delivery is a variable of its
own, `delivered[p, m, t]`, set by one row (`delivered_sum`), so that a share row holds the
group's flows and that one variable instead of every flow of the cell. `share_layout` decides
per cell (and, for `min_suppliers`, per product) which form is smaller.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from sourcing.errors import InfeasibleError
from sourcing.model.data import Mode, ModelData
from sourcing.model.families import (
    GROUP_SHARE_MAX,
    GROUP_SHARE_MIN,
    MIN_SUPPLIERS,
    SUPPLIER_SHARE_MAX,
)
from sourcing.model.rows import add_rows, equal, greater, less
from sourcing.model.scopes import Cell, Flow, ShareRow
from sourcing.model.variables import add_bounded, declare_binaries, var_of

LAYOUT = "_sourcing_share_layout"


@dataclass(frozen=True)
class ShareLayout:
    """The cells (and products) whose share rows use a total-delivery variable."""

    cells: frozenset[Cell]
    products: frozenset[str]


def supplier_rule(data: ModelData) -> bool:
    """Whether `max_supplier_share` writes rows (a share of 1 or more holds trivially)."""
    return data.max_supplier_share is not None and data.max_supplier_share < 1


def share_layout(data: ModelData, count_products: Iterable[str] = ()) -> ShareLayout:
    """Per cell, the form with fewer nonzeros: every flow in every share row (dense), or the
    cell's flows once in `delivered_sum` and each row holding its group's flows plus
    `delivered` (sparse). Per product in `count_products`, the same for `count_share`."""
    rows_on: Counter[Cell] = Counter()
    sparse_terms: Counter[Cell] = Counter()
    for row in (*data.caps, *data.floors):
        if row.key[0] != "*":  # one cell: (product, market, period)
            rows_on[row.key] += 1
            sparse_terms[row.key] += 1 + len(row.group_flows)
            continue
        for cell in {f[1:] for f in row.flows}:
            rows_on[cell] += 1
            sparse_terms[cell] += 1
        for flow in row.group_flows:
            sparse_terms[flow[1:]] += 1
    supplier = supplier_rule(data)
    cells = set()
    for cell, flows in data.cell_flows.items():
        n = len(flows)
        dense = rows_on[cell] * n + (n * n if supplier else 0)
        sparse = (n + 1) + sparse_terms[cell] + (2 * n if supplier else 0)
        if (rows_on[cell] or supplier) and sparse < dense:
            cells.add(cell)
    per_supplier: dict[str, list[int]] = defaultdict(list)
    for (product, _), flows in data.product_supplier_flows.items():
        per_supplier[product].append(len(flows))
    products = set()
    for product in count_products:
        counts = per_supplier.get(product, [])
        total = sum(counts)
        dense = len(counts) * (total + 1)
        sparse = (total + 1) + sum(n + 2 for n in counts)
        if sparse < dense:
            products.add(product)
    return ShareLayout(frozenset(cells), frozenset(products))


def layout_of(m: pyo.ConcreteModel) -> ShareLayout:
    """The share layout the model was built with (no sparse cells if it has no policies)."""
    return m.__dict__.get(LAYOUT) or ShareLayout(frozenset(), frozenset())


def add_delivered(m: pyo.ConcreteModel, data: ModelData, layout: ShareLayout) -> None:
    """`delivered[p,m,t]` = sum_s flow[s,p,m,t] for the layout's cells (`delivered_sum`), and
    `delivered_total[p]` = sum_{s,m,t} flow[s,p,m,t] for its products (`delivered_total_sum`)."""
    object.__setattr__(m, LAYOUT, layout)
    if layout.cells:
        cells = {c: flows for c, flows in data.cell_flows.items() if c in layout.cells}
        m.delivered_cells = pyo.Set(initialize=list(cells), dimen=3, ordered=True)
        _add_totals(m, data, "delivered", m.delivered_cells, cells)
    if layout.products:
        totals: dict[str, list[Flow]] = {p: [] for p in data.product_demand if p in layout.products}
        for (product, _), flows in data.product_supplier_flows.items():
            if product in totals:
                totals[product].extend(flows)
        m.delivered_products = pyo.Set(initialize=list(totals), ordered=True)
        _add_totals(m, data, "delivered_total", m.delivered_products, totals)


def _add_totals(
    m: pyo.ConcreteModel, data: ModelData, name: str, index: pyo.Set, parts: dict[Any, list[Flow]]
) -> None:
    """`m.<name>[k]` = the sum of the flows `parts[k]`, set by rows `<name>_sum`."""
    flow = var_of(m, "flow")
    bounds = {key: sum(data.flow_bound[f] for f in flows) for key, flows in parts.items()}
    add_bounded(m, name, index, bounds)
    total = var_of(m, name)
    rows = {
        key: equal([*(flow[f] for f in flows), total[key]], [1.0] * len(flows) + [-1.0], 0)
        for key, flows in parts.items()
    }
    add_rows(m, f"{name}_sum", rows)


def share_terms(
    m: pyo.ConcreteModel,
    flows: Sequence[Flow],
    group: Iterable[Flow],
    share: float,
    weights: Mapping[str, float] | None = None,
) -> tuple[list[Any], list[float]]:
    """Variables and coefficients of `sum_{group} w flow - share * sum_{flows} w flow`, with w
    the value per unit of each flow's product (`weights`; 1 without them: by quantity).

    In a sparse cell, the group's flows with w and `delivered` with -share w; in a dense one,
    every flow of the cell with (1 - share) w (group) or -share w (the rest).
    """
    flow = var_of(m, "flow")
    sparse = layout_of(m).cells
    members = set(group)

    def weight(f: Flow) -> float:
        return 1.0 if weights is None else weights[f[1]]

    if not sparse:  # every cell dense
        coefs = [((1 - share) if f in members else -share) * weight(f) for f in flows]
        return [flow[f] for f in flows], coefs
    delivered = var_of(m, "delivered")
    variables: list[Any] = []
    coefs = []
    seen: set[Cell] = set()
    for f in flows:
        cell = f[1:]
        if cell in sparse:
            if f in members:
                variables.append(flow[f])
                coefs.append(weight(f))
            if cell not in seen:
                seen.add(cell)
                variables.append(delivered[cell])
                coefs.append(-share * weight(f))
        else:
            variables.append(flow[f])
            coefs.append(((1 - share) if f in members else -share) * weight(f))
    return variables, coefs


def _share_rows(m: pyo.ConcreteModel, rows: list[ShareRow], name: str, sense: str) -> None:
    """group - share * total <= 0 (caps) or >= 0 (floors), one row per `ShareRow`."""
    bound = less if sense == "max" else greater
    declared = {}
    for row in rows:
        variables, coefs = share_terms(m, row.flows, row.group_flows, row.share, row.weights)
        declared[(row.policy, *row.key)] = bound(variables, coefs, 0)
    add_rows(m, name, declared)


def add_group_share_max(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Caps (de-risking): a region, bloc or supplier delivers at most a share of the supply.

    sum_{s in G} flow[s,p,m,t] <= max_share * sum_s flow[s,p,m,t]  for each covered (p, m, t);
    pooled caps sum the covered products together.
    """
    if data.caps:
        _share_rows(m, data.caps, GROUP_SHARE_MAX, "max")


def add_group_share_min(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Floors (alliances): a group delivers at least a share of the supply.

    sum_{s in G} flow[s,p,m,t] >= min_share * sum_s flow[s,p,m,t]  for each covered (p, m, t).
    """
    if data.floors:
        _share_rows(m, data.floors, GROUP_SHARE_MIN, "min")


def add_supplier_share_max(m: pyo.ConcreteModel, data: ModelData) -> None:
    """No supplier above a share of a product's supply to a market in a period.

    flow[s,p,m,t] <= max_supplier_share * sum_s' flow[s',p,m,t]
    """
    if not supplier_rule(data) or not data.flows:
        return
    share = data.max_supplier_share
    assert share is not None
    rows = {}
    for f in data.flows:
        variables, coefs = share_terms(m, data.cell_flows[f[1:]], (f,), share)
        rows[f] = less(variables, coefs, 0)
    add_rows(m, SUPPLIER_SHARE_MAX, rows)


def count_products(data: ModelData) -> list[str]:
    """The products `min_suppliers` counts suppliers of (those with demand)."""
    if data.min_suppliers is None:
        return []
    return [p for p, d in data.product_demand.items() if d > 0]


def add_min_suppliers(m: pyo.ConcreteModel, data: ModelData) -> None:
    """At least k suppliers count for each product with demand over the horizon.

    count[s,p] <= use_supplier[s];  sum_s count[s,p] >= k;
    X[s,p] >= share * T[p] - share * D[p] * (1 - count[s,p]), where X[s,p] is what s delivers
    of p over the horizon, T[p] the total delivered (`delivered_total[p]` where the layout
    has it) and D[p] its total demand (a bound on T[p]).
    """
    k = data.min_suppliers
    if k is None:
        return
    products = count_products(data)
    pairs = [(s, p) for (p, s) in data.product_supplier_flows if p in products]
    m.count_pairs = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.counts = pyo.Var(m.count_pairs, domain=pyo.Binary)
    declare_binaries(m, m.counts)
    share = data.min_supplier_share
    by_product: dict[str, list[str]] = {p: [] for p in products}
    for s, p in pairs:
        by_product[p].append(s)
    short = {p: len(found) for p, found in by_product.items() if len(found) < k}
    if short and data.mode is not Mode.ELASTIC:  # the diagnosis relaxes k instead
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
        sparse = layout_of(m).products
        total = var_of(m, "delivered_total") if sparse else {}
        rows = {}
        for s, p in pairs:
            slack = share * data.product_demand[p]
            if p in sparse:
                own = [flow[f] for f in data.product_supplier_flows[(p, s)]]
                variables = [*own, total[p]]
                coefs = [1.0] * len(own) + [-share]
            else:
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
        MIN_SUPPLIERS,
        {
            p: greater([counts[s, p] for s in by_product[p]], None, k)
            for p in products
            if by_product[p]
        },
    )
