"""Decision variables, each indexed by a sparse set from `ModelData`."""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from sourcing.model.data import ModelData
from sourcing.model.rows import record_of

LOOKUP = "_sourcing_lookup"


def add_contracts(m: pyo.ConcreteModel, suppliers: list[str]) -> None:
    """`use_supplier[s]` in {0, 1}: supplier (or back-end site) s is contracted (pays its
    fixed cost once).

    The only first-stage decision: every disruption scenario shares it.
    """
    m.suppliers = pyo.Set(initialize=suppliers, dimen=1, ordered=True)
    m.use_supplier = pyo.Var(m.suppliers, domain=pyo.Binary)
    declare_binaries(m, m.use_supplier)


def add_variables(m: pyo.Block, data: ModelData) -> None:
    """Declare the sets and variables of one stage (the nominal plan or one disruption).

    - `flow[s, p, m, t]` >= 0: units of product p delivered by s to market m in period t,
      bounded by min(future demand it can serve, offer capacity, supplier capacity); with
      back-end sites, also `flow[k, p, m, t]`: units site k packages for market m.
    - `tariff_path[k, p, m, t, c]` >= 0: units of tariff class c packaged by site k
      (`sourcing.model.tiers`).
    - `use_offer[s, p, t]` in {0, 1}: s delivers p in t (only where a minimum order applies).
    - `stock[p, m, t]` >= 0: units of p held in m at the end of t (storable products only).
    - `unmet[p, m, t]` in [0, demand]: demand left unserved (products with a shortage penalty).
    """
    m.flows = pyo.Set(initialize=[*data.flows, *data.back_flows], dimen=4, ordered=True)
    m.min_order_offers = pyo.Set(initialize=list(data.min_order), dimen=3, ordered=True)
    m.stock_cells = pyo.Set(initialize=list(data.stock_bound), dimen=3, ordered=True)
    m.unmet_cells = pyo.Set(initialize=list(data.unmet_bound), dimen=3, ordered=True)

    add_bounded(m, "flow", m.flows, data.flow_bound)
    m.use_offer = pyo.Var(m.min_order_offers, domain=pyo.Binary)
    add_bounded(m, "stock", m.stock_cells, data.stock_bound)
    add_bounded(m, "unmet", m.unmet_cells, data.unmet_bound)
    declare_binaries(m, m.use_offer)
    if data.tariff_paths:
        m.tariff_path_keys = pyo.Set(initialize=data.tariff_paths, dimen=5, ordered=True)
        add_bounded(m, "tariff_path", m.tariff_path_keys, data.tariff_path_bound)


def add_bounded(block: pyo.Block, name: str, index: pyo.Set, upper: dict[Any, float]) -> None:
    """`block.<name>[i]` in [0, upper[i]] for each i of `index`, numbered as columns of the
    model's row record with those bounds."""
    block.add_component(name, pyo.Var(index, domain=pyo.NonNegativeReals))
    variables = var_of(block, name)
    bounds = [upper[key] for key in variables]
    for variable, bound in zip(variables.values(), bounds, strict=True):
        variable.setub(bound)  # a third faster than a bounds rule per index
    record_of(block).declare(variables.values(), [0.0] * len(variables), bounds, False)


def declare_binaries(block: pyo.Block, variable: pyo.Var) -> None:
    """Number the binaries of `variable` as columns of the model's row record."""
    count = len(variable)
    record_of(block).declare(variable.values(), [0.0] * count, [1.0] * count, True)


def var_of(block: pyo.Block, name: str) -> dict[Any, Any]:
    """The variables of `block.<name>` by index, as a plain dict (made once per block).

    Indexing a Pyomo variable costs about a microsecond; the model's rows look up hundreds
    of thousands of them.
    """
    lookups = block.__dict__.get(LOOKUP)
    if lookups is None:
        lookups = {}
        object.__setattr__(block, LOOKUP, lookups)
    if name not in lookups:
        lookups[name] = dict(getattr(block, name).items())
    return lookups[name]
