"""The disruption stages of an instance, as the checker sees them (SPEC sections 2 and 4).

A stage is a scenario or, under `resilience`, one outage per group of `resilience.outages`.
`stage_instance` gives the instance as a stage sees it: capacities (with those the built
expansions add) times the capacity factors and unit costs times the price factors of the
matching keys, in the disrupted periods only.
`anticipation_violations` and `outage_violations` check the two rules only stages have:
before a scenario starts its stage equals the nominal plan, and an outage leaves at most
`max_outage_shortage` of the demand unmet.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sourcing.check.investment import as_built
from sourcing.check.tables import CheckData, Cleaned, fmt
from sourcing.instance.fields import period_key
from sourcing.instance.schema import Instance, Period, Site, group_members, scenario_periods

OUTAGE_PREFIX = "outage:"

PerPeriod = float | dict[str, float] | None


@dataclass(frozen=True)
class Stage:
    """One disruption stage.

    `capacity_factor` and `price_factor` map region, bloc or supplier ids to multipliers (the
    factors of all keys matching a supplier multiply); they apply in `disrupted` (None: every
    period of the horizon). In `anticipated`, the periods before the disruption starts, the
    stage's flows and unmet demand equal the nominal plan's. `outage` is the group an outage
    stage takes out (None for a scenario); outages have probability 0.
    """

    id: str
    probability: float
    capacity_factor: dict[str, float] = field(default_factory=dict)
    price_factor: dict[str, float] = field(default_factory=dict)
    disrupted: list[Period] | None = None
    anticipated: list[Period] = field(default_factory=list)
    outage: str | None = None


def stage_definitions(instance: Instance) -> list[Stage]:
    """The instance's scenarios (with their timing), then under `resilience` one outage per
    group of `resilience.outages` (default every region): id `outage:<group>`, capacity times
    `resilience.factor` over the whole horizon, probability zero."""
    periods = list(instance.periods)
    stages = []
    for scenario in instance.scenarios:
        before, during = scenario_periods(periods, scenario)
        stages.append(
            Stage(
                id=scenario.id,
                probability=scenario.probability,
                capacity_factor=dict(scenario.capacity_factor),
                price_factor=dict(scenario.price_factor),
                disrupted=during,
                anticipated=before,
            )
        )
    resilience = instance.resilience
    if resilience is not None:
        groups = resilience.outages
        if groups is None:
            groups = [r.id for r in instance.regions]
        stages += [
            Stage(
                id=f"{OUTAGE_PREFIX}{group}",
                probability=0.0,
                capacity_factor={group: resilience.factor},
                outage=group,
            )
            for group in groups
        ]
    return stages


def _scale_capacity(
    value: PerPeriod, factor: float, keys: list[str] | None, horizon: list[str]
) -> PerPeriod:
    """A capacity times `factor` in the periods `keys` (None: all). A factor of 0 leaves
    nothing there, whatever the capacity (an unlimited one, or a map lacking a period);
    otherwise unlimited stays unlimited, and a map lacking a period still lacks it."""
    if factor == 1:
        return value
    if keys is None:
        if factor == 0:
            return 0.0
        if isinstance(value, dict):
            return {k: v * factor for k, v in value.items()}
        return None if value is None else value * factor
    hit = set(keys)
    if value is None:
        return {k: 0.0 for k in keys} if factor == 0 else None
    if not isinstance(value, dict):
        value = dict.fromkeys(horizon, value)
    scaled = {k: v * factor if k in hit else v for k, v in value.items()}
    if factor == 0:
        scaled.update({k: 0.0 for k in keys if k not in scaled})
    return scaled


def _scale_price(
    value: float | dict[str, float], factor: float, keys: list[str] | None, horizon: list[str]
) -> float | dict[str, float]:
    """A unit cost times `factor` in the periods `keys` (None: all); a map lacking a period
    still lacks it (the offer stays unavailable then)."""
    if factor == 1:
        return value
    if not isinstance(value, dict):
        if keys is None:
            return value * factor
        value = dict.fromkeys(horizon, value)
    hit = None if keys is None else set(keys)
    return {k: v * factor if hit is None or k in hit else v for k, v in value.items()}


def stage_instance(
    instance: Instance,
    factors: Mapping[str, float],
    prices: Mapping[str, float] | None = None,
    periods: Sequence[Period] | None = None,
    builds: Iterable[str] = (),
) -> Instance:
    """The instance as one disruption sees it: in `periods` (None: every period), capacities
    times the capacity `factors` and unit costs times the `prices` of the matching keys (region,
    bloc or supplier ids; matching factors multiply); nominal elsewhere. Only bans remain as
    policies. Tariffs are a rate on unit cost, so they follow the price; transport does not.

    `builds` are the expansions built: their capacity is added first (`as_built`), so the
    factors scale it like the supplier's own. Leave it empty for an instance already as built.
    """
    instance = as_built(instance, builds)
    members = group_members(instance)
    horizon = [period_key(p) for p in instance.periods]
    keys = None if periods is None else [period_key(p) for p in periods]
    if keys is not None and set(horizon) <= set(keys):
        keys = None

    def product(table: Mapping[str, float] | None, supplier: str) -> float:
        return math.prod(v for k, v in (table or {}).items() if supplier in members.get(k, ()))

    suppliers, sites = [], []
    for supplier in [*instance.suppliers, *instance.backend]:
        factor, price = product(factors, supplier.id), product(prices, supplier.id)
        offers = [
            offer.model_copy(
                update={
                    "capacity": _scale_capacity(offer.capacity, factor, keys, horizon),
                    "unit_cost": _scale_price(offer.unit_cost, price, keys, horizon),
                }
            )
            for offer in supplier.offers
        ]
        capacity = _scale_capacity(supplier.capacity, factor, keys, horizon)
        scaled = supplier.model_copy(update={"capacity": capacity, "offers": offers})
        (sites if isinstance(supplier, Site) else suppliers).append(scaled)
    policies = instance.policies.model_copy(
        update={
            "caps": [],
            "floors": [],
            "max_supplier_share": None,
            "min_suppliers": None,
        }
    )
    return instance.model_copy(
        update={
            "suppliers": suppliers,
            "backend": sites,
            "policies": policies,
            "scenarios": [],
            "resilience": None,
        }
    )


def stage_data(instance: Instance, stage: Stage, builds: Iterable[str] = ()) -> CheckData:
    """The checker's tables of `instance` (with the capacity of `builds` added) as `stage`
    sees it."""
    return CheckData(
        stage_instance(instance, stage.capacity_factor, stage.price_factor, stage.disrupted, builds)
    )


def anticipation_violations(
    stage: Stage, nominal: Cleaned, cleaned: Cleaned, atol: float
) -> Iterator[str]:
    """Before a scenario starts, its flows and unmet demand equal the nominal plan's (a key one
    side lacks counts as 0); stock then follows from the balance."""
    if not stage.anticipated or not stage.disrupted:
        return
    before = {period_key(p) for p in stage.anticipated}
    why = (
        f"before the scenario starts in period {stage.disrupted[0]} it must equal the nominal plan"
    )
    tables = (
        (cleaned.flows, nominal.flows, lambda s, p, m, t: f"flow {s} -> {m} of {p} in period {t}"),
        (
            cleaned.back_flows,
            nominal.back_flows,
            lambda s, p, m, t: f"back-end flow {s} -> {m} of {p} in period {t}",
        ),
        (cleaned.unmet, nominal.unmet, lambda p, m, t: f"unmet demand of {p} in {m}, period {t}"),
    )
    for ours, theirs, name in tables:
        for key in dict.fromkeys([*theirs, *ours]):
            if period_key(key[-1]) not in before:
                continue
            mine, nominal_value = ours.get(key, 0.0), theirs.get(key, 0.0)
            if abs(mine - nominal_value) > atol:
                yield (
                    f"{name(*key)} is {fmt(mine)}, but {fmt(nominal_value)} in the nominal "
                    f"plan; {why}"
                )


def outage_violations(
    instance: Instance, data: CheckData, cleaned: Cleaned, atol: float
) -> Iterator[str]:
    """Unmet demand in an outage stage at most `max_outage_shortage` times demand, summed over
    everything (`per: total`), over each product's markets and periods (`product`), or in each
    (product, market, period) cell (`cell`)."""
    resilience = instance.resilience
    if resilience is None:
        return
    limit = resilience.max_outage_shortage
    if resilience.per == "total":
        demand = sum(data.demand.values())
        short = sum(cleaned.unmet.values())
        if short > limit * demand + atol:
            yield (
                f"{fmt(short)} of {fmt(demand)} unmet, above the resilience limit of {fmt(limit)}"
            )
        return
    if resilience.per == "product":
        demand_of: dict[str, float] = defaultdict(float)
        short_of: dict[str, float] = defaultdict(float)
        for (product, _, _), qty in data.demand.items():
            demand_of[product] += qty
        for (product, _, _), qty in cleaned.unmet.items():
            short_of[product] += qty
        for product in data.products:
            demand, short = demand_of[product], short_of[product]
            if short > limit * demand + atol:
                yield (
                    f"{fmt(short)} of {fmt(demand)} of {product} unmet, above the resilience "
                    f"limit of {fmt(limit)} per product"
                )
        return
    for (product, market, period), short in cleaned.unmet.items():
        demand = data.demand.get((product, market, period), 0.0)
        if short > limit * demand + atol:
            yield (
                f"{fmt(short)} of {fmt(demand)} of {product} unmet in {market}, period {period}, "
                f"above the resilience limit of {fmt(limit)} per cell"
            )
