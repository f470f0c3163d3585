"""The N-1 resilience requirement on a full-outage stage."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.data import ModelData


def add_outage_shortage(m: pyo.Block, data: ModelData, limit: float | None) -> None:
    """Unmet demand under this outage stays within the allowed share of all demand.

    sum_c unmet[c] <= max_outage_shortage * sum_c demand[c]
    """
    if limit is None or not data.unmet_bound:
        return
    m.outage_shortage = pyo.Constraint(
        expr=pyo.quicksum(m.unmet[c] for c in data.unmet_bound) <= limit
    )
