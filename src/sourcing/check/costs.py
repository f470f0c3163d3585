"""A plan's costs recomputed from the instance alone: fixed costs, capex and subsidies of the
expansions, purchase, tariffs, transport, holding, shortage, per disruption stage, and the risk
term (CVaR)."""

from __future__ import annotations

from sourcing.check.investment import investment_costs
from sourcing.check.paths import stage_plan_of
from sourcing.check.stages import stage_data, stage_definitions
from sourcing.check.tables import CheckData, Cleaned, clean, quantity_tolerance, stock_of
from sourcing.instance.references import NOMINAL
from sourcing.instance.schema import Instance
from sourcing.plan import Plan

COST_KEYS = (
    "fixed",
    "capex",
    "subsidy",
    "purchase",
    "tariff",
    "transport",
    "holding",
    "shortage",
    "risk",
    "total",
)


VARIABLE_KEYS = ("purchase", "tariff", "transport", "holding", "shortage")
"""The components of the variable cost L of a stage, expected over the stages."""

FIRST_STAGE_KEYS = ("fixed", "capex", "subsidy")
"""The components decided once for every stage (not weighted by the scenarios)."""


def transport_cost(instance: Instance, supplier: str, market: str) -> float:
    """Transport cost per unit from `supplier` to `market` (most specific entry; 0 if none)."""
    return CheckData(instance).transport(supplier, market)


def tariff_rate(instance: Instance, supplier: str, product: str, market: str) -> float:
    """Tariff rate on the unit cost of `product` from `supplier` to `market` (rates add up)."""
    return CheckData(instance).tariff(supplier, product, market)


def _costs(data: CheckData, plan: Plan, cleaned: Cleaned) -> dict[str, float]:
    costs = dict.fromkeys(COST_KEYS, 0.0)
    costs["fixed"] = sum(
        data.producers[s].fixed_cost for s in plan.contracts if s in data.producers
    )
    two_tier = bool(data.sites)
    for (supplier, product, market, period), qty in cleaned.flows.items():
        price = data.unit_cost(supplier, product, period)
        if price is None:
            continue
        costs["purchase"] += qty * price
        if not two_tier:
            costs["tariff"] += qty * price * data.tariff(supplier, product, market)
            costs["transport"] += qty * data.transport(supplier, market)
    if two_tier:
        _add_tier_costs(data, cleaned, costs)
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


def _add_tier_costs(data: CheckData, cleaned: Cleaned, costs: dict[str, float]) -> None:
    """With back-end sites: the sites' unit costs, transport on the site -> market leg, and
    the tariff of each path (the supplier's rate on both tiers' unit costs)."""
    for (site, product, market, period), qty in cleaned.back_flows.items():
        price = data.unit_cost(site, product, period)
        if price is not None:
            costs["purchase"] += qty * price
        costs["transport"] += qty * data.transport(site, market)
    for (supplier, site, product, market, period), qty in cleaned.paths.items():
        rate = data.tariff(supplier, product, market)
        made = data.unit_cost(supplier, product, period)
        packaged = data.unit_cost(site, product, period)
        if rate and made is not None and packaged is not None:
            costs["tariff"] += qty * rate * (made + packaged)


def plan_costs(instance: Instance, plan: Plan) -> dict[str, float]:
    """Cost breakdown of a plan in money units: fixed, capex (of the built expansions) and
    subsidy (minus all subsidies paid), then purchase, tariff, transport, holding and shortage
    (expected over the nominal and disruption scenarios), risk (the CVaR weight times the CVaR
    of the scenario costs) and their total, which is the objective.
    Quantities under unknown keys or not on offer cost nothing here (`check_plan` reports them).
    Without expansions (and without subsidies in the plan) capex and subsidy are left out.
    """
    costs = expected_costs(instance, plan)[0]
    if not instance.expansions and not plan.builds and not plan.subsidies:
        del costs["capex"], costs["subsidy"]
    return costs


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
    weights = {NOMINAL: 1.0 - sum(s.probability for s in stages)}
    breakdowns = {NOMINAL: nominal}
    for stage in stages:
        seen = stage_data(instance, stage)
        sub = stage_plan_of(plan, stage.id)
        breakdowns[stage.id] = _costs(seen, sub, clean(seen, sub, atol))
        weights[stage.id] = stage.probability
    variable = {
        k: b["total"] - sum(b[key] for key in FIRST_STAGE_KEYS) for k, b in breakdowns.items()
    }
    expected = dict.fromkeys(COST_KEYS, 0.0)
    expected["fixed"] = nominal["fixed"]
    expected["capex"], expected["subsidy"] = investment_costs(instance, plan)
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
