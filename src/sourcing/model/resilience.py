"""The N-1 resilience requirement on a full-outage stage."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.model.data import ModelData
from sourcing.model.rows import add_rows, less
from sourcing.model.variables import var_of


def add_outage_shortage(m: pyo.Block, data: ModelData, limit: float | None) -> None:
    """Unmet demand under this outage stays within the allowed share of all demand.

    sum_c unmet[c] <= max_outage_shortage * sum_c demand[c]
    """
    if limit is None or not data.unmet_bound:
        return
    unmet = var_of(m, "unmet")
    add_rows(m, "outage_shortage", {None: less([unmet[c] for c in data.unmet_bound], None, limit)})
