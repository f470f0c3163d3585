"""Contracts, capacities and minimum orders."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.model.data import ModelData
from sourcing.model.families import MIN_ORDER, OFFER_GROWTH, OFFER_LIMIT, SUPPLIER_CAPACITY
from sourcing.model.rows import add_rows, greater, less
from sourcing.model.variables import var_of


def add_offer_capacity(m: pyo.Block, data: ModelData) -> None:
    """Offer capacity, tied to the contract (or to the offer's use where a minimum order applies).

    sum_m flow[s,p,m,t] <= U[s,p,t] * z,  z = use_offer[s,p,t] if s has a minimum order else
    use_supplier[s]; U = min(offer capacity, supplier capacity, demand the flows can serve),
    the tightest big-M the data allows.
    """
    if not data.offer_periods:
        return
    flow, use_offer, use_supplier = var_of(m, "flow"), var_of(m, "use_offer"), m.use_supplier
    rows = {}
    for key in data.offer_periods:
        switch = use_offer[key] if key in data.min_order else use_supplier[key[0]]
        flows = data.offer_flows[key]
        rows[key] = less(
            [*(flow[f] for f in flows), switch], [1.0] * len(flows) + [-data.offer_bound[key]], 0
        )
    add_rows(m, "offer_capacity", rows)


def add_offer_limit(m: pyo.Block, data: ModelData) -> None:
    """Offer capacity as a row of its own (only in the elastic model of the diagnosis).

    sum_m flow[s,p,m,t] <= offer_capacity[s,p,t]
    """
    if not data.offer_limit:
        return
    flow = var_of(m, "flow")
    rows = {
        key: less([flow[f] for f in data.offer_flows[key]], None, limit)
        for key, limit in data.offer_limit.items()
    }
    add_rows(m, OFFER_LIMIT, rows)


def add_min_order(m: pyo.Block, data: ModelData) -> None:
    """Minimum order (semi-continuous delivery) and its link to the contract.

    sum_m flow[s,p,m,t] >= min_order[s] * use_offer[s,p,t];  use_offer[s,p,t] <= use_supplier[s]
    """
    if not data.min_order:
        return
    flow, use_offer, use_supplier = var_of(m, "flow"), var_of(m, "use_offer"), m.use_supplier
    lower, contract = {}, {}
    for key, minimum in data.min_order.items():
        flows = data.offer_flows[key]
        lower[key] = greater(
            [*(flow[f] for f in flows), use_offer[key]], [1.0] * len(flows) + [-minimum], 0
        )
        contract[key] = less([use_offer[key], use_supplier[key[0]]], [1.0, -1.0], 0)
    add_rows(m, MIN_ORDER, lower)
    add_rows(m, "offer_contract", contract)


def add_supplier_capacity(m: pyo.Block, data: ModelData) -> None:
    """Supplier capacity per period over all products and markets, only where it can bind.

    sum_{p,m} flow[s,p,m,t] <= capacity[s,t] * use_supplier[s] + sum_e added[e,t] * build[e]
    """
    if not data.supplier_capacity:
        return
    flow, use_supplier = var_of(m, "flow"), m.use_supplier
    build = var_of(m, "build") if data.supplier_growth else {}
    rows = {}
    for key, capacity in data.supplier_capacity.items():
        flows = data.supplier_flows[key]
        added = data.supplier_growth.get(key, [])
        rows[key] = less(
            [*(flow[f] for f in flows), use_supplier[key[0]], *(build[e] for e, _ in added)],
            [1.0] * len(flows) + [-capacity] + [-amount for _, amount in added],
            0,
        )
    add_rows(m, SUPPLIER_CAPACITY, rows)


def add_offer_growth(m: pyo.Block, data: ModelData) -> None:
    """An offer's capacity where expansions may add to it (`offer_growth`).

    sum_m flow[s,p,m,t] <= capacity[s,p,t] + sum_e added[e,t] * build[e]
    """
    if not data.offer_growth:
        return
    flow, build = var_of(m, "flow"), var_of(m, "build")
    rows = {}
    for key, (base, added) in data.offer_growth.items():
        flows = data.offer_flows[key]
        rows[key] = less(
            [*(flow[f] for f in flows), *(build[e] for e, _ in added)],
            [1.0] * len(flows) + [-amount for _, amount in added],
            base,
        )
    add_rows(m, OFFER_GROWTH, rows)
