"""Contracts, capacities and minimum orders."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.data import ModelData
from sourcing.schema import Period


def add_offer_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Offer capacity, tied to the contract (or to the offer's use where a minimum order applies).

    sum_m flow[s,p,m,t] <= U[s,p,t] * z,  z = use_offer[s,p,t] if s has a minimum order else
    use_supplier[s]; U = min(offer capacity, supplier capacity, demand the flows can serve),
    the tightest big-M the data allows.
    """
    if not data.offer_periods:
        return
    m.offers = pyo.Set(initialize=data.offer_periods, dimen=3, ordered=True)

    def rule(_: pyo.ConcreteModel, s: str, p: str, t: Period) -> object:
        key = (s, p, t)
        switch = m.use_offer[key] if key in data.min_order else m.use_supplier[s]
        delivered = pyo.quicksum(m.flow[f] for f in data.offer_flows[key])
        return delivered <= data.offer_bound[key] * switch

    m.offer_capacity = pyo.Constraint(m.offers, rule=rule)


def add_offer_limit(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Offer capacity as a row of its own (only in the elastic model of the diagnosis).

    sum_m flow[s,p,m,t] <= offer_capacity[s,p,t]
    """
    if not data.offer_limit:
        return
    m.limited_offers = pyo.Set(initialize=list(data.offer_limit), dimen=3, ordered=True)

    def rule(_: pyo.ConcreteModel, s: str, p: str, t: Period) -> object:
        key = (s, p, t)
        delivered = pyo.quicksum(m.flow[f] for f in data.offer_flows[key])
        return delivered <= data.offer_limit[key]

    m.offer_limit = pyo.Constraint(m.limited_offers, rule=rule)


def add_min_order(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Minimum order (semi-continuous delivery) and its link to the contract.

    sum_m flow[s,p,m,t] >= min_order[s] * use_offer[s,p,t];  use_offer[s,p,t] <= use_supplier[s]
    """
    if not data.min_order:
        return

    def lower(_: pyo.ConcreteModel, s: str, p: str, t: Period) -> object:
        key = (s, p, t)
        delivered = pyo.quicksum(m.flow[f] for f in data.offer_flows[key])
        return delivered >= data.min_order[key] * m.use_offer[key]

    m.min_order = pyo.Constraint(m.min_order_offers, rule=lower)
    m.offer_contract = pyo.Constraint(
        m.min_order_offers, rule=lambda _, s, p, t: m.use_offer[s, p, t] <= m.use_supplier[s]
    )


def add_supplier_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Supplier capacity per period over all products and markets, only where it can bind.

    sum_{p,m} flow[s,p,m,t] <= capacity[s,t] * use_supplier[s]
    """
    if not data.supplier_capacity:
        return
    m.capacity_periods = pyo.Set(initialize=list(data.supplier_capacity), dimen=2, ordered=True)

    def rule(_: pyo.ConcreteModel, s: str, t: Period) -> object:
        delivered = pyo.quicksum(m.flow[f] for f in data.supplier_flows[(s, t)])
        return delivered <= data.supplier_capacity[(s, t)] * m.use_supplier[s]

    m.supplier_capacity = pyo.Constraint(m.capacity_periods, rule=rule)
