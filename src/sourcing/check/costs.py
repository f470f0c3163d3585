"""A plan's costs recomputed from the instance alone: purchase, tariffs, transport, holding,
shortage, per disruption stage, and the risk term (CVaR)."""

from __future__ import annotations

import math

from sourcing.check.tables import CheckData, Cleaned, clean, quantity_tolerance, stock_of
from sourcing.instance.references import NOMINAL
from sourcing.instance.schema import Instance, group_members
from sourcing.plan import Plan, StagePlan

COST_KEYS = (
    "fixed",
    "purchase",
    "tariff",
    "transport",
    "holding",
    "shortage",
    "risk",
    "total",
)


VARIABLE_KEYS = ("purchase", "tariff", "transport", "holding", "shortage")


def transport_cost(instance: Instance, supplier: str, market: str) -> float:
    """Transport cost per unit from `supplier` to `market` (most specific entry; 0 if none)."""
    return CheckData(instance).transport(supplier, market)


def tariff_rate(instance: Instance, supplier: str, product: str, market: str) -> float:
    """Tariff rate on the unit cost of `product` from `supplier` to `market` (rates add up)."""
    return CheckData(instance).tariff(supplier, product, market)


def _costs(data: CheckData, plan: Plan, cleaned: Cleaned) -> dict[str, float]:
    costs = dict.fromkeys(COST_KEYS, 0.0)
    costs["fixed"] = sum(
        data.suppliers[s].fixed_cost for s in plan.contracts if s in data.suppliers
    )
    for (supplier, product, market, period), qty in cleaned.flows.items():
        price = data.unit_cost(supplier, product, period)
        if price is None:
            continue
        costs["purchase"] += qty * price
        costs["tariff"] += qty * price * data.tariff(supplier, product, market)
        costs["transport"] += qty * data.transport(supplier, market)
    for (product, _, _), level in stock_of(data, cleaned).items():
        holding = data.products[product].holding_cost
        if holding is not None:
            costs["holding"] += holding * level
    for (product, _, _), qty in cleaned.unmet.items():
        penalty = data.products[product].shortage_penalty
        if penalty is not None:
            costs["shortage"] += penalty * qty
    costs["total"] = sum(costs[key] for key in COST_KEYS if key != "total")
    return costs


def plan_costs(instance: Instance, plan: Plan) -> dict[str, float]:
    """Cost breakdown of a plan in money units: fixed, then purchase, tariff, transport,
    holding and shortage (expected over the nominal and disruption scenarios), risk (the CVaR
    weight times the CVaR of the scenario costs) and their total, which is the objective.
    Quantities under unknown keys or not on offer cost nothing here (`check_plan` reports them).
    """
    return expected_costs(instance, plan)[0]


def stage_definitions(instance: Instance) -> list[tuple[str, float, dict[str, float]]]:
    """Disruption stages as (id, probability, capacity factors): the instance's scenarios, then
    under `resilience` one full outage per region, with probability zero."""
    stages = [(s.id, s.probability, dict(s.capacity_factor)) for s in instance.scenarios]
    if instance.resilience is not None:
        stages += [(f"outage:{r.id}", 0.0, {r.id: 0.0}) for r in instance.regions]
    return stages


def _scale(
    value: float | dict[str, float] | None, factor: float
) -> float | dict[str, float] | None:
    """A capacity times a factor. A factor of 0 leaves nothing, whatever the capacity (an
    unlimited one, or a map lacking a period); otherwise unlimited stays unlimited."""
    if factor == 0:
        return 0.0
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: v * factor for k, v in value.items()}
    return value * factor


def stage_instance(instance: Instance, factors: dict[str, float]) -> Instance:
    """The instance as one disruption sees it: capacities scaled, only bans as policies."""
    suppliers = []
    members = group_members(instance)
    for supplier in instance.suppliers:
        factor = math.prod(
            value for key, value in factors.items() if supplier.id in members.get(key, ())
        )
        offers = [
            offer.model_copy(update={"capacity": _scale(offer.capacity, factor)})
            for offer in supplier.offers
        ]
        suppliers.append(
            supplier.model_copy(
                update={"capacity": _scale(supplier.capacity, factor), "offers": offers}
            )
        )
    policies = instance.policies.model_copy(
        update={
            "caps": [],
            "floors": [],
            "max_supplier_share": None,
            "min_suppliers": None,
        }
    )
    return instance.model_copy(
        update={"suppliers": suppliers, "policies": policies, "scenarios": [], "resilience": None}
    )


def cvar(costs: list[tuple[float, float]], level: float) -> float:
    """CVaR at `level` of a discrete distribution given as (probability, cost) pairs.

    Rockafellar-Uryasev: min over eta of eta + E[max(0, L - eta)] / (1 - level); the minimum
    is reached at one of the costs, so those are the only candidates.
    """
    candidates = [c for p, c in costs if p > 0] or [c for _, c in costs]
    return min(
        eta + sum(p * max(0.0, c - eta) for p, c in costs) / (1 - level) for eta in candidates
    )


def expected_costs(instance: Instance, plan: Plan) -> tuple[dict[str, float], dict[str, float]]:
    """Expected cost breakdown (with risk and total) and the variable cost L of every stage."""
    data = CheckData(instance)
    atol = quantity_tolerance(instance)
    nominal = _costs(data, plan, clean(data, plan, atol))
    stages = stage_definitions(instance)
    weights = {NOMINAL: 1.0 - sum(p for _, p, _ in stages)}
    breakdowns = {NOMINAL: nominal}
    for stage_id, probability, factors in stages:
        stage_plan = plan.scenarios.get(stage_id, StagePlan())
        stage_data = CheckData(stage_instance(instance, factors))
        sub = Plan(contracts=plan.contracts, flows=stage_plan.flows, unmet=stage_plan.unmet)
        breakdowns[stage_id] = _costs(stage_data, sub, clean(stage_data, sub, atol))
        weights[stage_id] = probability
    variable = {k: b["total"] - b["fixed"] for k, b in breakdowns.items()}
    expected = dict.fromkeys(COST_KEYS, 0.0)
    expected["fixed"] = nominal["fixed"]
    for key in VARIABLE_KEYS:
        expected[key] = sum(weights[k] * b[key] for k, b in breakdowns.items())
    risk = instance.risk
    if risk is not None and risk.weight > 0:
        pairs = [(weights[k], variable[k]) for k in variable]
        expected["risk"] = risk.weight * cvar(pairs, risk.cvar_level)
    expected["total"] = sum(expected[key] for key in COST_KEYS if key != "total")
    return expected, variable


def stage_costs(instance: Instance, plan: Plan) -> dict[str, float]:
    """Variable cost L of the nominal stage and of every disruption stage, by id."""
    return expected_costs(instance, plan)[1]
