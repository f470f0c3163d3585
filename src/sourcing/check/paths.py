"""The two tiers of a plan (SPEC section 6): every unit delivered is a path (supplier, site,
product, market, period), so each tier delivers the same per cell, and the plan's paths add
up to each supplier's flows and to each site's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sourcing.check.tables import Cleaned, fmt
from sourcing.plan import Plan, StagePlan


def stage_plan_of(plan: Plan, stage: str) -> Plan:
    """The recourse of disruption `stage` as a plan with the same contracts."""
    found = plan.scenarios.get(stage, StagePlan())
    return Plan(
        contracts=plan.contracts,
        flows=found.flows,
        unmet=found.unmet,
        back_flows=found.back_flows,
        paths=found.paths,
    )


def path_violations(cleaned: Cleaned, atol: float) -> Iterator[str]:
    """Each tier delivers the same per cell, and the paths' sums per supplier and per site
    equal their flows."""
    front: dict[tuple, float] = defaultdict(float)
    back: dict[tuple, float] = defaultdict(float)
    for (_, *cell), qty in cleaned.flows.items():
        front[tuple(cell)] += qty
    for (_, *cell), qty in cleaned.back_flows.items():
        back[tuple(cell)] += qty
    for cell in dict.fromkeys([*front, *back]):
        made, packaged = front.get(cell, 0.0), back.get(cell, 0.0)
        if abs(made - packaged) > atol:
            product, market, period = cell
            yield (
                f"{product} for {market} in period {period}: the front end delivers "
                f"{fmt(made)} and the back end {fmt(packaged)}; every unit passes through "
                "one back-end site"
            )
    by_supplier: dict[tuple, float] = defaultdict(float)
    by_site: dict[tuple, float] = defaultdict(float)
    for (supplier, site, *cell), qty in cleaned.paths.items():
        by_supplier[(supplier, *cell)] += qty
        by_site[(site, *cell)] += qty
    tables = (
        ("supplier", cleaned.flows, by_supplier),
        ("back-end site", cleaned.back_flows, by_site),
    )
    for noun, flows, summed in tables:
        for key in dict.fromkeys([*flows, *summed]):
            qty, through = flows.get(key, 0.0), summed.get(key, 0.0)
            if abs(qty - through) > atol:
                who, product, market, period = key
                yield (
                    f"{noun} {who} delivers {fmt(qty)} of {product} to {market} in period "
                    f"{period}, but its paths carry {fmt(through)}"
                )
