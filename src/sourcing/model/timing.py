"""Non-anticipativity: before a disruption starts, its stage is the nominal plan.

Nobody knows the disruption is coming, so in the periods before its `start` a scenario's
flows, stock and unmet demand equal the nominal plan's:

    x^w[f] = x[f],  s^w[c] = s[c],  u^w[c] = u[c]   for every f, c in a period before start

(a variable one side lacks counts as 0; with back-end sites, flows of both tiers). The tariff
paths of those periods need no row of their own: with the flows equal, each stage routes them
at the least tariff, which is the same. Stock held in the nominal plan before `start` then
enters the disruption and hedges it; after the disruption the stage's flows stay its own
(recovery).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyomo.environ as pyo

from sourcing.model.data import ModelData
from sourcing.model.rows import add_rows, equal
from sourcing.model.variables import var_of

ANTICIPATED = {
    "flow": "anticipated_flow",
    "stock": "anticipated_stock",
    "unmet": "anticipated_unmet",
}


def add_nonanticipativity(
    m: pyo.ConcreteModel, nominal: ModelData, block: pyo.Block, stage: ModelData
) -> None:
    """Rows `anticipated_flow`, `anticipated_stock` and `anticipated_unmet` of one stage."""
    before = set(stage.anticipated)
    if not before:
        return
    pairs = {
        "flow": ([*nominal.flows, *nominal.back_flows], [*stage.flows, *stage.back_flows]),
        "stock": (nominal.stock_bound, stage.stock_bound),
        "unmet": (nominal.unmet_bound, stage.unmet_bound),
    }
    for name, (ours, theirs) in pairs.items():
        rows = _equal_rows(var_of(m, name), ours, var_of(block, name), theirs, before)
        add_rows(block, ANTICIPATED[name], rows)


def _equal_rows(
    nominal: Any, keys: Iterable[Any], stage: Any, stage_keys: Iterable[Any], before: set[Any]
) -> dict[Any, Any]:
    """stage[k] - nominal[k] = 0 for every key k (its period last) in a period of `before`."""
    ours = [k for k in keys if k[-1] in before]
    theirs = [k for k in stage_keys if k[-1] in before]
    present, staged = set(ours), set(theirs)
    rows = {}
    for key in dict.fromkeys([*theirs, *ours]):
        variables, coefs = [], []
        if key in staged:
            variables.append(stage[key])
            coefs.append(1.0)
        if key in present:
            variables.append(nominal[key])
            coefs.append(-1.0)
        rows[key] = equal(variables, coefs, 0.0)
    return rows
