"""The N-1 resilience requirement on an outage stage: the demand it may leave unmet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from sourcing.model.data import ModelData
from sourcing.model.rows import add_rows, less
from sourcing.model.variables import var_of

OUTAGE_SHORTAGE = "outage_shortage"


@dataclass(frozen=True)
class ShortageLimit:
    """At most `share` of the demand unmet, measured over all demand (`per` "total"), over
    each product's markets and periods ("product"), or in each cell ("cell")."""

    share: float
    per: str = "product"


def add_outage_shortage(m: pyo.Block, data: ModelData, limit: ShortageLimit | None) -> None:
    """Rows `outage_shortage[key]`: the unmet demand of each measured part within its share.

    total:    sum_c unmet[c] <= share * sum_c demand[c]           (key None)
    product:  sum_{c of p} unmet[c] <= share * demand of p         (key p)
    cell:     unmet[c] <= share * demand[c]                        (key c)
    """
    if limit is None or not data.unmet_bound:
        return
    unmet = var_of(m, "unmet")
    parts: dict[Any, list[Any]] = defaultdict(list)
    for cell in data.unmet_bound:
        key = None if limit.per == "total" else cell[0] if limit.per == "product" else cell
        parts[key].append(cell)
    rows = {}
    for key, cells in parts.items():
        demand = sum(data.demand.get(c, 0.0) for c in cells)
        rows[key] = less([unmet[c] for c in cells], None, limit.share * demand)
    add_rows(m, OUTAGE_SHORTAGE, rows)
