"""Assemble the model from its parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from sourcing.instance.schema import Instance
from sourcing.model.backend import add_backend_balance, add_tariff_path_rows
from sourcing.model.balance import add_demand_balance
from sourcing.model.capacity import (
    add_min_order,
    add_offer_capacity,
    add_offer_growth,
    add_offer_limit,
    add_supplier_capacity,
)
from sourcing.model.data import Mode, ModelData, build_data
from sourcing.model.disruptions import Disruption, with_penalties
from sourcing.model.investment import add_builds, add_subsidies
from sourcing.model.objective import add_total_cost, stage_cost
from sourcing.model.policies import (
    add_delivered,
    add_group_share_max,
    add_group_share_min,
    add_min_suppliers,
    add_supplier_share_max,
    count_products,
    share_layout,
)
from sourcing.model.resilience import ShortageLimit, add_outage_shortage
from sourcing.model.tighten import (
    TIGHT,
    Formulation,
    add_demand_cover,
    add_flow_contracts,
    add_symmetry_breaking,
)
from sourcing.model.timing import add_nonanticipativity
from sourcing.model.variables import add_contracts, add_variables


@dataclass(frozen=True)
class Stage:
    """One disruption: its id, probability and tables (capacities and prices already scaled,
    in the periods it disrupts; `data.anticipated` are the periods before it).

    `max_shortage`, if set, limits its unmet demand (the N-1 resilience requirement).
    """

    id: str
    probability: float
    data: ModelData
    max_shortage: ShortageLimit | None = None


def outage_groups(instance: Instance) -> list[str]:
    """The groups the resilience requirement takes out one at a time (default every region)."""
    resilience = instance.resilience
    if resilience is None:
        return []
    return list(resilience.outages or [r.id for r in instance.regions])


def disruption_stages(instance: Instance) -> list[Stage]:
    """The disruption scenarios of `instance`, then, under `resilience`, an outage of each of
    its groups with probability zero and the allowed shortage as its limit."""
    stages = [
        Stage(
            s.id,
            s.probability,
            build_data(instance, Mode.DISRUPTION, disruption=Disruption.of(instance, s)),
        )
        for s in instance.scenarios
    ]
    resilience = instance.resilience
    if resilience is not None:
        limit = ShortageLimit(resilience.max_outage_shortage, resilience.per)
        penalised = with_penalties(instance)
        stages += [
            Stage(
                f"outage:{group}",
                0.0,
                build_data(penalised, Mode.DISRUPTION, capacity_factor={group: resilience.factor}),
                limit,
            )
            for group in outage_groups(instance)
        ]
    return stages


def _add_stage(block: pyo.Block, data: ModelData, formulation: Formulation) -> None:
    """Flows, stock and unmet demand of one stage, with the constraints every stage obeys."""
    add_variables(block, data)
    add_demand_balance(block, data)
    add_backend_balance(block, data)
    add_tariff_path_rows(block, data)
    add_offer_capacity(block, data)
    add_offer_limit(block, data)
    add_min_order(block, data)
    add_supplier_capacity(block, data)
    add_offer_growth(block, data)
    if (
        data.mode is Mode.ELASTIC
    ):  # the diagnosis relaxes capacities: the tightening rows would not hold
        return
    if formulation.flow_contracts:
        add_flow_contracts(block, data)
    if formulation.demand_cover:
        add_demand_cover(block, data)


def build_model(
    data: ModelData, stages: Sequence[Stage] = (), formulation: Formulation = TIGHT
) -> pyo.ConcreteModel:
    """The sourcing MILP for `data`; see docs/model.md for the formulation.

    The nominal plan lives on the model itself, with the buyer's policies; each disruption in
    `stages` is a block `recourse[id]` that shares the contracts (`use_supplier`) only.
    `formulation` chooses the tightening rows (`sourcing.model.tighten`); they change how fast
    HiGHS proves the optimum, never the optimum itself.

    Python's cycle collector is paused meanwhile: it would walk the model's millions of
    objects again and again while they are made (Pyomo's writers pause it too).
    """
    with PauseGC():
        return _build(data, stages, formulation)


def _build(data: ModelData, stages: Sequence[Stage], formulation: Formulation) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel(name=data.instance.name)
    suppliers = list(
        dict.fromkeys(
            [
                *data.suppliers,
                *(s for st in stages for s in st.data.suppliers),
                *data.sites,
                *(s for st in stages for s in st.data.sites),
            ]
        )
    )
    add_contracts(m, suppliers)
    add_builds(m, data.instance)
    _add_stage(m, data, formulation)
    add_delivered(m, data, share_layout(data, count_products(data)))
    add_group_share_max(m, data)
    add_group_share_min(m, data)
    add_supplier_share_max(m, data)
    add_min_suppliers(m, data)
    if formulation.symmetry and data.mode is not Mode.ELASTIC:
        add_symmetry_breaking(m, data, suppliers)
    costs = [(1.0 - sum(s.probability for s in stages), stage_cost(m, data))]
    if stages:
        m.recourse = pyo.Block([s.id for s in stages])
        for stage in stages:
            block = m.recourse[stage.id]
            block.use_supplier = pyo.Reference(m.use_supplier)
            if data.instance.expansions:
                block.build = pyo.Reference(m.build)
            _add_stage(block, stage.data, formulation)
            add_nonanticipativity(m, data, block, stage.data)
            add_outage_shortage(block, stage.data, stage.max_shortage)
            costs.append((stage.probability, stage_cost(block, stage.data)))
    contracted = set(suppliers)
    producers = [*data.instance.suppliers, *data.instance.backend]
    fixed = {s.id: s.fixed_cost for s in producers if s.id in contracted}
    investment = add_subsidies(m, data.instance)
    add_total_cost(m, fixed, costs, data.instance.risk, investment)
    return m
