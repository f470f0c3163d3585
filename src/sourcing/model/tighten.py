"""Valid inequalities and symmetry breaking: rows that cut off no integer plan, only fractional
ones (or all but one of a set of interchangeable plans), so that HiGHS proves optimality sooner.

Each family is a switch of `Formulation`; `benchmarks/` measures what each one buys.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pyomo.environ as pyo

from sourcing.instance.schema import Instance
from sourcing.model.data import ModelData
from sourcing.model.rows import add_rows, greater, less
from sourcing.model.variables import var_of

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Formulation:
    """Which tightening rows the model gets, and whether HiGHS is offered a first plan rounded
    from the LP relaxation (`sourcing.solver.lp_start`); all by default, none in `PLAIN`."""

    flow_contracts: bool = True
    demand_cover: bool = True
    symmetry: bool = True
    lp_start: bool = True


TIGHT = Formulation()
PLAIN = Formulation(flow_contracts=False, demand_cover=False, symmetry=False, lp_start=False)
FORMULATIONS = {"tight": TIGHT, "plain": PLAIN}


def _switch(m: pyo.Block, data: ModelData, key: tuple[str, str, Any]) -> Any:
    """The binary an offer's deliveries hang on: its own where a minimum order applies."""
    return var_of(m, "use_offer")[key] if key in data.min_order else m.use_supplier[key[0]]


def add_flow_contracts(m: pyo.Block, data: ModelData) -> None:
    """Each flow within its own bound times the contract, where that bound is tighter.

    flow[s,p,m,t] <= B[s,p,m,t] * z[s,p,t]  where B (the demand the flow can serve, capped by
    capacities) is below U[s,p,t], the offer's bound: the offer row alone lets a fraction of z
    carry a whole market's demand.
    """
    flow = var_of(m, "flow")
    rows = {}
    for key in data.offer_periods:
        switch = _switch(m, data, key)
        for f in data.offer_flows[key]:
            if data.flow_bound[f] < data.offer_bound[key] * (1 - TOLERANCE):
                rows[f] = less([flow[f], switch], [1.0, -data.flow_bound[f]], 0)
    if rows:
        add_rows(m, "flow_contract", rows)


def add_demand_cover(m: pyo.Block, data: ModelData) -> None:
    """Contracted capacity covers the demand of each product and period, less what is unmet or
    taken from stock.

    sum_s U[s,p,t] z[s,p,t] + sum_m (unmet[p,m,t] + stock[p,m,t-1] - stock[p,m,t]) >= D[p,t]

    The sum of the demand balances and offer rows of (p, t): the LP relaxation already obeys
    it, but as one row over binaries HiGHS derives cover and MIR cuts from it directly. With
    back-end sites, each tier covers the demand on its own (`back_demand_cover` for sites).
    """
    sites = set(data.sites)
    front = [key for key in data.offer_periods if key[0] not in sites]
    _add_cover(m, data, "demand_cover", front)
    if sites:
        back = [key for key in data.offer_periods if key[0] in sites]
        _add_cover(m, data, "back_demand_cover", back)


def _add_cover(
    m: pyo.Block, data: ModelData, name: str, offer_periods: list[tuple[str, str, Any]]
) -> None:
    offers: dict[tuple[str, Any], list[tuple[str, str, Any]]] = defaultdict(list)
    for key in offer_periods:
        offers[(key[1], key[2])].append(key)
    cells: dict[tuple[str, Any], list[tuple[str, str, Any]]] = defaultdict(list)
    for cell in data.cells:
        cells[(cell[0], cell[2])].append(cell)
    unmet, stock = var_of(m, "unmet"), var_of(m, "stock")
    rows = {}
    for (product, period), keys in offers.items():
        demand = sum(data.demand.get(c, 0.0) for c in cells[(product, period)])
        if demand <= 0:
            continue
        variables = [_switch(m, data, key) for key in keys]
        coefs = [data.offer_bound[key] for key in keys]
        previous = data.previous(period)
        for cell in cells[(product, period)]:
            carried = (product, cell[1], previous)
            for variable, coef in (
                (unmet.get(cell), 1.0),
                (stock.get(carried) if previous is not None else None, 1.0),
                (stock.get(cell), -1.0),
            ):
                if variable is not None and not variable.fixed:
                    variables.append(variable)
                    coefs.append(coef)
        rows[(product, period)] = greater(variables, coefs, demand)
    if rows:
        add_rows(m, name, rows)


def interchangeable_suppliers(instance: Instance, suppliers: list[str]) -> list[list[str]]:
    """Groups (two or more, in instance order) of `suppliers` that differ only in their id.

    A supplier named anywhere outside its own entry (as a policy group, a scenario's key, a
    bloc member) is never grouped: swapping it with another would change the instance.
    """
    dump = instance.model_dump(mode="json")
    outside = json.dumps({k: v for k, v in dump.items() if k != "suppliers"})
    groups: dict[str, list[str]] = defaultdict(list)
    candidates = set(suppliers)
    for supplier in dump["suppliers"]:
        sid = supplier.pop("id")
        if sid in candidates and json.dumps(sid) not in outside:
            groups[json.dumps(supplier, sort_keys=True)].append(sid)
    return [group for group in groups.values() if len(group) > 1]


def add_symmetry_breaking(m: pyo.ConcreteModel, data: ModelData, suppliers: list[str]) -> None:
    """Interchangeable suppliers are contracted in instance order.

    use_supplier[a] >= use_supplier[b]  for consecutive a, b in a group of identical suppliers:
    any plan has a twin that contracts the first ones of each group, at the same cost.
    """
    rows = {}
    for group in interchangeable_suppliers(data.instance, suppliers):
        for first, second in pairwise(group):
            rows[(first, second)] = greater(
                [m.use_supplier[first], m.use_supplier[second]], [1.0, -1.0], 0
            )
    if rows:
        add_rows(m, "contract_order", rows)
