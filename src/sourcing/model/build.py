"""Assemble the model from its parts."""

from __future__ import annotations

import pyomo.environ as pyo

from sourcing.data import ModelData
from sourcing.model.balance import add_demand_balance
from sourcing.model.capacity import (
    add_min_order,
    add_offer_capacity,
    add_offer_limit,
    add_supplier_capacity,
)
from sourcing.model.objective import add_total_cost
from sourcing.model.policies import (
    add_group_share_max,
    add_group_share_min,
    add_min_suppliers,
    add_supplier_share_max,
)
from sourcing.model.variables import add_variables


def build_model(data: ModelData) -> pyo.ConcreteModel:
    """The sourcing MILP for `data`; see docs/model.md for the formulation."""
    m = pyo.ConcreteModel(name=data.instance.name)
    add_variables(m, data)
    add_demand_balance(m, data)
    add_offer_capacity(m, data)
    add_offer_limit(m, data)
    add_min_order(m, data)
    add_supplier_capacity(m, data)
    add_group_share_max(m, data)
    add_group_share_min(m, data)
    add_supplier_share_max(m, data)
    add_min_suppliers(m, data)
    add_total_cost(m, data)
    return m
