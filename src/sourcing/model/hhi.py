"""A limit on the concentration of the nominal plan's supply over regions (the HHI frontier).

    sum_r s_r <= level,    s_r >= 2 g q_r - g^2   for g in {0, 1/k, ..., 1},

with q_r = region r's supply / total demand and k tangents: each s_r bounds q_r^2 from below
by its tangent lines (an outer approximation, off by at most (1 / 2k)^2 per region). Where
every product has a `value`, supply and demand are counted by value (units times value), as
the sweeps' shares and HHI are.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from sourcing.model.data import ModelData
from sourcing.model.rows import add_rows, greater, less
from sourcing.model.variables import var_of

SHARE_SQUARED_TANGENT = "share_squared_tangent"
HHI_LIMIT = "hhi_limit"


def add_hhi_limit(m: pyo.ConcreteModel, data: ModelData, level: float, tangents: int) -> None:
    """Rows `share_squared_tangent[r, k]` and `hhi_limit` (see the module's docstring)."""
    instance = data.instance
    values = {p.id: p.value for p in instance.products}
    by_value = all(v is not None for v in values.values())

    def weight(product: str) -> float:
        return float(values[product] or 0.0) if by_value else 1.0

    demand = sum(q * weight(c[0]) for c, q in data.demand.items()) or 1.0
    regions = sorted({s.region for s in instance.suppliers})
    region_of = {s.id: s.region for s in instance.suppliers}
    flow = var_of(m, "flow")
    by_region: dict[str, list[Any]] = {r: [] for r in regions}
    weights: dict[str, list[float]] = {r: [] for r in regions}
    for f in data.flows:
        by_region[region_of[f[0]]].append(flow[f])
        weights[region_of[f[0]]].append(weight(f[1]))
    grid = [k / tangents for k in range(tangents + 1)]
    m.hhi_regions = pyo.Set(initialize=regions, dimen=1)
    m.share_squared = pyo.Var(m.hhi_regions, domain=pyo.NonNegativeReals)
    squared = var_of(m, "share_squared")
    rows = {}
    for r in regions:
        for k, g in enumerate(grid):
            slopes = [-2 * g * w / demand for w in weights[r]]
            rows[(r, k)] = greater([squared[r], *by_region[r]], [1.0, *slopes], -(g**2))
    add_rows(m, SHARE_SQUARED_TANGENT, rows)
    add_rows(m, HHI_LIMIT, {None: less([squared[r] for r in regions], None, level)})
