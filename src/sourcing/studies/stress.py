"""Stress tests: how a plan's contracts hold up when one region (or bloc) loses capacity.

The plan's contracts are fixed; for each outage the flows are re-optimised among them, with the
group's capacity multiplied by `factor` (0 = full outage). As in disruption scenarios, caps,
floors and diversity rules are left out (they bind the nominal plan), bans and minimum orders
hold, and demand may go unmet at its shortage penalty. A product without a penalty is treated
as costing `MISSING_PENALTY_FACTOR` times the dearest unit cost per unit unmet.
"""

from __future__ import annotations

from typing import Any

from sourcing.explain.stages import worst_shares
from sourcing.instance.schema import Instance
from sourcing.model.data import Mode, build_data, demand_table
from sourcing.model.disruptions import with_penalties
from sourcing.solver import SolveOptions
from sourcing.solver.recourse import ZERO, Recourse, solve_recourse


def recourse(
    instance: Instance,
    contracts: frozenset[str],
    capacity_factor: dict[str, float],
    options: SolveOptions,
    builds: frozenset[str] = frozenset(),
) -> Recourse:
    """Re-optimise the flows among `contracts` (and the expansions in `builds`) with capacities
    scaled by `capacity_factor`."""
    data = build_data(
        instance, Mode.DISRUPTION, capacity_factor=capacity_factor, suppliers=contracts
    )
    return solve_recourse(data, contracts, options, builds=builds)


def outage_table(
    instance: Instance,
    contracts: frozenset[str],
    *,
    factor: float = 0.0,
    blocs: bool = False,
    options: SolveOptions | None = None,
    builds: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """One row per outage: shortage (units and share of demand), cost, extra cost, products hit,
    the worst product (the largest share of its demand unmet; None if nothing is) and that
    share, and the kind of group taken out ("region" or "bloc"), with the keys in that order.

    `extra_cost` is against the same contracts re-optimised without any outage.
    """
    options = options or SolveOptions()
    instance = with_penalties(instance)
    cells = demand_table(instance)
    demand = sum(cells.values())
    baseline = recourse(instance, contracts, {}, options, builds)
    groups = [(r.id, "region") for r in instance.regions]
    if blocs:
        groups += [(b.id, "bloc") for b in instance.blocs]
    rows = []
    for group, kind in groups:
        outcome = recourse(instance, contracts, {group: factor}, options, builds)
        shortage = sum(outcome.unmet.values(), 0.0)
        worst, worst_share, _ = worst_shares(outcome.unmet, cells)
        hit = sorted(
            {
                product
                for (product, market, period), q in outcome.unmet.items()
                if q > baseline.unmet.get((product, market, period), 0.0) + ZERO
            }
        )
        rows.append(  # the keys of SPEC.md first, then `kind`
            {
                "outage": group,
                "factor": factor,
                "shortage": round(shortage, 9),
                "shortage_share": shortage / demand if demand else 0.0,
                "cost": round(outcome.cost, 9),
                "extra_cost": round(outcome.cost - baseline.cost, 9),
                "products_hit": hit,
                "worst_product": worst,
                "worst_product_share": worst_share,
                "kind": kind,
            }
        )
    return rows
